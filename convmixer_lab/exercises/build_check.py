"""Compare a student's ConvMixer with the package's and say WHAT differs (exercise 04.4).

``compare_with_package(build)`` calls ``build(**config)`` (a class or a function returning an
``nn.Module``) for each of two settings (``SETTINGS``: the second has one input channel, three
classes and a different depth, so numbers written into the code instead of the arguments show),
runs the model on a small batch and records every convolution, BatchNorm and Linear call in the
order they run. For each setting it checks, in turn:

1. the answer builds (a model *instance* instead of the class, a missing ``super().__init__()``);
2. every layer is visible to PyTorch (not kept in a plain Python list), no BatchNorm1d;
3. the model runs; if it raises, the error is explained from the call that failed (the classifier's
   input shape: pooling or flatten missing; a convolution's input channels; a grid that changed size);
4. no convolution runs twice (``[layer] * depth`` repeats one object) and every BatchNorm once (a
   shared BatchNorm is the tutorial's layer);
5. the sequence of calls is stem conv, BN, then per layer depthwise conv, BN1, pointwise conv, BN2,
   then the classifier;
6. each call's settings: weight shapes (kernel size, groups), biases, stride, output shapes (padding);
7. after loading the package model's weights into the student's modules (call by call), every
   call's input equals the package's (float64, eval mode); the first that differs is explained by
   trying the usual mistakes on the student's own activations (a missing or misplaced GELU, ReLU
   for GELU, the residual missing, too early, around both convolutions or the pointwise half, an
   extra one after BN2, max pooling);
8. the outputs are equal (to float64 rounding).

It returns ``None`` when the model is the paper's ConvMixer, else one sentence naming the difference.
The checks never touch the global random state (``torch.random.fork_rng``) and run on one thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import ConvMixer
from convmixer_lab.threads import one_thread

# (config, batch shape): a 5 x 5 grid of 3 x 3 patches; then a 4 x 4 grid of 2 x 2 grey patches
SETTINGS = (
    (dict(dim=8, depth=2, kernel_size=5, patch_size=3, num_classes=4, in_channels=3), (2, 3, 15, 15)),
    (dict(dim=6, depth=3, kernel_size=3, patch_size=2, num_classes=3, in_channels=1), (2, 1, 8, 8)),
)
CONFIG, BATCH = SETTINGS[0]
_KINDS = {nn.Conv2d: "convolution", nn.BatchNorm2d: "BatchNorm", nn.Linear: "Linear"}
_TOL = dict(rtol=1e-9, atol=1e-9)
_ORDER = ("compare the order of operations with z' = BN1(GELU(DWConv(z))) + z, "
          "out = BN2(GELU(PWConv(z')))")


@dataclass
class Call:
    """One call of a convolution, BatchNorm or Linear module: the module, its input and output
    (``out`` is None for a call that raised)."""

    module: nn.Module
    inp: Any
    out: Any = None

    @property
    def kind(self) -> str:
        return _KINDS[type(self.module)]


class ForwardFailed(Exception):
    """The model raised while running: the calls that finished, and the one that raised (if any)."""

    def __init__(self, err: Exception, calls: list[Call], failed: Call | None) -> None:
        super().__init__(str(err))
        self.err, self.calls, self.failed = err, calls, failed


def roles(depth: int) -> list[str]:
    """What each call of the paper's ConvMixer is, in order (layers counted from 0)."""
    names = ["the stem convolution", "the stem BatchNorm"]
    for i in range(depth):
        names += [f"layer {i}'s depthwise convolution", f"layer {i}'s first BatchNorm (BN1)",
                  f"layer {i}'s pointwise convolution", f"layer {i}'s second BatchNorm (BN2)"]
    return names + ["the classifier (nn.Linear)"]


def _same(a: Any, b: Any) -> bool:
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and torch.allclose(a, b, **_TOL))


def _copy(t: Any) -> Any:
    return t.detach().clone() if isinstance(t, torch.Tensor) else t


def trace(model: nn.Module, x: torch.Tensor) -> tuple[list[Call], Any]:
    """Run ``model(x)`` and record every Conv2d, BatchNorm2d and Linear call in order, including
    modules PyTorch does not know belong to ``model`` (hooks on every module call). Raises
    ``ForwardFailed`` if the model raises."""
    calls: list[Call] = []
    running: list[Call] = []

    def enter(module: nn.Module, args: tuple) -> None:
        if type(module) in _KINDS:
            running.append(Call(module, _copy(args[0]) if args else None))

    def leave(module: nn.Module, args: tuple, out: Any) -> None:
        if type(module) in _KINDS:
            call = running.pop()
            call.out = _copy(out)
            calls.append(call)

    handles = [register_module_forward_pre_hook(enter), register_module_forward_hook(leave)]
    try:
        with torch.no_grad():
            out = model(x)
    except Exception as err:
        raise ForwardFailed(err, calls, running[-1] if running else None) from err
    finally:
        for handle in handles:
            handle.remove()
    return calls, out


def reference(config: dict[str, int] = CONFIG) -> ConvMixer:
    """The package's ConvMixer at ``config``, float64, every weight, bias and BatchNorm statistic
    drawn from a fixed generator (non-trivial, so eval mode really uses them), in eval mode."""
    with torch.device("meta"):
        model = ConvMixer(**config)
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


# --- building the student's model -----------------------------------------------------------------

def _build(build: Any, config: dict[str, int]) -> nn.Module | str:
    """The student's model at ``config``, or a sentence saying why it could not be built;
    NotAnswered for a placeholder (a blank class or function)."""
    if isinstance(build, nn.Module):
        return (f"you passed a model ({type(build).__name__}(...), an instance); pass the class itself, "
                "without parentheses, e.g. ex.check(MyConvMixer): the check builds it with its own settings")
    if not callable(build):
        return f"expected a class or function that builds the model, got {type(build).__name__}"
    try:
        model = build(**config)
    except Exception as err:
        if "before Module.__init__() call" in str(err):
            return ("your __init__ assigns a layer before calling super().__init__(): make "
                    "super().__init__() the first line of every nn.Module's __init__ (both classes)")
        args = ", ".join(f"{k}={v}" for k, v in config.items())
        return f"calling it with ({args}) raised {type(err).__name__}: {err}"
    if model is ... or model is None:
        raise NotAnswered  # a function whose body is still blank
    if isinstance(model, nn.Module) and "_modules" not in vars(model):
        raise NotAnswered  # nn.Module.__init__ never ran: a class whose body is still blank
    if not isinstance(model, nn.Module):
        return (f"it returned {type(model).__name__} {model!r:.40}, not an nn.Module: "
                "return the model you built")
    return model


def _hidden(model: nn.Module) -> str | None:
    """Layers kept where PyTorch cannot see them: a plain list, tuple or dict attribute."""
    known = {id(m) for m in model.modules()}
    for path, module in model.named_modules():
        for attr, value in vars(module).items():
            if attr.startswith("_") or not isinstance(value, (list, tuple, dict)):
                continue
            items = value.values() if isinstance(value, dict) else value
            if any(isinstance(v, nn.Module) and id(v) not in known for v in items):
                where = f"self.{attr}" + (f" (in {path})" if path else "")
                kind = type(value).__name__
                return (f"{where} is a plain Python {kind}, and layers kept in a Python {kind} are "
                        "invisible to PyTorch (.double(), .eval(), .parameters() and the optimizer all "
                        "miss them): hold them in nn.ModuleList([...]) or nn.Sequential(*[...]) instead")
    return None


def _static(model: nn.Module, forbid: tuple[type, ...]) -> str | None:
    """What can be seen before running: package parts, hidden layers, the wrong BatchNorm."""
    used = sorted({type(m).__name__ for m in model.modules() if isinstance(m, forbid)})
    if used:
        return f"it uses the package's {', '.join(used)}: build the model yourself from torch.nn parts"
    hidden = _hidden(model)
    if hidden:
        return hidden
    odd = sorted({type(m).__name__ for m in model.modules()
                  if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm3d))})
    if odd:
        return (f"it uses {odd[0]}: the patch grid is [N, dim, H, W], so use nn.BatchNorm2d(dim) "
                "(BatchNorm1d takes [N, C] or [N, C, L], BatchNorm3d [N, C, D, H, W])")
    return None


# --- a forward pass that raised ---------------------------------------------------------------------

def _unseen(model: nn.Module, calls: list[Call]) -> str | None:
    known = {id(m) for m in model.modules()}
    hidden = [c for c in calls if id(c.module) not in known]
    if hidden:
        return (f"your forward pass calls an nn.{type(hidden[0].module).__name__} that is not part of the "
                "model as PyTorch sees it (created inside forward, or kept in a plain Python list or "
                "dict): create every layer in __init__ and assign it to self, groups of layers in "
                "nn.ModuleList or nn.Sequential")
    return None


def _classifier_input(shape: list[int], config: dict[str, int]) -> str:
    """Why the classifier cannot take its input: pooling or flatten missing."""
    n, dim, grid = shape[0], config["dim"], None
    want = f"expected [{n}, {dim}]"
    if len(shape) == 4 and shape[2:] == [1, 1]:
        return f"the classifier received shape {shape}; {want}: flatten the pooled features (nn.Flatten())"
    if len(shape) == 4:
        grid = f"{shape[2]} x {shape[3]}"
    elif len(shape) == 2 and shape[1] != dim and shape[1] % dim == 0:
        grid = f"{shape[1] // dim} positions"
    if grid:
        return (f"the classifier received shape {shape}; {want}: average each channel over the grid "
                f"({grid}) with global average pooling, then flatten")
    return f"the classifier received shape {shape}; {want}, one vector of dim numbers per image"


def _failed_call(call: Call, names: list[str], index: int, config: dict[str, int]) -> str | None:
    """The module that raised: what it was given, against what it is built for."""
    shape = list(call.inp.shape) if isinstance(call.inp, torch.Tensor) else None
    if shape is None:
        return None
    name = names[index] if index < len(names) else f"an nn.{type(call.module).__name__}"
    if call.kind == "Linear":
        return _classifier_input(shape, config)
    if call.kind == "convolution" and len(shape) == 4 and shape[1] != call.module.in_channels:
        fix = (": use in_channels, not a fixed number" if index == 0 else
               ": every convolution after the stem maps dim channels to dim")
        return (f"{name} is built for {call.module.in_channels} input channels but receives "
                f"{shape[1]} (input shape {shape}){fix}")
    if call.kind == "BatchNorm" and len(shape) == 4 and shape[1] != call.module.num_features:
        return (f"{name} is BatchNorm2d({call.module.num_features}) but receives {shape[1]} channels: "
                "use BatchNorm2d(dim)")
    return None


def _grid_changed(calls: list[Call], names: list[str]) -> str | None:
    """A convolution after the stem whose output grid differs from its input grid."""
    for i, call in enumerate(calls[1:], start=1):
        if call.kind == "convolution" and isinstance(call.out, torch.Tensor) and call.inp.dim() == 4:
            if call.out.shape[2:] != call.inp.shape[2:]:
                a, b = tuple(call.inp.shape[2:]), tuple(call.out.shape[2:])
                name = names[i] if i < len(names) else "a convolution after the stem"
                return (f"{name} turns the {a[0]}x{a[1]} grid into {b[0]}x{b[1]}, so the residual cannot "
                        "be added: padding=\"same\" keeps the grid")
    return None


def _failure(model: nn.Module, failed: ForwardFailed, x: torch.Tensor, config: dict[str, int]) -> str:
    """A sentence explaining why the forward pass raised."""
    names = roles(config["depth"])
    calls = failed.calls + ([failed.failed] if failed.failed else [])
    problem = _unseen(model, calls)
    if not problem and failed.failed is not None:
        problem = _failed_call(failed.failed, names, len(failed.calls), config)
    problem = problem or _grid_changed(failed.calls, names)
    err = failed.err
    return problem or f"running it on a batch of shape {list(x.shape)} raised {type(err).__name__}: {err}"


# --- the sequence of calls and each module's settings ------------------------------------------------

def _reused(calls: list[Call]) -> str | None:
    """One convolution object run twice ([layer] * depth), or one BatchNorm shared by two convolutions."""
    convs = [c.module for c in calls if c.kind == "convolution"]
    repeats = max((convs.count(m) for m in convs), default=0)
    if repeats > 1:
        return (f"the same layer object is used {repeats} times (as [layer] * depth does: it repeats one "
                "object, it does not copy it), so all positions share one set of weights: build a new "
                "layer for each position, e.g. [MyConvMixerLayer(dim, kernel_size) for _ in range(depth)]")
    norms = [c.module for c in calls if c.kind == "BatchNorm"]
    if len(set(map(id, norms))) < len(norms):
        return ("one BatchNorm module is used twice (the tutorial's shared norm): give every "
                "convolution its own BatchNorm, BN1 after the depthwise and BN2 after the pointwise one")
    return None


def _structure(calls: list[Call], depth: int) -> str | None:
    """A reused module, or the first place where the sequence of calls differs from the paper's."""
    problem = _reused(calls)
    if problem:
        return problem
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


def _conv_settings(mine: Call, ref: Call, name: str) -> str | None:
    conv, want = mine.module, ref.module
    if conv.weight.shape != want.weight.shape:
        shape, expected = tuple(conv.weight.shape), tuple(want.weight.shape)
        if "depthwise" in name and shape[1] != 1:
            why = "a depthwise convolution has groups=dim: one k x k kernel per channel"
        elif "depthwise" in name:
            why = f"its kernel is {shape[2]}x{shape[3]}, use kernel_size ({expected[2]} here)"
        elif "pointwise" in name:
            why = "a pointwise convolution is nn.Conv2d(dim, dim, kernel_size=1)"
        else:
            why = "the stem is nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)"
        return f"{name} has weight shape {shape}, expected {expected}: {why}"
    if conv.bias is None:
        return f"{name} has no bias: keep nn.Conv2d's default bias=True, as the paper's model does"
    if conv.stride != want.stride:
        return (f"{name} has stride {conv.stride}, expected {want.stride} "
                "(stride=patch_size for the stem, 1 after it)")
    if mine.out.shape != ref.out.shape:
        return (f"{name} outputs shape {list(mine.out.shape)}, expected {list(ref.out.shape)}: "
                "padding=\"same\" keeps the H x W grid, so the residual can be added")
    return None


def _settings(calls: list[Call], ref_calls: list[Call], names: list[str], config: dict[str, int],
              grid: int) -> str | None:
    """The first call whose module is set up differently from the package's."""
    for call, ref, name in zip(calls, ref_calls, names):
        mine, want = call.module, ref.module
        if call.kind == "convolution":
            problem = _conv_settings(call, ref, name)
            if problem:
                return problem
        elif call.kind == "BatchNorm" and (mine.num_features != want.num_features or not mine.affine):
            return (f"{name} is BatchNorm2d({mine.num_features}, affine={mine.affine}), expected "
                    f"BatchNorm2d({want.num_features}) with its learnable weight and bias")
        elif call.kind == "Linear" and (mine.weight.shape != want.weight.shape or mine.bias is None):
            if mine.in_features == config["dim"] * grid * grid:
                return (f"{name} takes {mine.in_features} = dim x {grid} x {grid} inputs: pool the "
                        "grid first (global average pooling to [N, dim, 1, 1]), then flatten")
            return (f"{name} is {mine}, expected Linear(in_features={want.in_features}, "
                    f"out_features={want.out_features}, bias=True)")
    return None


def _load(calls: list[Call], ref_calls: list[Call]) -> None:
    with torch.no_grad():
        for call, ref in zip(calls, ref_calls):
            call.module.load_state_dict(ref.module.state_dict())


# --- values: which input differs, and why -----------------------------------------------------------

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


def _explain_pointwise(calls: list[Call], i: int) -> str | None:
    """The pointwise convolution receives BN1's output without the residual: where did z go?"""
    z, pw_in, bn2_out = _layer_input(calls, i), calls[i].inp, calls[i + 1].out
    if _next_input(calls, i + 1, bn2_out + z):
        return ("the residual goes around both convolutions (the tutorial's placement); in the paper "
                "it goes around the depthwise part only: the pointwise convolution receives "
                "z' = BN1(GELU(DWConv(z))) + z")
    if _next_input(calls, i + 1, bn2_out + pw_in):
        return ("the residual goes around the pointwise half (out = BN2(GELU(PWConv(z'))) + z'); in the "
                "paper it goes around the depthwise half: z' = BN1(GELU(DWConv(z))) + z, and nothing "
                "is added after BN2")
    return ("the residual is missing: the pointwise convolution should receive "
            "z' = BN1(GELU(DWConv(z))) + z, the first BatchNorm's output plus the layer's input z")


def _extra_residual(calls: list[Call], i: int, layer: str) -> str | None:
    """Call ``i`` (the next layer's depthwise conv, or the classifier) receives BN2's output plus
    an extra residual: the layer's input z, or z' (the pointwise convolution's input)."""
    bn2 = i - 1
    pooled = calls[i].kind == "Linear"
    for t, what in ((calls[bn2 - 1].inp, "z' (the pointwise convolution's input)"),
                    (calls[bn2 - 3].inp, "its input z")):
        if _same(calls[i].inp, (calls[bn2].out + t).mean((2, 3)) if pooled else calls[bn2].out + t):
            return (f"an extra residual: {layer} adds {what} again after BN2; the paper's layer has one "
                    "residual only, z' = BN1(GELU(DWConv(z))) + z, and returns BN2's output as it is")
    return None


def _explain_residual(calls: list[Call], i: int, name: str) -> str | None:
    """A convolution's input differs: the residual missing, misplaced, or one too many."""
    s, prev = calls[i].inp, calls[i - 1].out
    if "pointwise" in name and _same(s, prev):
        return _explain_pointwise(calls, i)
    if "depthwise" in name and i >= 6:
        return _extra_residual(calls, i, f"layer {(i - 6) // 4}")
    return None


def _explain(calls: list[Call], i: int, names: list[str]) -> str:
    """Why call ``i`` receives a different input than the package's, from the student's own values."""
    kind, name = calls[i].kind, names[i]
    if i == 0:
        return "the stem convolution should receive the images as they are"
    if kind == "Linear":
        if _same(calls[i].inp, calls[i - 1].out.amax((2, 3))):
            return "the classifier receives max-pooled features: use global AVERAGE pooling"
        return (_extra_residual(calls, i, "the last layer") or "the classifier should receive the "
                "average of each channel over the grid (global average pooling, then flatten)")
    problem = (_explain_norm(calls, i, name, names[i - 1]) if kind == "BatchNorm"
               else _explain_residual(calls, i, name))
    return problem or f"{name} receives a different input than in the package's model; {_ORDER}"


def _values(calls: list[Call], ref_calls: list[Call], names: list[str]) -> str | None:
    for i, (call, ref) in enumerate(zip(calls, ref_calls)):
        if not _same(call.inp, ref.inp):
            return _explain(calls, i, names)
        if not _same(call.out, ref.out):
            return (f"{names[i]} gives a different output from the same input and weights: check its "
                    f"settings ({call.module})")
    return None


# --- putting it together ------------------------------------------------------------------------------

def _diagnose(build: Any, forbid: tuple[type, ...], config: dict[str, int],
              batch: tuple[int, ...]) -> str | None:
    model = _build(build, config)
    if isinstance(model, str):
        return model
    problem = _static(model, forbid)
    if problem:
        return problem
    model = model.double().to(memory_format=torch.contiguous_format).eval()
    x = torch.randn(batch, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    ref_calls, ref_out = trace(reference(config), x)
    try:
        calls, out = trace(model, x)
    except ForwardFailed as failed:
        return _failure(model, failed, x, config)
    names = roles(config["depth"])
    problem = (_unseen(model, calls) or _structure(calls, config["depth"])
               or _settings(calls, ref_calls, names, config, batch[2] // config["patch_size"]))
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
        return ("every layer matches, but the model does not return the classifier's output: return "
                "it as it is, with no softmax or other function after it (the loss applies softmax itself)")
    return None


def compare_with_package(build: Callable[..., nn.Module], forbid: tuple[type, ...] = ()) -> str | None:
    """``None`` if ``build`` makes the paper's ConvMixer (same outputs as the package's model with the
    same weights, to float64 rounding, in both ``SETTINGS``), else one sentence saying what differs; a
    model containing a module of a type in ``forbid`` is refused. Raises ``NotAnswered`` for a blank
    answer. The global random state is left as it was. Runs on one torch thread (hundreds of tiny
    operations: on a busy machine two threads wait for each other at every one)."""
    with torch.random.fork_rng(devices=[]), one_thread():
        for n, (config, batch) in enumerate(SETTINGS):
            problem = _diagnose(build, forbid, config, batch)
            if problem and n:
                args = ", ".join(f"{k}={v}" for k, v in config.items())
                return f"built with the check's second setting ({args}): {problem}"
            if problem:
                return problem
    return None
