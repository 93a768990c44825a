"""Exercises of notebook 02 (depthwise vs pointwise). Expected answers come from the package.

    02.1  predict     where one changed input value shows up after a whole ConvMixer layer
    02.2  experiment  how far the nearest separable convolution is from a standard one, as k changes
    02.3  predict     how many layers a corner patch needs to see the whole image
    02.4  why         why a large depthwise kernel is affordable
    02.5  compute     write a 1x1 convolution as a per-pixel linear map
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import (
    conv_counts,
    layers_to_see_all,
    receptive_field,
    same_padding_reach,
)
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    call_answer,
    choice_exercise,
    equals_int,
    equals_shape,
    function_exercise,
    prediction_exercise,
)

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
    says = []
    if channels != FOOTPRINT[0]:
        says.append(f"channels: the depthwise step keeps the change in channel 2, but the pointwise step "
                    f"after it mixes channel 2 into all {H} output channels")
    if side != FOOTPRINT[1]:
        width = FOOTPRINT[1]
        says.append(f"side: the depthwise {K}x{K} kernel spreads the value over {width}x{width} pixels, "
                    f"and the 1x1 pointwise step adds no width"
                    + (" (it would not stay at one pixel)" if side == 1 else ""))
    return "; ".join(says)


prediction_exercise(
    "02.1",
    text=f"Predict, then run. Add 1 to ONE input value (channel 2, row 16, column 16) and run a whole "
         f"ConvMixerLayer with h = {H}, k = {K}: depthwise, GELU, BatchNorm, residual, pointwise, GELU, "
         f"BatchNorm. How many output channels change, and how wide is the square of pixels that "
         f"changes? Answer with a pair (channels, side).",
    expected=FOOTPRINT,
    is_correct=equals_shape(FOOTPRINT),
    feedback=_footprint_feedback,
    hint="Follow the change through the two convolutions in order: which one spreads it over space, "
         "which one over channels? GELU, BatchNorm and the residual act value by value.",
    solution=f"{FOOTPRINT}: the {K}x{K} depthwise step spreads it over {K}x{K} pixels of channel 2; the "
             f"pointwise step then mixes those pixels' channel 2 into all {H} output channels, pixel by "
             "pixel. The same footprint as one standard 9x9 convolution.",
)

# --- 02.2: the nearest separable convolution as k changes ------------------------------------------

_experiment(choice_exercise(
    "02.2",
    text="Experiment. Run the cell above with k_try = 1, 3, 5 and 9. What do you see?",
    options={"a": "The gap is 0 for k = 1 and grows with k: a 1x1 standard convolution is itself "
                  "separable, and bigger kernels leave more of a standard convolution out of reach.",
             "b": "The gap is the same for every k.",
             "c": "The gap shrinks as k grows, because bigger kernels give the separable layer more "
                  "parameters.",
             "d": "The gap is 0 for every k once the best separable weights are found."},
    answer="a",
    why_not={"b": "run k_try = 1: the gap is 0 there, and it is larger for k = 9 than for k = 3.",
             "c": "the separable layer does gain k*k*c_in parameters, but the standard one gains "
                  "k*k*c_in*c_out, so more of it is out of reach: the printed gap grows.",
             "d": "nearest_separable already finds the closest separable weights; for k >= 3 they "
                  "still miss by most of the target's size."},
    hint="Compare each input channel's slice of the weight: c_out rows of k*k numbers. How many "
         "numbers does a row have when k = 1?",
    solution="(a). For k = 1 each slice is a column of c_out numbers, and any column is a rank-1 "
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
        return f"predict a whole number of layers, got {type(answer).__name__}"
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
    options={"a": "k*k appears only in the depthwise part (k*k*c_in numbers), not in the pointwise part "
                  "(c_in*c_out numbers); a standard convolution pays k*k for every pair of input and "
                  "output channels.",
             "b": "The depthwise convolution shares one k x k kernel among all channels.",
             "c": "padding='same' removes the extra kernel weights.",
             "d": "A 9x9 kernel is stored as nine 3x3 kernels."},
    answer="a",
    why_not={"b": "it has one kernel per channel (weight [c, 1, k, k]); what it leaves out is mixing "
                  "between channels, not kernels.",
             "c": "padding adds zeros around the input so the output keeps its size; it changes no "
                  "weight count.",
             "d": "PyTorch stores all k*k numbers of each kernel; nine 3x3 kernels would be as many "
                  "numbers, so this would not explain anything."},
    hint="Write both counts as formulas in k, c_in and c_out (the explorer prints them). Which "
         "terms have k*k in them?",
    solution="(a). standard = k*k*c_in*c_out; separable = k*k*c_in + c_in*c_out. Going from k = 3 to 9 "
             "adds 72*c_in numbers to the separable layer but 72*c_in*c_out to the standard one. That "
             "is why ConvMixer can afford 9x9 kernels.",
)

# --- 02.5: a pointwise convolution by hand ----------------------------------------------------------


def _reference_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Reference for 02.5: torch's own 1x1 convolution."""
    return F.conv2d(z, weight[:, :, None, None], bias)


def _pointwise_cases() -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(2)
    cases = []
    for n, c, c_out, h, w in [(1, 3, 3, 4, 4), (1, 4, 6, 5, 5), (2, 8, 3, 4, 7), (1, 1, 2, 3, 3)]:
        cases.append((torch.randn(n, c, h, w, generator=g), torch.randn(c_out, c, generator=g),
                      torch.randn(c_out, generator=g)))
    return cases


def _same_pointwise(func: Any) -> bool:
    for z, weight, bias in _pointwise_cases():
        got = torch.as_tensor(call_answer(func, z, weight, bias))
        want = _reference_pointwise(z, weight, bias)
        if got.shape != want.shape or not torch.allclose(got, want, atol=1e-5):
            return False
    return True


def _pointwise_mistake(got: torch.Tensor, z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> str:
    """What is wrong with ``got`` (right shape, wrong values)."""
    if torch.allclose(got, _reference_pointwise(z, weight, torch.zeros_like(bias)), atol=1e-5):
        return "the bias is missing: add bias (one number per output channel) after the matrix product"
    if weight.shape[0] == weight.shape[1] and torch.allclose(
            got, _reference_pointwise(z, weight.T, bias), atol=1e-5):
        return ("the weight is used the wrong way round: output channel o is sum_i weight[o, i] * z[i], "
                "so with channels last multiply by weight.T")
    return ("the shape is right but the values are not a per-pixel linear map of z's channels: move the "
            "channels last, multiply by weight.T, add bias, move the channels back")


def _pointwise_feedback(func: Any) -> str | None:
    for z, weight, bias in _pointwise_cases():
        try:
            got = torch.as_tensor(call_answer(func, z, weight, bias))
        except Exception:  # check() already reported the error
            return None
        want = _reference_pointwise(z, weight, bias)
        if got.shape != want.shape:
            hint = (" (channels last: move them back with permute(0, 3, 1, 2))"
                    if tuple(got.shape) == tuple(want.permute(0, 2, 3, 1).shape) else "")
            return f"the result must be [N, C_out, H, W] = {tuple(want.shape)}, got {tuple(got.shape)}{hint}"
        if not torch.allclose(got, want, atol=1e-5):
            return _pointwise_mistake(got, z, weight, bias)
    return None


function_exercise(
    "02.5",
    text="Write pointwise_by_hand(z, weight, bias): a 1x1 convolution done as a per-pixel linear map. "
         "z is [N, C, H, W], weight is [C_out, C], bias is [C_out]; return [N, C_out, H, W] "
         "without calling a convolution.",
    is_correct=_same_pointwise,
    reference=_reference_pointwise,
    feedback=_pointwise_feedback,
    hint="Move channels last (z.permute(0, 2, 3, 1)), multiply by weight.T, add bias, move "
         "channels back (permute(0, 3, 1, 2)).",
    solution="return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)",
)
