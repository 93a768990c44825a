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
Every sentence is a ``tr`` template (the student's names and shapes are its fields), so it prints in
the current language; the checks themselves look at call positions, never at the printed names.
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
from convmixer_lab.i18n import tr
from convmixer_lab.model import ConvMixer
from convmixer_lab.threads import one_thread

# (config, batch shape): a 5 x 5 grid of 3 x 3 patches; then a 4 x 4 grid of 2 x 2 grey patches
SETTINGS = (
    (dict(dim=8, depth=2, kernel_size=5, patch_size=3, num_classes=4, in_channels=3), (2, 3, 15, 15)),
    (dict(dim=6, depth=3, kernel_size=3, patch_size=2, num_classes=3, in_channels=1), (2, 1, 8, 8)),
)
CONFIG, BATCH = SETTINGS[0]
_KINDS = {nn.Conv2d: "convolution", nn.BatchNorm2d: "BatchNorm", nn.Linear: "Linear"}
# each kind in a sentence ("expected a convolution", "runs another Linear"): texts for tr
_A = {"convolution": "a convolution", "BatchNorm": "a BatchNorm", "Linear": "a Linear"}
_ANOTHER = {"convolution": "another convolution", "BatchNorm": "another BatchNorm",
            "Linear": "another Linear"}
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
    """What each call of the paper's ConvMixer is, in order (layers counted from 0), in the current
    language."""
    names = [tr("the stem convolution"), tr("the stem BatchNorm")]
    for i in range(depth):
        names += [tr("layer {layer}'s depthwise convolution", layer=i),
                  tr("layer {layer}'s first BatchNorm (BN1)", layer=i),
                  tr("layer {layer}'s pointwise convolution", layer=i),
                  tr("layer {layer}'s second BatchNorm (BN2)", layer=i)]
    return names + [tr("the classifier (nn.Linear)")]


_PARTS = ("depthwise", "BN1", "pointwise", "BN2")


def part(i: int) -> str:
    """What call ``i`` of the paper's ConvMixer is, for the checks (the classifier is not asked):
    "stem", "stem BatchNorm", or the part of a mixer layer ("depthwise", "BN1", "pointwise", "BN2")."""
    return ("stem", "stem BatchNorm")[i] if i < 2 else _PARTS[(i - 2) % 4]


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
        return tr("you passed a model ({model}(...), an instance); pass the class itself, without "
                  "parentheses, e.g. ex.check(MyConvMixer): the check builds it with its own settings",
                  model=type(build).__name__)
    if not callable(build):
        return tr("expected a class or function that builds the model, got {type}", type=type(build).__name__)
    try:
        model = build(**config)
    except Exception as err:
        if "before Module.__init__() call" in str(err):
            return tr("your __init__ assigns a layer before calling super().__init__(): make "
                      "super().__init__() the first line of every nn.Module's __init__ (both classes)")
        args = ", ".join(f"{k}={v}" for k, v in config.items())
        return tr("calling it with ({args}) raised {error}: {message}", args=args, error=type(err).__name__,
                  message=err)
    if model is ... or model is None:
        raise NotAnswered  # a function whose body is still blank
    if isinstance(model, nn.Module) and "_modules" not in vars(model):
        raise NotAnswered  # nn.Module.__init__ never ran: a class whose body is still blank
    if not isinstance(model, nn.Module):
        return tr("it returned {type} {value}, not an nn.Module: return the model you built",
                  type=type(model).__name__, value=f"{model!r:.40}")
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
                where = tr("self.{attr} (in {path})", attr=attr, path=path) if path else f"self.{attr}"
                return tr("{where} is a plain Python {kind}, and layers kept in a Python {kind} are "
                          "invisible to PyTorch (.double(), .eval(), .parameters() and the optimizer all "
                          "miss them): hold them in nn.ModuleList([...]) or nn.Sequential(*[...]) instead",
                          where=where, kind=type(value).__name__)
    return None


def _static(model: nn.Module, forbid: tuple[type, ...]) -> str | None:
    """What can be seen before running: package parts, hidden layers, the wrong BatchNorm."""
    used = sorted({type(m).__name__ for m in model.modules() if isinstance(m, forbid)})
    if used:
        return tr("it uses the package's {parts}: build the model yourself from torch.nn parts",
                  parts=", ".join(used))
    hidden = _hidden(model)
    if hidden:
        return hidden
    odd = sorted({type(m).__name__ for m in model.modules()
                  if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm3d))})
    if odd:
        return tr("it uses {norm}: the patch grid is [N, dim, H, W], so use nn.BatchNorm2d(dim) "
                  "(BatchNorm1d takes [N, C] or [N, C, L], BatchNorm3d [N, C, D, H, W])", norm=odd[0])
    return None


# --- a forward pass that raised ---------------------------------------------------------------------

def _unseen(model: nn.Module, calls: list[Call]) -> str | None:
    known = {id(m) for m in model.modules()}
    hidden = [c for c in calls if id(c.module) not in known]
    if hidden:
        return tr("your forward pass calls an nn.{module} that is not part of the model as PyTorch sees "
                  "it (created inside forward, or kept in a plain Python list or dict): create every layer "
                  "in __init__ and assign it to self, groups of layers in nn.ModuleList or nn.Sequential",
                  module=type(hidden[0].module).__name__)
    return None


def _classifier_input(shape: list[int], config: dict[str, int]) -> str:
    """Why the classifier cannot take its input: pooling or flatten missing."""
    n, dim, grid = shape[0], config["dim"], None
    if len(shape) == 4 and shape[2:] == [1, 1]:
        return tr("the classifier received shape {shape}; expected [{n}, {dim}]: flatten the pooled "
                  "features (nn.Flatten())", shape=shape, n=n, dim=dim)
    if len(shape) == 4:
        grid = f"{shape[2]} x {shape[3]}"
    elif len(shape) == 2 and shape[1] != dim and shape[1] % dim == 0:
        grid = tr("{count} positions", count=shape[1] // dim)
    if grid:
        return tr("the classifier received shape {shape}; expected [{n}, {dim}]: average each channel over "
                  "the grid ({grid}) with global average pooling, then flatten", shape=shape, n=n, dim=dim,
                  grid=grid)
    return tr("the classifier received shape {shape}; expected [{n}, {dim}], one vector of dim numbers "
              "per image", shape=shape, n=n, dim=dim)


def _failed_call(call: Call, names: list[str], index: int, config: dict[str, int]) -> str | None:
    """The module that raised: what it was given, against what it is built for."""
    shape = list(call.inp.shape) if isinstance(call.inp, torch.Tensor) else None
    if shape is None:
        return None
    name = names[index] if index < len(names) else tr("an nn.{module}", module=type(call.module).__name__)
    if call.kind == "Linear":
        return _classifier_input(shape, config)
    if call.kind == "convolution" and len(shape) == 4 and shape[1] != call.module.in_channels:
        fields = dict(name=name, built=call.module.in_channels, got=shape[1], shape=shape)
        if index == 0:
            return tr("{name} is built for {built} input channels but receives {got} (input shape "
                      "{shape}): use in_channels, not a fixed number", **fields)
        return tr("{name} is built for {built} input channels but receives {got} (input shape {shape}): "
                  "every convolution after the stem maps dim channels to dim", **fields)
    if call.kind == "BatchNorm" and len(shape) == 4 and shape[1] != call.module.num_features:
        return tr("{name} is BatchNorm2d({built}) but receives {got} channels: use BatchNorm2d(dim)",
                  name=name, built=call.module.num_features, got=shape[1])
    return None


def _grid_changed(calls: list[Call], names: list[str]) -> str | None:
    """A convolution after the stem whose output grid differs from its input grid."""
    for i, call in enumerate(calls[1:], start=1):
        if call.kind == "convolution" and isinstance(call.out, torch.Tensor) and call.inp.dim() == 4:
            if call.out.shape[2:] != call.inp.shape[2:]:
                a, b = tuple(call.inp.shape[2:]), tuple(call.out.shape[2:])
                name = names[i] if i < len(names) else tr("a convolution after the stem")
                return tr("{name} turns the {a}x{b} grid into {c}x{d}, so the residual cannot be added: "
                          "padding=\"same\" keeps the grid", name=name, a=a[0], b=a[1], c=b[0], d=b[1])
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
    return problem or tr("running it on a batch of shape {shape} raised {error}: {message}",
                         shape=list(x.shape), error=type(err).__name__, message=err)


# --- the sequence of calls and each module's settings ------------------------------------------------

def _reused(calls: list[Call]) -> str | None:
    """One convolution object run twice ([layer] * depth), or one BatchNorm shared by two convolutions."""
    convs = [c.module for c in calls if c.kind == "convolution"]
    repeats = max((convs.count(m) for m in convs), default=0)
    if repeats > 1:
        return tr("the same layer object is used {count} times (as [layer] * depth does: it repeats one "
                  "object, it does not copy it), so all positions share one set of weights: build a new "
                  "layer for each position, e.g. [MyConvMixerLayer(dim, kernel_size) for _ in range(depth)]",
                  count=repeats)
    norms = [c.module for c in calls if c.kind == "BatchNorm"]
    if len(set(map(id, norms))) < len(norms):
        return tr("one BatchNorm module is used twice (the tutorial's shared norm): give every "
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
            fields = dict(name=names[i], kind=tr(_A[kind]), found=tr(_A[got]) if got else tr("nothing more"),
                          depth=depth, convs=expected.count("convolution"), norms=expected.count("BatchNorm"))
            if i == 0:
                return tr("{name} is missing: expected {kind}, found {found} (a ConvMixer with depth={depth} "
                          "runs {convs} convolutions and {norms} BatchNorms, each convolution followed by "
                          "GELU and its own BatchNorm)", **fields)
            return tr("{name} is missing: expected {kind} after {before}, found {found} (a ConvMixer with "
                      "depth={depth} runs {convs} convolutions and {norms} BatchNorms, each convolution "
                      "followed by GELU and its own BatchNorm)", before=names[i - 1], **fields)
    if len(found) > len(expected):
        return tr("after the classifier your model runs {another}; it should end there",
                  another=tr(_ANOTHER[found[len(expected)]]))
    return None


def _conv_settings(mine: Call, ref: Call, name: str, role: str) -> str | None:
    """``role``: "stem", "depthwise" or "pointwise" (``part``)."""
    conv, want = mine.module, ref.module
    if conv.weight.shape != want.weight.shape:
        shape, expected = tuple(conv.weight.shape), tuple(want.weight.shape)
        if role == "depthwise" and shape[1] != 1:
            why = tr("a depthwise convolution has groups=dim: one k x k kernel per channel")
        elif role == "depthwise":
            why = tr("its kernel is {a}x{b}, use kernel_size ({k} here)", a=shape[2], b=shape[3],
                     k=expected[2])
        elif role == "pointwise":
            why = tr("a pointwise convolution is nn.Conv2d(dim, dim, kernel_size=1)")
        else:
            why = tr("the stem is nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)")
        return tr("{name} has weight shape {shape}, expected {expected}: {why}", name=name, shape=shape,
                  expected=expected, why=why)
    if conv.bias is None:
        return tr("{name} has no bias: keep nn.Conv2d's default bias=True, as the paper's model does",
                  name=name)
    if conv.stride != want.stride:
        return tr("{name} has stride {stride}, expected {expected} (stride=patch_size for the stem, "
                  "1 after it)", name=name, stride=conv.stride, expected=want.stride)
    if mine.out.shape != ref.out.shape:
        return tr("{name} outputs shape {shape}, expected {expected}: padding=\"same\" keeps the H x W grid, "
                  "so the residual can be added", name=name, shape=list(mine.out.shape),
                  expected=list(ref.out.shape))
    return None


def _settings(calls: list[Call], ref_calls: list[Call], names: list[str], config: dict[str, int],
              grid: int) -> str | None:
    """The first call whose module is set up differently from the package's."""
    for i, (call, ref, name) in enumerate(zip(calls, ref_calls, names)):
        mine, want = call.module, ref.module
        if call.kind == "convolution":
            problem = _conv_settings(call, ref, name, part(i))
            if problem:
                return problem
        elif call.kind == "BatchNorm" and (mine.num_features != want.num_features or not mine.affine):
            return tr("{name} is BatchNorm2d({features}, affine={affine}), expected BatchNorm2d({expected}) "
                      "with its learnable weight and bias", name=name, features=mine.num_features,
                      affine=mine.affine, expected=want.num_features)
        elif call.kind == "Linear" and (mine.weight.shape != want.weight.shape or mine.bias is None):
            if mine.in_features == config["dim"] * grid * grid:
                return tr("{name} takes {inputs} = dim x {grid} x {grid} inputs: pool the grid first (global "
                          "average pooling to [N, dim, 1, 1]), then flatten", name=name,
                          inputs=mine.in_features, grid=grid)
            return tr("{name} is {module}, expected Linear(in_features={inputs}, out_features={outputs}, "
                      "bias=True)", name=name, module=mine, inputs=want.in_features,
                      outputs=want.out_features)
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
    if z is not None and part(i) == "BN1" and any(_same(s, t) for t in (F.gelu(prev) + z, prev + z,
                                                                         F.gelu(prev + z))):
        return tr("the residual is added too early, before {name}: z' = BN1(GELU(DWConv(z))) + z adds z "
                  "after the BatchNorm", name=name)
    if _same(s, prev):
        gelu_out = F.gelu(calls[i].out)
        if _next_input(calls, i, gelu_out) or (z is not None and _next_input(calls, i, gelu_out + z)):
            return tr("GELU comes after {name}, but the paper's order is convolution -> GELU -> BatchNorm: "
                      "swap them", name=name)
        return tr("GELU is missing between {before} and {name} (convolution -> GELU -> BatchNorm)",
                  before=before, name=name)
    if _same(s, F.relu(prev)):
        return tr("{name} receives ReLU(...), but the paper's model (and the package's) uses GELU; only the "
                  "released ConvMixer-768/32 checkpoint uses ReLU", name=name)
    return None


def _explain_pointwise(calls: list[Call], i: int) -> str | None:
    """The pointwise convolution receives BN1's output without the residual: where did z go?"""
    z, pw_in, bn2_out = _layer_input(calls, i), calls[i].inp, calls[i + 1].out
    if _next_input(calls, i + 1, bn2_out + z):
        return tr("the residual goes around both convolutions (the tutorial's placement); in the paper "
                  "it goes around the depthwise part only: the pointwise convolution receives "
                  "z' = BN1(GELU(DWConv(z))) + z")
    if _next_input(calls, i + 1, bn2_out + pw_in):
        return tr("the residual goes around the pointwise half (out = BN2(GELU(PWConv(z'))) + z'); in the "
                  "paper it goes around the depthwise half: z' = BN1(GELU(DWConv(z))) + z, and nothing "
                  "is added after BN2")
    return tr("the residual is missing: the pointwise convolution should receive "
              "z' = BN1(GELU(DWConv(z))) + z, the first BatchNorm's output plus the layer's input z")


def _extra_residual(calls: list[Call], i: int, layer: str) -> str | None:
    """Call ``i`` (the next layer's depthwise conv, or the classifier) receives BN2's output plus
    an extra residual: the layer's input z, or z' (the pointwise convolution's input)."""
    bn2 = i - 1
    pooled = calls[i].kind == "Linear"
    for t, what in ((calls[bn2 - 1].inp, "z' (the pointwise convolution's input)"),
                    (calls[bn2 - 3].inp, "its input z")):
        if _same(calls[i].inp, (calls[bn2].out + t).mean((2, 3)) if pooled else calls[bn2].out + t):
            return tr("an extra residual: {layer} adds {what} again after BN2; the paper's layer has one "
                      "residual only, z' = BN1(GELU(DWConv(z))) + z, and returns BN2's output as it is",
                      layer=layer, what=tr(what))
    return None


def _explain_residual(calls: list[Call], i: int) -> str | None:
    """A convolution's input differs: the residual missing, misplaced, or one too many."""
    s, prev = calls[i].inp, calls[i - 1].out
    if part(i) == "pointwise" and _same(s, prev):
        return _explain_pointwise(calls, i)
    if part(i) == "depthwise" and i >= 6:
        return _extra_residual(calls, i, tr("layer {layer}", layer=(i - 6) // 4))
    return None


def _explain(calls: list[Call], i: int, names: list[str]) -> str:
    """Why call ``i`` receives a different input than the package's, from the student's own values."""
    kind, name = calls[i].kind, names[i]
    if i == 0:
        return tr("the stem convolution should receive the images as they are")
    if kind == "Linear":
        if _same(calls[i].inp, calls[i - 1].out.amax((2, 3))):
            return tr("the classifier receives max-pooled features: use global AVERAGE pooling")
        return (_extra_residual(calls, i, tr("the last layer")) or tr("the classifier should receive the "
                "average of each channel over the grid (global average pooling, then flatten)"))
    problem = (_explain_norm(calls, i, name, names[i - 1]) if kind == "BatchNorm"
               else _explain_residual(calls, i))
    return problem or tr("{name} receives a different input than in the package's model; " + _ORDER,
                         name=name)


def _values(calls: list[Call], ref_calls: list[Call], names: list[str]) -> str | None:
    for i, (call, ref) in enumerate(zip(calls, ref_calls)):
        if not _same(call.inp, ref.inp):
            return _explain(calls, i, names)
        if not _same(call.out, ref.out):
            return tr("{name} gives a different output from the same input and weights: check its "
                      "settings ({module})", name=names[i], module=call.module)
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
        return tr("your model has parameters in {modules}, which a ConvMixer does not use",
                  modules=", ".join(sorted(set(extra))))
    _load(calls, ref_calls)
    calls, out = trace(model, x)
    problem = _values(calls, ref_calls, names)
    if problem:
        return problem
    if not isinstance(out, torch.Tensor) or not _same(out, ref_out):
        return tr("every layer matches, but the model does not return the classifier's output: return "
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
                return tr("built with the check's second setting ({args}): {problem}", args=args,
                          problem=problem)
            if problem:
                return problem
    return None
