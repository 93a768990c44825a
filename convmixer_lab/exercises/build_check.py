"""Compare a student's ConvMixer with the package's and say WHAT differs (exercise 04.4).

``compare_with_package(build)`` calls ``build(dim=8, depth=2, kernel_size=5, patch_size=3,
num_classes=4, in_channels=3)`` (a class or a function returning an ``nn.Module``), runs it on a
small batch and records every convolution, BatchNorm and Linear call in the order they run. It
checks, in turn:

1. the model runs and calls every BatchNorm once (a shared BatchNorm is the tutorial's layer);
2. the sequence of calls is stem conv, BN, then per layer depthwise conv, BN1, pointwise conv, BN2,
   then the classifier;
3. each call's settings: weight shapes (kernel size, groups), biases, stride, output shapes (padding);
4. after loading the package model's weights into the student's modules (call by call), every
   call's input equals the package's (float64, eval mode); the first that differs is explained by
   trying the usual mistakes on the student's own activations (a missing or misplaced GELU, ReLU
   for GELU, the residual missing, too early, or around both convolutions, max pooling);
5. the outputs are equal (to float64 rounding).

It returns ``None`` when the model is the paper's ConvMixer, else one sentence naming the difference.
The checks never touch the global random state (``torch.random.fork_rng``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import ConvMixer

CONFIG = dict(dim=8, depth=2, kernel_size=5, patch_size=3, num_classes=4, in_channels=3)
BATCH = (2, 3, 15, 15)  # a 5 x 5 grid of 3 x 3 patches
_KINDS = {nn.Conv2d: "convolution", nn.BatchNorm2d: "BatchNorm", nn.Linear: "Linear"}
_TOL = dict(rtol=1e-9, atol=1e-9)


@dataclass
class Call:
    """One call of a convolution, BatchNorm or Linear module: the module, its input and output."""

    module: nn.Module
    inp: torch.Tensor
    out: torch.Tensor

    @property
    def kind(self) -> str:
        return _KINDS[type(self.module)]


def roles(depth: int) -> list[str]:
    """What each call of the paper's ConvMixer is, in order (layers counted from 0)."""
    names = ["the stem convolution", "the stem BatchNorm"]
    for i in range(depth):
        names += [f"layer {i}'s depthwise convolution", f"layer {i}'s first BatchNorm (BN1)",
                  f"layer {i}'s pointwise convolution", f"layer {i}'s second BatchNorm (BN2)"]
    return names + ["the classifier (nn.Linear)"]


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, **_TOL)


def trace(model: nn.Module, x: torch.Tensor) -> tuple[list[Call], Any]:
    """Run ``model(x)`` and record every Conv2d, BatchNorm2d and Linear call in order."""
    calls: list[Call] = []

    def record(module: nn.Module, args: tuple, out: torch.Tensor) -> None:
        calls.append(Call(module, args[0].detach().clone(), out.detach().clone()))

    handles = [m.register_forward_hook(record) for m in model.modules() if type(m) in _KINDS]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return calls, out


def reference() -> ConvMixer:
    """The package's ConvMixer at ``CONFIG``, float64, every weight, bias and BatchNorm statistic
    drawn from a fixed generator (non-trivial, so eval mode really uses them), in eval mode."""
    with torch.device("meta"):
        model = ConvMixer(**CONFIG)
    model = model.to_empty(device="cpu").double().to(memory_format=torch.contiguous_format)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            if name.endswith("num_batches_tracked"):
                t.zero_()
            elif name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=g, dtype=t.dtype))
            else:
                t.copy_(0.5 * torch.randn(t.shape, generator=g, dtype=t.dtype))
    return model.eval()


def _build(build: Any) -> nn.Module:
    """The student's model at ``CONFIG``; NotAnswered for a placeholder; TypeError with the reason."""
    if not callable(build):
        raise TypeError(f"expected a class or function that builds the model, got {type(build).__name__}")
    model = build(**CONFIG)
    if model is ... or model is None:
        raise NotAnswered  # a function whose body is still blank
    if isinstance(model, nn.Module) and "_modules" not in vars(model):
        raise NotAnswered  # nn.Module.__init__ never ran: a class whose body is still blank
    return model


def _run(model: nn.Module, x: torch.Tensor) -> tuple[list[Call], Any] | str:
    try:
        return trace(model, x)
    except Exception as err:  # the student's forward pass failed: say how, as feedback
        return f"running it on a batch of shape {list(x.shape)} raised {type(err).__name__}: {err}"


def _structure(calls: list[Call], depth: int) -> str | None:
    """A shared BatchNorm, or the first place where the sequence of calls differs from the paper's."""
    norms = [c.module for c in calls if c.kind == "BatchNorm"]
    if len(set(map(id, norms))) < len(norms):
        return ("one BatchNorm module is used twice (the tutorial's shared norm): give every "
                "convolution its own BatchNorm, BN1 after the depthwise and BN2 after the pointwise one")
    expected = ["convolution", "BatchNorm"] + ["convolution", "BatchNorm"] * 2 * depth + ["Linear"]
    names = roles(depth)
    found = [c.kind for c in calls]
    for i, kind in enumerate(expected):
        got = found[i] if i < len(found) else None
        if got != kind:
            after = f" after {names[i - 1]}" if i else ""
            return (f"{names[i]} is missing: expected a {kind}{after}, found "
                    f"{'a ' + got if got else 'nothing more'} (a ConvMixer with depth={depth} runs "
                    f"{expected.count('convolution')} convolutions and {expected.count('BatchNorm')} "
                    "BatchNorms, each convolution followed by GELU and its own BatchNorm)")
    if len(found) > len(expected):
        return f"after the classifier your model runs another {found[len(expected)]}; it should end there"
    return None


def _conv_settings(mine: nn.Conv2d, ref: nn.Conv2d, name: str, out: torch.Tensor,
                   ref_out: torch.Tensor) -> str | None:
    if mine.weight.shape != ref.weight.shape:
        shape, want = tuple(mine.weight.shape), tuple(ref.weight.shape)
        if "depthwise" in name and shape[1] != 1:
            why = "a depthwise convolution has groups=dim: one k x k kernel per channel"
        elif "depthwise" in name:
            why = f"its kernel is {shape[2]}x{shape[3]}, use kernel_size ({want[2]} here)"
        elif "pointwise" in name:
            why = "a pointwise convolution is nn.Conv2d(dim, dim, kernel_size=1)"
        else:
            why = "the stem is nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)"
        return f"{name} has weight shape {shape}, expected {want}: {why}"
    if mine.bias is None:
        return f"{name} has no bias: keep nn.Conv2d's default bias=True, as the paper's model does"
    if mine.stride != ref.stride:
        return (f"{name} has stride {mine.stride}, expected {ref.stride} "
                "(stride=patch_size for the stem, 1 after it)")
    if out.shape != ref_out.shape:
        return (f"{name} outputs shape {list(out.shape)}, expected {list(ref_out.shape)}: "
                "padding=\"same\" keeps the H x W grid, so the residual can be added")
    return None


def _settings(calls: list[Call], ref_calls: list[Call], names: list[str]) -> str | None:
    """The first call whose module is set up differently from the package's."""
    grid = BATCH[2] // CONFIG["patch_size"]
    for call, ref, name in zip(calls, ref_calls, names):
        mine, want = call.module, ref.module
        if call.kind == "convolution":
            problem = _conv_settings(mine, want, name, call.out, ref.out)
            if problem:
                return problem
        elif call.kind == "BatchNorm" and (mine.num_features != want.num_features or not mine.affine):
            return (f"{name} is BatchNorm2d({mine.num_features}, affine={mine.affine}), expected "
                    f"BatchNorm2d({want.num_features}) with its learnable weight and bias")
        elif call.kind == "Linear" and (mine.weight.shape != want.weight.shape or mine.bias is None):
            if mine.in_features == CONFIG["dim"] * grid * grid:
                return (f"{name} takes {mine.in_features} = dim x {grid} x {grid} inputs: pool the "
                        "grid first (global average pooling to [N, dim, 1, 1]), then flatten")
            return (f"{name} is {mine}, expected Linear(in_features={want.in_features}, "
                    f"out_features={want.out_features}, bias=True)")
    return None


def _load(calls: list[Call], ref_calls: list[Call]) -> None:
    with torch.no_grad():
        for call, ref in zip(calls, ref_calls):
            call.module.load_state_dict(ref.module.state_dict())


def _layer_input(calls: list[Call], i: int) -> torch.Tensor | None:
    """The input z of the mixer layer that call ``i`` belongs to (its depthwise conv's input);
    None for the stem and the classifier."""
    return calls[2 + 4 * ((i - 2) // 4)].inp if 2 <= i < len(calls) - 1 else None


def _next_input(calls: list[Call], i: int, t: torch.Tensor) -> bool:
    """Does the call after ``i`` receive ``t`` (pooled to [N, C] when that call is the classifier)?"""
    nxt = calls[i + 1]
    return _same(nxt.inp, t.mean((2, 3)) if nxt.kind == "Linear" else t)


def _explain_norm(calls: list[Call], i: int, name: str, before: str) -> str | None:
    """A BatchNorm's input differs: the residual too early, GELU missing or after it, ReLU for GELU."""
    s, prev, z = calls[i].inp, calls[i - 1].out, _layer_input(calls, i)
    if z is not None and "BN1" in name and any(_same(s, t) for t in (F.gelu(prev) + z, prev + z,
                                                                      F.gelu(prev + z))):
        return (f"the residual is added too early, before {name}: "
                "z' = BN1(GELU(DWConv(z))) + z adds z after the BatchNorm")
    if _same(s, prev):
        gelu_out = F.gelu(calls[i].out)
        if _next_input(calls, i, gelu_out) or (z is not None and _next_input(calls, i, gelu_out + z)):
            return (f"GELU comes after {name}, but the paper's order is convolution -> GELU -> "
                    "BatchNorm: swap them")
        return f"GELU is missing between {before} and {name} (convolution -> GELU -> BatchNorm)"
    if _same(s, F.relu(prev)):
        return (f"{name} receives ReLU(...), but the paper's model (and the package's) uses GELU; "
                "only the released ConvMixer-768/32 checkpoint uses ReLU")
    return None


def _explain_residual(calls: list[Call], i: int, name: str) -> str | None:
    """A convolution's input differs: the residual missing, around both convolutions, or after BN2."""
    s, prev, z = calls[i].inp, calls[i - 1].out, _layer_input(calls, i)
    if "pointwise" in name and _same(s, prev):
        if _next_input(calls, i + 1, calls[i + 1].out + z):
            return ("the residual goes around both convolutions (the tutorial's placement); in the paper "
                    "it goes around the depthwise part only: the pointwise convolution receives "
                    "z' = BN1(GELU(DWConv(z))) + z")
        return ("the residual is missing: the pointwise convolution should receive "
                "z' = BN1(GELU(DWConv(z))) + z, the first BatchNorm's output plus the layer's input z")
    if "depthwise" in name and i >= 6 and _same(s, prev + calls[i - 4].inp):
        return (f"the residual is added after BN2, around the whole layer; {name} should receive the "
                "previous layer's BN2 output as it is")
    return None


def _explain(calls: list[Call], i: int, names: list[str]) -> str:
    """Why call ``i`` receives a different input than the package's, from the student's own values."""
    kind, name = calls[i].kind, names[i]
    if i == 0:
        return "the stem convolution should receive the images as they are"
    if kind == "Linear":
        if _same(calls[i].inp, calls[i - 1].out.amax((2, 3))):
            return "the classifier receives max-pooled features: use global AVERAGE pooling"
        return ("the classifier should receive the average of each channel over the grid "
                "(global average pooling, then flatten)")
    problem = (_explain_norm(calls, i, name, names[i - 1]) if kind == "BatchNorm"
               else _explain_residual(calls, i, name))
    return problem or (f"{name} receives a different input than in the package's model; compare the "
                       "order of operations with z' = BN1(GELU(DWConv(z))) + z, out = BN2(GELU(PWConv(z')))")


def _values(calls: list[Call], ref_calls: list[Call], names: list[str]) -> str | None:
    for i, (call, ref) in enumerate(zip(calls, ref_calls)):
        if not _same(call.inp, ref.inp):
            return _explain(calls, i, names)
        if not _same(call.out, ref.out):
            return (f"{names[i]} gives a different output from the same input and weights: check its "
                    f"settings ({call.module})")
    return None


def _diagnose(build: Any, forbid: tuple[type, ...]) -> str | None:
    try:
        model = _build(build)
    except NotAnswered:
        raise
    except Exception as err:
        args = ", ".join(f"{k}={v}" for k, v in CONFIG.items())
        return f"calling it with ({args}) raised {type(err).__name__}: {err}"
    if not isinstance(model, nn.Module):
        return (f"it returned {type(model).__name__} {model!r:.40}, not an nn.Module: "
                "return the model you built")
    used = sorted({type(m).__name__ for m in model.modules() if isinstance(m, forbid)})
    if used:
        return f"it uses the package's {', '.join(used)}: build the model yourself from torch.nn parts"
    model = model.double().to(memory_format=torch.contiguous_format).eval()
    x = torch.randn(BATCH, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ref = reference()
    ref_calls, ref_out = trace(ref, x)
    result = _run(model, x)
    if isinstance(result, str):
        return result
    calls, out = result
    names = roles(CONFIG["depth"])
    problem = _structure(calls, CONFIG["depth"]) or _settings(calls, ref_calls, names)
    if problem:
        return problem
    extra = [type(m).__name__ for m in model.modules()
             if type(m) not in _KINDS and any(True for _ in m.parameters(recurse=False))]
    if extra:
        return f"your model has parameters in {', '.join(sorted(set(extra)))}, which a ConvMixer does not use"
    _load(calls, ref_calls)
    calls, out = trace(model, x)
    problem = _values(calls, ref_calls, names)
    if problem:
        return problem
    if not isinstance(out, torch.Tensor) or not _same(out, ref_out):
        return "every layer matches, but the model's output is not the classifier's output: return the logits"
    return None


def compare_with_package(build: Callable[..., nn.Module], forbid: tuple[type, ...] = ()) -> str | None:
    """``None`` if ``build`` makes the paper's ConvMixer (same outputs as the package's model with the
    same weights, to float64 rounding), else one sentence saying what differs; a model containing a
    module of a type in ``forbid`` is refused. Raises ``NotAnswered`` for a blank answer. The global
    random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        return _diagnose(build, forbid)
