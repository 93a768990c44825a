"""Exercises of notebook 02 (depthwise vs pointwise); texts in ``texts/nb02.toml``."""

from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import conv_counts
from convmixer_lab.exercises.calls import CONVOLUTIONS, call_recording, forbidden_used
from convmixer_lab.exercises.core import as_integers, as_number, define, equals_shape, not_a_number
from convmixer_lab.receptive import layers_to_see_all, receptive_field, same_padding_reach
from convmixer_lab.separable import combined_weight, nearest_separable, relative_error
from convmixer_lab.texts import Text, t

# The notebook's setting: h = 8 channels, k = 9, p = 7 on a 224x224 photo (a 32x32 grid).
H, K, P, IMAGE = 8, 9, 7, 224
GRID = IMAGE // P

# --- 02.1: one changed value through a whole ConvMixer layer ----------------------------------------

FOOTPRINT = (H, receptive_field([K]))  # (output channels changed, side of the changed square)
_F1 = {"h": H, "k": K, "grid": GRID, "channels": FOOTPRINT[0], "side": FOOTPRINT[1]}


def _footprint_feedback(answer: Any) -> Text:
    pair = as_integers(answer)
    if pair is None or len(pair) != 2:
        return t("02.1.pair")
    channels, side = pair
    if side == GRID:
        return t("02.1.training_mode", **_F1)
    says = []
    if channels != FOOTPRINT[0]:
        says.append(t("02.1.channels", **_F1))
    if side != FOOTPRINT[1]:
        says.append(t("02.1.side_one_pixel" if side == 1 else "02.1.side", **_F1))
    return t("02.1.both", first=says[0], second=says[1]) if len(says) == 2 else says[0]


define("02.1", "predict", FOOTPRINT, is_correct=equals_shape(FOOTPRINT), feedback=_footprint_feedback,
       fields=_F1)

# --- 02.2: the nearest separable convolution as k changes ------------------------------------------

def _k_gap(k: int) -> float:
    """What 02.2's cell prints for k_try = k: the nearest separable weight's distance to a random one."""
    target = torch.randn(16, 8, k, k, generator=torch.Generator().manual_seed(0))
    return relative_error(combined_weight(*nearest_separable(target)), target)


GAPS = {k: _k_gap(k) for k in (1, 3, 5, 9)}
define("02.2", "experiment", "a", options="abcd", fields={"gap1": GAPS[1], "gap3": GAPS[3], "gap9": GAPS[9]})

# --- 02.3: how many layers a corner patch needs -------------------------------------------------------

CORNER_LAYERS = layers_to_see_all(GRID, K, 0, 0)
CENTRE_LAYERS = layers_to_see_all(GRID, K)
_F3 = {"k": K, "p": P, "grid": GRID, "corner": CORNER_LAYERS, "centre": CENTRE_LAYERS, "half": GRID // 2,
       "reach": same_padding_reach(K)[1],  # patches gained per side per layer
       "far": GRID - 1}                    # the corner patch's distance to the far edge, in patches


def _corner_feedback(answer: Any) -> Text:
    value = as_number(answer)
    if value is None or not value.is_integer():  # NaN gets core's reason, anything else 02.3's own
        return not_a_number(answer, "02.3.whole_number")
    layers = int(value)
    if layers == CENTRE_LAYERS:
        return t("02.3.centre", **_F3)
    if layers == CORNER_LAYERS - 1:
        return t("02.3.one_short", **_F3, layers=layers, reached=layers * _F3["reach"])
    return t("02.3.too_many" if layers > CORNER_LAYERS else "02.3.too_few", **_F3)


define("02.3", "predict", CORNER_LAYERS, feedback=_corner_feedback, fields=_F3)

# --- 02.4: why a large depthwise kernel is affordable -------------------------------------------------

_C3, _C9, _C15 = (conv_counts(256, 512, k) for k in (3, 9, 15))
define("02.4", "why", "b", options="abcd",
       fields={"standard_ratio": _C9["standard"] // _C3["standard"], "pointwise": _C9["pointwise"],
               **{f"{part}{k}": counts[part] for k, counts in zip((3, 9, 15), (_C3, _C9, _C15))
                  for part in ("separable", "depthwise")},
               "separable_growth": _C15["separable"] / _C9["separable"],
               "standard_growth": _C15["standard"] / _C9["standard"],
               "depthwise_growth": _C15["depthwise"] / _C9["depthwise"],  # (c): the depthwise term alone
               "growth_3_to_9": _C9["separable"] / _C3["separable"] - 1,  # (d): the earlier step again
               "added9": _C9["depthwise"] - _C3["depthwise"],  # (d): depthwise weights each step adds
               "added15": _C15["depthwise"] - _C9["depthwise"]})

# --- 02.5: a pointwise convolution by hand ----------------------------------------------------------

def _conv_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """What 02.5 must equal: torch's own 1x1 convolution."""
    return F.conv2d(z, weight[:, :, None, None], bias)


def _reference_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """A correct answer to 02.5, without a convolution: channels last, matrix product, back."""
    return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)


def _pointwise_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(2)
    return [(torch.randn(n, c, h, w, generator=g), torch.randn(c_out, c, generator=g),
             torch.randn(c_out, generator=g))
            for n, c, c_out, h, w in [(1, 3, 3, 4, 4), (1, 4, 6, 5, 5), (2, 8, 3, 4, 7), (1, 1, 2, 3, 3)]]


def _pointwise_mistake(got: torch.Tensor, z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> Text:
    """What is wrong with ``got`` (right shape, wrong values)."""
    if torch.allclose(got, _conv_pointwise(z, weight, torch.zeros_like(bias)), atol=1e-5):
        return t("02.5.no_bias")
    if weight.T.shape == weight.shape and torch.allclose(got, _conv_pointwise(z, weight.T, bias), atol=1e-5):
        return t("02.5.transposed")
    return t("02.5.not_linear")


def _pointwise_problem(func: Any) -> Text | None:
    """What is wrong with ``pointwise_by_hand`` (None: nothing); it gets copies of the inputs."""
    for z, weight, bias in _pointwise_cases():
        want = _conv_pointwise(z, weight, bias)
        got, used = call_recording(func, z.clone(), weight.clone(), bias.clone())
        if convolutions := forbidden_used(used, CONVOLUTIONS):
            return t("02.5.convolution", names=", ".join(convolutions))
        got = torch.as_tensor(got).to(want.dtype)  # judged by value: a float64 result counts
        if got.shape != want.shape:
            last = tuple(got.shape) == tuple(want.permute(0, 2, 3, 1).shape)
            return t("02.5.shape", expected=tuple(want.shape), got=tuple(got.shape),
                     hint=t("02.5.channels_last") if last else "")
        if not torch.allclose(got, want, atol=1e-5):
            return _pointwise_mistake(got, z, weight, bias)
    return None


define("02.5", "compute", _reference_pointwise, is_correct=lambda func: _pointwise_problem(func) is None,
       feedback=_pointwise_problem)
