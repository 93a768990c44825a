"""Exercises of notebook 02 (depthwise vs pointwise). Expected answers come from the package.

    02.1  predict     where one changed input value shows up after a whole ConvMixer layer
    02.2  experiment  how far the nearest separable convolution is from a standard one, as k changes
    02.3  predict     how many layers a corner patch needs to see the whole image
    02.4  why         why a large depthwise kernel is affordable
    02.5  compute     write a 1x1 convolution as a per-pixel linear map (convolutions refused)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import conv_counts
from convmixer_lab.exercises.calls import CONVOLUTIONS, call_recording, forbidden_used
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    choice_exercise,
    equals_int,
    equals_shape,
    function_exercise,
    prediction_exercise,
)
from convmixer_lab.i18n import tr
from convmixer_lab.receptive import layers_to_see_all, receptive_field, same_padding_reach
from convmixer_lab.separable import combined_weight, nearest_separable, relative_error

# The notebook's setting: h = 8 channels, k = 9, p = 7 on a 224x224 photo (a 32x32 grid).
H, K, P, IMAGE = 8, 9, 7, 224
GRID = IMAGE // P


def _experiment(ex: ChoiceExercise) -> ChoiceExercise:
    """A multiple-choice question about what an experiment showed (``choice_exercise`` registers
    kind "why"; this one is answered by running the experiment)."""
    ex.kind = "experiment"
    return ex


# --- 02.1: one changed value through a whole ConvMixer layer ----------------------------------------

FOOTPRINT = (H, receptive_field([K]))  # (output channels changed, side of the changed square)


def _footprint_feedback(answer: Any) -> str:
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return "predict a pair (output channels changed, side of the changed square in pixels), e.g. (3, 5)"
    channels, side = answer
    if side == GRID:
        return (f"side: the whole {GRID}x{GRID} map changes only in training mode, where BatchNorm "
                f"normalises with the batch's own mean and variance; in eval mode (as here) it uses its "
                f"stored statistics and acts value by value")
    says = []
    if channels != FOOTPRINT[0]:
        says.append(f"channels: the depthwise step keeps the change in channel 2, but the pointwise step "
                    f"after it mixes channel 2 into all {H} output channels")
    if side != FOOTPRINT[1]:
        width = FOOTPRINT[1]
        says.append(f"side: the depthwise {K}x{K} kernel spreads the value over {width}x{width} pixels, "
                    f"and the 1x1 pointwise step adds no width"
                    + (" (it would not stay at one pixel)" if side == 1 else ""))
    if len(says) == 2:  # both wrong: each part is a catalogue text, joined as one reason
        return tr("{first}; {second}", first=tr(says[0]), second=tr(says[1]))
    return "; ".join(says)


prediction_exercise(
    "02.1",
    text=f"Predict, then run. Add 1 to ONE input value (channel 2, row 16, column 16) and run a whole "
         f"ConvMixerLayer in eval mode, h = {H}, k = {K}: depthwise, GELU, BatchNorm, residual, pointwise, "
         f"GELU, BatchNorm. How many output channels change, and what is the side of the square of "
         f"positions that changes? Answer with a pair (channels, side).",
    expected=FOOTPRINT,
    is_correct=equals_shape(FOOTPRINT),
    feedback=_footprint_feedback,
    hint="Follow the change through the two convolutions in order: which one spreads it over positions, "
         "which one over channels? In eval mode GELU and BatchNorm act value by value (each output from "
         "its own input alone), and the residual adds the input back at the same position.",
    solution=f"{FOOTPRINT}: the {K}x{K} depthwise step spreads it over {K}x{K} pixels of channel 2; the "
             f"pointwise step then mixes those pixels' channel 2 into all {H} output channels, pixel by "
             "pixel. The same footprint as one standard 9x9 convolution. (In training mode BatchNorm "
             "would normalise with the batch's own statistics and spread the change over the whole map.)",
)

# --- 02.2: the nearest separable convolution as k changes ------------------------------------------

def _k_gap(k: int) -> float:
    """What 02.2's cell prints for k_try = k: how far the closest separable weight is from a random
    standard weight [16, 8, k, k] (seed 0)."""
    target = torch.randn(16, 8, k, k, generator=torch.Generator().manual_seed(0))
    return relative_error(combined_weight(*nearest_separable(target)), target)


GAPS = {k: _k_gap(k) for k in (1, 3, 5, 9)}

_experiment(choice_exercise(
    "02.2",
    text="Experiment. Run the cell above with k_try = 1, 3, 5 and 9. What do you see?",
    options={"a": f"The gap is about the same for every k: separable weights miss by about {GAPS[3]:.0%}.",
             "b": "The gap shrinks as k grows: larger kernels give the separable layer more weights.",
             "c": "The gap is 0 for every k once nearest_separable picks the best separable weights.",
             "d": "The gap is 0 for k = 1 and grows with k: more of each k*k slice is out of reach."},
    answer="d",
    why_not={"a": f"the cell prints {GAPS[1]:.0%} for k = 1 and {GAPS[9]:.0%} for k = 9, against "
                  f"{GAPS[3]:.0%} for k = 3.",
             "b": "the separable layer does gain k*k*c_in weights, but the standard one gains "
                  "k*k*c_in*c_out, so more of it is out of reach: the printed gap grows.",
             "c": "nearest_separable already finds the closest separable weights; for k >= 3 they "
                  "still miss by most of the target's size."},
    hint="Compare each input channel's slice of the weight: c_out rows of k*k numbers. How many "
         "numbers does a row have when k = 1?",
    solution="(d). For k = 1 each slice is a column of c_out numbers, and any column is a rank-1 "
             "'table', so a separable layer can copy it: 1x1 standard convolutions are separable. For "
             "k >= 3 a slice has c_out rows of k*k numbers; a separable layer keeps only one kernel per "
             "input channel (rank 1), and the larger k*k, the more it leaves out.",
))

# --- 02.3: how many layers a corner patch needs -------------------------------------------------------

CORNER_LAYERS = layers_to_see_all(GRID, K, 0, 0)
CENTRE_LAYERS = layers_to_see_all(GRID, K)
_REACH = same_padding_reach(K)[1]  # patches gained per side per layer
_FAR = GRID - 1                    # the corner patch's distance to the far edge, in patches


def _corner_feedback(answer: Any) -> str:
    if not isinstance(answer, int) or isinstance(answer, bool):
        return tr("predict a whole number of layers, got {type}", type=type(answer).__name__)
    if answer == CENTRE_LAYERS:
        return (f"{CENTRE_LAYERS} layers are enough for the centre patch, which is at most {GRID // 2} "
                f"patches from an edge; the corner patch is {_FAR} patches from the far edge")
    if answer == CORNER_LAYERS - 1:
        return (f"after {answer} layers the field reaches {answer} * {_REACH} = {answer * _REACH} patches "
                f"to the right; the last column is {_FAR} patches away")
    side = "too many" if answer > CORNER_LAYERS else "too few"
    return (f"{side}: each {K}x{K} layer widens the field by (k - 1) / 2 = {_REACH} patches on each side; "
            f"how many such steps reach {_FAR} patches?")


prediction_exercise(
    "02.3",
    text=f"Predict, then run. With k = {K} and p = {P}, the {GRID}x{GRID} grid's centre patch sees the "
         f"whole image after {CENTRE_LAYERS} layers. After how many layers does the top-left corner "
         "patch (row 0, column 0) see the whole image?",
    expected=CORNER_LAYERS,
    is_correct=equals_int(CORNER_LAYERS),
    feedback=_corner_feedback,
    hint=f"The field grows by (k - 1) / 2 = {_REACH} patches on every side per layer, but near the border "
         "only the inward side matters. How far is the corner from the farthest patch?",
    solution=f"{CORNER_LAYERS}: the corner patch must reach {_FAR} patches to the right and down; "
             f"{_REACH} per layer takes ceil({_FAR} / {_REACH}) = {CORNER_LAYERS} layers "
             f"(counting.layers_to_see_all({GRID}, {K}, 0, 0)).",
)

# --- 02.4: why a large depthwise kernel is affordable -------------------------------------------------

_C3, _C9 = conv_counts(256, 512, 3), conv_counts(256, 512, 9)
choice_exercise(
    "02.4",
    text="In the parameter explorer, k = 3 -> 9 multiplies the standard convolution's parameters by "
         f"{_C9['standard'] // _C3['standard']} (256 -> 512 channels), but the separable one grows only "
         f"from {_C3['separable']:,} to {_C9['separable']:,}. Why is a large kernel cheap in a depthwise "
         "separable convolution?",
    options={"a": "The depthwise part shares one k x k kernel among all channels, so it pays k*k once.",
             "b": "k*k is only in the depthwise count (k*k*c_in), not the pointwise one (c_in*c_out).",
             "c": "padding='same' keeps the output size, so a larger kernel adds no weights at all.",
             "d": "The pointwise part replaces the k x k kernels, so the count barely depends on k."},
    answer="b",
    why_not={"a": "it has one kernel per channel (weight [c_in, 1, k, k]: k*k*c_in numbers, the explorer's "
                  "depthwise line); what it leaves out is mixing between channels, not kernels.",
             "c": "padding adds zeros around the input so the output keeps its size; it changes no "
                  f"weight count, and the separable count does grow ({_C3['separable']:,} -> "
                  f"{_C9['separable']:,}).",
             "d": f"the k x k kernels are still there, in the depthwise part: {_C3['depthwise']:,} numbers "
                  f"at k = 3, {_C9['depthwise']:,} at k = 9 (the explorer's depthwise line). They are cheap "
                  "because there are only c_in of them, not c_in*c_out."},
    hint="Write both counts as formulas in k, c_in and c_out (the explorer prints them). Which "
         "terms have k*k in them?",
    solution="(b). standard = k*k*c_in*c_out; separable = k*k*c_in + c_in*c_out. Going from k = 3 to 9 "
             "adds 72*c_in numbers to the separable layer but 72*c_in*c_out to the standard one. That "
             "is why ConvMixer can afford 9x9 kernels.",
)

# --- 02.5: a pointwise convolution by hand ----------------------------------------------------------


def _conv_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """What 02.5 must equal: torch's own 1x1 convolution."""
    return F.conv2d(z, weight[:, :, None, None], bias)


def _reference_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """A correct answer to 02.5, without a convolution: channels last, matrix product, back."""
    return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)


def _pointwise_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(2)
    cases = []
    for n, c, c_out, h, w in [(1, 3, 3, 4, 4), (1, 4, 6, 5, 5), (2, 8, 3, 4, 7), (1, 1, 2, 3, 3)]:
        cases.append((torch.randn(n, c, h, w, generator=g), torch.randn(c_out, c, generator=g),
                      torch.randn(c_out, generator=g)))
    return cases


def _same_pointwise(func: Any) -> bool:
    for z, weight, bias in _pointwise_cases():
        got, used = call_recording(func, z, weight, bias)
        got, want = torch.as_tensor(got), _conv_pointwise(z, weight, bias)
        if forbidden_used(used, CONVOLUTIONS) or got.shape != want.shape or not torch.allclose(
                got, want, atol=1e-5):
            return False
    return True


def _pointwise_mistake(got: torch.Tensor, z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> str:
    """What is wrong with ``got`` (right shape, wrong values)."""
    if torch.allclose(got, _conv_pointwise(z, weight, torch.zeros_like(bias)), atol=1e-5):
        return "the bias is missing: add bias (one number per output channel) after the matrix product"
    if weight.shape[0] == weight.shape[1] and torch.allclose(
            got, _conv_pointwise(z, weight.T, bias), atol=1e-5):
        return ("the weight is used the wrong way round: output channel o is sum_i weight[o, i] * z[i], "
                "so with channels last multiply by weight.T")
    return ("the shape is right but the values are not a per-pixel linear map of z's channels: at each "
            "position, output channel o must be bias[o] + sum_i weight[o, i] * z[:, i]")


def _pointwise_feedback(func: Any) -> str | None:
    for z, weight, bias in _pointwise_cases():
        try:
            got, used = call_recording(func, z, weight, bias)
        except Exception:  # check() already reported it (or the answer is a placeholder)
            return None
        if convolutions := forbidden_used(used, CONVOLUTIONS):
            return tr("your function calls {names}: the exercise asks for the per-pixel linear map itself, "
                      "without a convolution (the convolution is what your result is compared with)",
                      names=", ".join(convolutions))
        got, want = torch.as_tensor(got), _conv_pointwise(z, weight, bias)
        if got.shape != want.shape:
            hint = (tr(" (channels last: move them back with permute(0, 3, 1, 2))")
                    if tuple(got.shape) == tuple(want.permute(0, 2, 3, 1).shape) else "")
            return tr("the result must be [N, C_out, H, W] = {expected}, got {got}{hint}",
                      expected=tuple(want.shape), got=tuple(got.shape), hint=hint)
        if not torch.allclose(got, want, atol=1e-5):
            return _pointwise_mistake(got, z, weight, bias)
    return None


function_exercise(
    "02.5",
    text="Write pointwise_by_hand(z, weight, bias): a 1x1 convolution done as a per-pixel linear map. "
         "z is [N, C, H, W], weight is [C_out, C], bias is [C_out]; return [N, C_out, H, W] "
         "without calling a convolution (F.conv2d, nn.Conv2d, ...).",
    is_correct=_same_pointwise,
    reference=_reference_pointwise,
    feedback=_pointwise_feedback,
    hint="At each position, output channel o is bias[o] + sum_i weight[o, i] * z[:, i]: one "
         "matrix-vector product per position. The @ operator multiplies along a tensor's last axis; "
         "which axis holds z's channels now?",
    solution="return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2): channels last, "
             "so that @ weight.T mixes them at every position, then the bias, then channels back in place.",
)
