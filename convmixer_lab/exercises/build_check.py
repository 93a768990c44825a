"""Compare a student's ConvMixer with the package's and say WHAT differs (exercise 04.4).

``compare_with_package(build)`` builds in both ``SETTINGS`` (the second catches numbers written into the
code), records every convolution, BatchNorm and Linear call (``trace``) with its role (``paper_roles``) and
checks structure, settings, then values with the package's weights; ``_failure`` and ``_explain`` try the
likely mistake behind a difference on the student's own values."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import ConvMixer
from convmixer_lab.texts import Text, t
from convmixer_lab.threads import one_thread

# (config, batch shape): a 5 x 5 grid of 3 x 3 patches; then a 4 x 4 grid of 2 x 2 grey patches
SETTINGS = (
    (dict(dim=8, depth=2, kernel_size=5, patch_size=3, num_classes=4, in_channels=3), (2, 3, 15, 15)),
    (dict(dim=6, depth=3, kernel_size=3, patch_size=2, num_classes=3, in_channels=1), (2, 1, 8, 8)),
)
CONFIG = SETTINGS[0][0]
TOL = dict(rtol=1e-9, atol=1e-9)  # float64 rounding: the same computation in another order
_KINDS = {nn.Conv2d: "convolution", nn.BatchNorm2d: "BatchNorm", nn.Linear: "Linear"}
_A = {"convolution": "04.4.a.convolution", "BatchNorm": "04.4.a.BatchNorm", "Linear": "04.4.a.Linear"}
_ANOTHER = {"convolution": "04.4.another.convolution", "BatchNorm": "04.4.another.BatchNorm",
            "Linear": "04.4.another.Linear"}
# each part of the paper's model: the kind of module its call runs, and the text that names it
PARTS = {"stem": ("convolution", "04.4.role.stem"), "stem_norm": ("BatchNorm", "04.4.role.stem_norm"),
         "depthwise": ("convolution", "04.4.role.depthwise"), "bn1": ("BatchNorm", "04.4.role.bn1"),
         "pointwise": ("convolution", "04.4.role.pointwise"), "bn2": ("BatchNorm", "04.4.role.bn2"),
         "classifier": ("Linear", "04.4.role.classifier")}


@dataclass(frozen=True)
class Role:
    """A call of the paper's model: its part, its mixer layer (from 1), that layer's first call (input z)."""
    part: str
    layer: int | None = None
    first: int | None = None

    @property
    def name(self) -> Text:
        return t(PARTS[self.part][1], layer=self.layer, index=(self.layer or 1) - 1)


def paper_roles(depth: int) -> list[Role]:
    """The role of each call of the paper's ConvMixer with ``depth`` layers, in the order they run."""
    roles = [Role("stem"), Role("stem_norm")]
    for layer in range(1, depth + 1):
        first = len(roles)
        roles += [Role(part, layer, first) for part in ("depthwise", "bn1", "pointwise", "bn2")]
    return roles + [Role("classifier")]


@dataclass
class Call:
    """One call of a convolution, BatchNorm or Linear module (``out`` is None for a call that raised)."""
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


def _same(a: Any, b: Any) -> bool:
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
            and torch.allclose(a, b, **TOL))


def _copy(x: Any) -> Any:
    return x.detach().clone() if isinstance(x, torch.Tensor) else x


def trace(model: nn.Module, x: torch.Tensor) -> tuple[list[Call], Any]:
    """Run ``model(x)`` and record every Conv2d, BatchNorm2d and Linear call, even of hidden modules."""
    calls: list[Call] = []
    running: list[Call] = []

    def enter(module: nn.Module, args: tuple) -> None:
        if type(module) in _KINDS:
            running.append(Call(module, _copy(args[0]) if args else None))

    def leave(module: nn.Module, args: tuple, out: Any) -> None:
        if type(module) in _KINDS:
            calls.append(running.pop())
            calls[-1].out = _copy(out)

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
    """The package's ConvMixer at ``config`` in float64 and eval mode, every weight and statistic random."""
    with torch.device("meta"):
        model = ConvMixer(**config)
    model = model.to_empty(device="cpu").double().to(memory_format=torch.contiguous_format)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, x in list(model.named_parameters()) + list(model.named_buffers()):
            if name.endswith("num_batches_tracked"):
                x.zero_()
            elif name.endswith("running_var"):
                x.copy_(0.5 + torch.rand(x.shape, generator=g, dtype=x.dtype))
            else:
                x.copy_(0.5 * torch.randn(x.shape, generator=g, dtype=x.dtype))
    return model.eval()


def _build(build: Any, config: dict[str, int]) -> nn.Module | Text:
    """The student's model at ``config``, or why it could not be built; NotAnswered for a blank one."""
    if isinstance(build, nn.Module):
        return t("04.4.instance", model=type(build).__name__)
    if not callable(build):
        return t("04.4.not_callable", type=type(build).__name__)
    try:
        model = build(**config)
    except Exception as err:
        if "before Module.__init__() call" in str(err):
            return t("04.4.no_super")
        return t("04.4.build_raised", args=_args(config), error=type(err).__name__, message=err)
    if model is ... or model is None or (isinstance(model, nn.Module) and "_modules" not in vars(model)):
        raise NotAnswered  # a blank function, or a blank class (nn.Module.__init__ never ran)
    if not isinstance(model, nn.Module):
        return t("04.4.not_module", type=type(model).__name__, value=f"{model!r:.40}")
    return model


def _args(config: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.items())


def _static(model: nn.Module, forbid: tuple[type, ...]) -> Text | None:
    """Before running: package parts, layers PyTorch cannot see (a plain list), a wrong BatchNorm."""
    if used := sorted({type(m).__name__ for m in model.modules() if isinstance(m, forbid)}):
        return t("04.4.package_parts", parts=", ".join(used))
    known = {id(m) for m in model.modules()}
    for path, module in model.named_modules():
        for attr, value in vars(module).items():
            if attr.startswith("_") or not isinstance(value, (list, tuple, dict)):
                continue
            items = value.values() if isinstance(value, dict) else value
            if any(isinstance(v, nn.Module) and id(v) not in known for v in items):
                where = t("04.4.attribute_in", attr=attr, path=path) if path else f"self.{attr}"
                return t("04.4.hidden", where=where, kind=type(value).__name__)
    odd = sorted({type(m).__name__ for m in model.modules()
                  if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm3d))})
    return t("04.4.batchnorm_dims", norm=odd[0]) if odd else None


def _unseen(model: nn.Module, calls: list[Call]) -> Text | None:
    known = {id(m) for m in model.modules()}
    hidden = [c for c in calls if id(c.module) not in known]
    return t("04.4.unseen", module=type(hidden[0].module).__name__) if hidden else None


def _structure(calls: list[Call], roles: list[Role], depth: int) -> Text | None:
    """A reused module (``[layer] * depth``, a shared BatchNorm), or the first call out of its role."""
    convs = [c.module for c in calls if c.kind == "convolution"]
    repeats = max((convs.count(m) for m in convs), default=0)
    if repeats > 1:
        return t("04.4.reused_layer", count=repeats)
    norms = [c.module for c in calls if c.kind == "BatchNorm"]
    if len(set(map(id, norms))) < len(norms):
        return t("04.4.shared_norm")
    kinds = [PARTS[role.part][0] for role in roles]
    for i, role in enumerate(roles):
        got = calls[i].kind if i < len(calls) else None
        if got != kinds[i]:
            found = t(_A[got]) if got else t("04.4.nothing_more")
            fields = dict(name=role.name, kind=t(_A[kinds[i]]), found=found, depth=depth,
                          convs=kinds.count("convolution"), norms=kinds.count("BatchNorm"))
            return (t("04.4.missing", before=roles[i - 1].name, **fields) if i
                    else t("04.4.missing_first", **fields))
    if len(calls) > len(roles):
        return t("04.4.after_classifier", another=t(_ANOTHER[calls[len(roles)].kind]))
    return None


def _conv_settings(mine: Call, ref: Call, role: Role) -> Text | None:
    conv, want, name = mine.module, ref.module, role.name
    if conv.weight.shape != want.weight.shape:
        shape, expected = tuple(conv.weight.shape), tuple(want.weight.shape)
        if role.part == "depthwise" and shape[1] != 1:
            why = t("04.4.why.groups")
        elif role.part == "depthwise":
            why = t("04.4.why.kernel", a=shape[2], b=shape[3], k=expected[2])
        else:
            why = t("04.4.why.pointwise" if role.part == "pointwise" else "04.4.why.stem")
        return t("04.4.weight_shape", name=name, shape=shape, expected=expected, why=why)
    if conv.bias is None:
        return t("04.4.no_bias", name=name)
    if conv.stride != want.stride:
        return t("04.4.stride", name=name, stride=conv.stride, expected=want.stride)
    if mine.out.shape != ref.out.shape:
        return t("04.4.out_shape", name=name, shape=list(mine.out.shape), expected=list(ref.out.shape))
    return None


def _settings(calls: list[Call], ref_calls: list[Call], roles: list[Role], config: dict[str, int],
              grid: int) -> Text | None:
    """The first call whose module is set up differently from the package's."""
    for call, ref, role in zip(calls, ref_calls, roles):
        mine, want, name = call.module, ref.module, role.name
        if call.kind == "convolution" and (problem := _conv_settings(call, ref, role)):
            return problem
        elif call.kind == "BatchNorm" and (mine.num_features != want.num_features or not mine.affine):
            return t("04.4.norm_settings", name=name, features=mine.num_features, affine=mine.affine,
                     expected=want.num_features)
        elif call.kind == "Linear" and (mine.weight.shape != want.weight.shape or mine.bias is None):
            if mine.in_features == config["dim"] * grid * grid:
                return t("04.4.linear_unpooled", name=name, inputs=mine.in_features, grid=grid)
            return t("04.4.linear_settings", name=name, module=mine, inputs=want.in_features,
                     outputs=want.out_features)
    return None


def _extra_parameters(model: nn.Module) -> Text | None:
    extra = {type(m).__name__ for m in model.modules()
             if type(m) not in _KINDS and any(True for _ in m.parameters(recurse=False))}
    return t("04.4.extra_parameters", modules=", ".join(sorted(extra))) if extra else None


def _values(calls: list[Call], ref_calls: list[Call], roles: list[Role]) -> Text | None:
    """The first call whose input or output differs from the package's (same weights)."""
    for i, (call, ref) in enumerate(zip(calls, ref_calls)):
        if not _same(call.inp, ref.inp):
            return _explain(calls, roles, i)
        if not _same(call.out, ref.out):
            return t("04.4.different_output", name=roles[i].name, module=call.module)
    return None


def _diagnose(build: Any, forbid: tuple[type, ...], config: dict[str, int],
              batch: tuple[int, ...]) -> Text | None:
    model = _build(build, config)
    if isinstance(model, str):
        return model
    if problem := _static(model, forbid):
        return problem
    model = model.double().to(memory_format=torch.contiguous_format).eval()
    x = torch.randn(batch, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    roles = paper_roles(config["depth"])
    try:
        calls, out = trace(model, x)
    except ForwardFailed as failed:
        return _failure(model, failed, roles, x, config)
    ref_calls, ref_out = trace(reference(config), x)
    if problem := (_unseen(model, calls) or _structure(calls, roles, config["depth"])
                   or _settings(calls, ref_calls, roles, config, batch[2] // config["patch_size"])
                   or _extra_parameters(model)):
        return problem
    for call, ref in zip(calls, ref_calls):
        call.module.load_state_dict(ref.module.state_dict())
    calls, out = trace(model, x)
    return _values(calls, ref_calls, roles) or (None if _same(out, ref_out) else t("04.4.not_the_output"))


def compare_with_package(build: Callable[..., nn.Module], forbid: tuple[type, ...] = ()) -> Text | None:
    """``None`` if ``build`` makes the paper's ConvMixer in both ``SETTINGS``, else one sentence saying what
    differs (a type in ``forbid`` is refused; ``NotAnswered`` for a blank answer)."""
    with torch.random.fork_rng(devices=[]), one_thread():  # hundreds of tiny operations: threads only wait
        for n, (config, batch) in enumerate(SETTINGS):
            if problem := _diagnose(build, forbid, config, batch):
                return t("04.4.second_setting", args=_args(config), problem=problem) if n else problem
    return None


def _failure(model: nn.Module, failed: ForwardFailed, roles: list[Role], x: torch.Tensor,
             config: dict[str, int]) -> Text:
    """A sentence explaining why the forward pass raised."""
    return (_unseen(model, failed.calls + ([failed.failed] if failed.failed else []))
            or _failed_call(failed.failed, roles, len(failed.calls), config)
            or _grid_changed(failed.calls, roles)
            or t("04.4.forward_raised", shape=list(x.shape), error=type(failed.err).__name__,
                 message=failed.err))


def _failed_call(call: Call | None, roles: list[Role], i: int, config: dict[str, int]) -> Text | None:
    """The module that raised (call ``i``): what it was given, against what it is built for."""
    if call is None or not isinstance(call.inp, torch.Tensor):
        return None
    shape = list(call.inp.shape)
    name = roles[i].name if i < len(roles) else t("04.4.an_nn", module=type(call.module).__name__)
    if call.kind == "Linear":
        return _classifier_input(shape, config)
    if call.kind == "convolution" and len(shape) == 4 and shape[1] != call.module.in_channels:
        return t("04.4.stem_channels" if i == 0 else "04.4.conv_channels", name=name,
                 built=call.module.in_channels, got=shape[1], shape=shape)
    if call.kind == "BatchNorm" and len(shape) == 4 and shape[1] != call.module.num_features:
        return t("04.4.norm_channels", name=name, built=call.module.num_features, got=shape[1])
    return None


def _classifier_input(shape: list[int], config: dict[str, int]) -> Text:
    """Why the classifier cannot take its input: pooling or flatten missing."""
    n, dim, grid = shape[0], config["dim"], None
    if len(shape) == 4 and shape[2:] == [1, 1]:
        return t("04.4.classifier.flatten", shape=shape, n=n, dim=dim)
    if len(shape) == 4:
        grid = f"{shape[2]} x {shape[3]}"
    elif len(shape) == 2 and shape[1] != dim and shape[1] % dim == 0:
        grid = t("04.4.positions", count=shape[1] // dim)
    return (t("04.4.classifier.pool", shape=shape, n=n, dim=dim, grid=grid) if grid
            else t("04.4.classifier.shape", shape=shape, n=n, dim=dim))


def _grid_changed(calls: list[Call], roles: list[Role]) -> Text | None:
    """A convolution after the stem whose output grid differs from its input grid."""
    for i, call in enumerate(calls[1:], start=1):
        if call.kind == "convolution" and isinstance(call.out, torch.Tensor) and call.inp.dim() == 4:
            (a, b), (c, d) = call.inp.shape[2:], call.out.shape[2:]
            if (a, b) != (c, d):
                name = roles[i].name if i < len(roles) else t("04.4.conv_after_stem")
                return t("04.4.grid_changed", name=name, a=a, b=b, c=c, d=d)
    return None


def _next_input(calls: list[Call], i: int, x: torch.Tensor) -> bool:
    """Does the call after ``i`` receive ``x`` (pooled to [N, C] when that call is the classifier)?"""
    nxt = calls[i + 1]
    return _same(nxt.inp, x.mean((2, 3)) if nxt.kind == "Linear" else x)


def _explain(calls: list[Call], roles: list[Role], i: int) -> Text:
    """Why call ``i`` receives a different input than the package's, from the student's own values."""
    part = roles[i].part
    if part == "stem":
        return t("04.4.stem_input")
    if part == "classifier":
        if _same(calls[i].inp, calls[i - 1].out.amax((2, 3))):
            return t("04.4.max_pooled")
        return _extra_residual(calls, roles, i) or t("04.4.classifier_input")
    if part in ("stem_norm", "bn1", "bn2"):
        problem = _explain_norm(calls, roles, i)
    elif part == "pointwise" and _same(calls[i].inp, calls[i - 1].out):
        problem = _explain_pointwise(calls, roles, i)
    else:
        problem = _extra_residual(calls, roles, i) if part == "depthwise" else None
    return problem or t("04.4.different_input", name=roles[i].name)


def _explain_norm(calls: list[Call], roles: list[Role], i: int) -> Text | None:
    """A BatchNorm's input differs: the residual too early, GELU missing or after it, ReLU for GELU."""
    s, prev, name = calls[i].inp, calls[i - 1].out, roles[i].name
    z = None if roles[i].first is None else calls[roles[i].first].inp  # the mixer layer's input
    if roles[i].part == "bn1" and any(_same(s, x) for x in (F.gelu(prev) + z, prev + z, F.gelu(prev + z))):
        return t("04.4.too_early", name=name)
    if _same(s, prev):
        gelu_out = F.gelu(calls[i].out)
        if _next_input(calls, i, gelu_out) or (z is not None and _next_input(calls, i, gelu_out + z)):
            return t("04.4.gelu_after", name=name)
        return t("04.4.gelu_missing", before=roles[i - 1].name, name=name)
    if _same(s, F.relu(prev)):
        return t("04.4.relu", name=name)
    return None


def _explain_pointwise(calls: list[Call], roles: list[Role], i: int) -> Text:
    """The pointwise convolution receives BN1's output without the residual: where did z go?"""
    z, pw_in, bn2_out = calls[roles[i].first].inp, calls[i].inp, calls[i + 1].out
    if _next_input(calls, i + 1, bn2_out + z):
        return t("04.4.around_both")
    if _next_input(calls, i + 1, bn2_out + pw_in):
        return t("04.4.around_pointwise")
    return t("04.4.residual_missing")


def _extra_residual(calls: list[Call], roles: list[Role], i: int) -> Text | None:
    """Call ``i`` (a depthwise conv or the classifier) receives BN2's output plus an extra z or z'."""
    bn2 = roles[i - 1]
    if bn2.part != "bn2":
        return None
    layer = (t("04.4.last_layer") if roles[i].part == "classifier"
             else t("04.4.layer", layer=bn2.layer, index=bn2.layer - 1))
    for x, what in ((calls[i - 2].inp, "04.4.z_prime"), (calls[bn2.first].inp, "04.4.z")):
        if _next_input(calls, i - 1, calls[i - 1].out + x):
            return t("04.4.extra_residual", layer=layer, what=t(what))
    return None
