"""Exercises of notebook 03 (parameter count, MACs, time). Expected answers come from the package;
modules are built on the meta device (shapes only: no memory, no random initialisation)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from convmixer_lab.counting import conv_macs, count_parameters, standard_conv_params
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    Exercise,
    choice_exercise,
    close_to,
    prediction_exercise,
    register,
    too_big_or_small,
)

C_IN, C_OUT, K, SIZE = 256, 512, 3, 16  # the tutorial's layer: 16x16x256 -> 16x16x512, 3x3
GROUPS = 4
with torch.device("meta"):
    GROUPED_PARAMS = count_parameters(nn.Conv2d(C_IN, C_OUT, K, groups=GROUPS, bias=False))


def out_side(size: int, k: int, stride: int, padding: int) -> int:
    """Side of a convolution's output (PyTorch's formula, dilation 1)."""
    return (size + 2 * padding - k) // stride + 1


def macs_per_weight(stride: int) -> float:
    """MACs / parameters of the tutorial's standard 3x3 convolution (padding 1) at ``stride``:
    every weight is used once per output position."""
    side = out_side(SIZE, K, stride, 1)
    return conv_macs(C_IN, C_OUT, K, side, side) / standard_conv_params(C_IN, C_OUT, K)


MIXER_H, MIXER_K, MIXER_GRID = 768, 7, 32  # a ConvMixer-768/32 layer on its 32x32 patch grid
_DW = conv_macs(MIXER_H, MIXER_H, MIXER_K, MIXER_GRID, MIXER_GRID, groups=MIXER_H)
_PW = conv_macs(MIXER_H, MIXER_H, 1, MIXER_GRID, MIXER_GRID)
DEPTHWISE_MAC_SHARE = round(100 * _DW / (_DW + _PW), 1)  # percent


def intensity(batch: int, groups: int = 1, k: int = K, c_out: int = C_OUT) -> float:
    """Arithmetic intensity (MACs per byte, float32) of a k x k convolution from 256 channels on
    16x16 maps, counting the least traffic: read input and weights once, write the output once."""
    values = (batch * C_IN * SIZE * SIZE + k * k * (C_IN // groups) * c_out
              + batch * c_out * SIZE * SIZE)
    return batch * conv_macs(C_IN, c_out, k, SIZE, SIZE, groups) / (4 * values)


def _experiment(ex: ChoiceExercise) -> ChoiceExercise:
    """A multiple-choice question about what an experiment showed (``choice_exercise`` registers
    kind "why"; this one is answered by running the experiment)."""
    ex.kind = "experiment"
    return ex


def _said(value: Any, known: dict[float, str], fallback: Any) -> str | None:
    """Feedback for a number that is a known mistake (within 1%, so 28.4 is taken for 256 / 9 =
    28.44...), else the fallback's text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for wrong, why in known.items():
            if abs(value - wrong) <= 0.01 * abs(wrong):
                return why
    return fallback(value)


# --- 03.1 predict: a grouped convolution ----------------------------------------------------------

_GROUPED_MISTAKES = {
    standard_conv_params(C_IN, C_OUT, K): "that is groups=1 (a standard convolution); with groups=4 "
    "each kernel sees only the c_in / groups = 64 channels of its group",
    standard_conv_params(C_IN, C_OUT, K) / GROUPS ** 2: "you divided by groups twice: there are still "
    "c_out = 512 kernels, each k x k x (c_in / groups)",
    K * K * C_IN: "that is a depthwise convolution's count (groups = c_in = 256, one flat kernel per "
    "channel); here groups = 4",
}
prediction_exercise(
    "03.1",
    text="Predict: how many parameters has nn.Conv2d(256, 512, 3, groups=4, bias=False)? "
         "(groups=4 splits the 256 input channels into 4 groups of 64; each output channel belongs to "
         "one group and sees only that group's channels.)",
    expected=GROUPED_PARAMS,
    feedback=lambda v: _said(v, _GROUPED_MISTAKES, too_big_or_small(GROUPED_PARAMS)),
    hint="Start from the standard count, 3 * 3 * 256 * 512. Does groups=4 change the number of kernels, "
         "or how deep each kernel is?",
    solution=f"3 * 3 * (256 / 4) * 512 = {GROUPED_PARAMS:,}: a quarter of the standard convolution's "
             "1,179,648. groups=1 is a standard convolution, groups=c_in a depthwise one.",
)

# --- 03.2 experiment: stride -----------------------------------------------------------------------

_STRIDE = 3
_PER_WEIGHT = macs_per_weight(_STRIDE)
_SIDE = out_side(SIZE, K, _STRIDE, 1)
_STRIDE_MISTAKES = {
    macs_per_weight(1): "that is stride 1 (16 x 16 = 256 output positions); the question asks about stride 3",
    macs_per_weight(2): "that is stride 2 (8 x 8 outputs); the question asks about stride 3",
    macs_per_weight(4): "that is stride 4 (4 x 4 outputs); the question asks about stride 3",
    float(out_side(SIZE, K, _STRIDE, 0) ** 2): "that would be the output without padding; the cell pads "
    "by 1: side = (16 + 2 * 1 - 3) // 3 + 1",
    (SIZE / _STRIDE) ** 2: "the output side is a whole number of positions, not 16 / 3: "
    "side = (16 + 2 * padding - k) // stride + 1",
    float(_SIDE): "that is the output's side; every weight is used once per output POSITION, and there "
    "are side x side of them",
}
register(Exercise(
    key="03.2",
    text="Experiment: in the cell above set stride = 2 and run it, then stride = 4, and compare the "
         "parameters and the MACs each time. Then work out, before running it: at stride 3, how many "
         "MACs does the convolution do per parameter (MACs / parameters)? Run stride = 3 to check.",
    is_correct=close_to(_PER_WEIGHT, rel=1e-6),
    hint_text="Parameters do not depend on the stride. MACs are (MACs per output value) x (output "
              "values): how many output positions are left at stride 3? PyTorch's output side is "
              "(size + 2 * padding - k) // stride + 1.",
    solution_text=f"{_PER_WEIGHT:g}: the output is {_SIDE} x {_SIDE} ((16 + 2 - 3) // 3 + 1 = {_SIDE}), "
                  "and every weight is used once per output position. Parameters measure the layer; "
                  "MACs measure the layer applied to a feature map.",
    feedback=lambda v: _said(v, _STRIDE_MISTAKES, too_big_or_small(_PER_WEIGHT)),
    answer=_PER_WEIGHT, kind="experiment",
))

# --- 03.3 predict: the depthwise share of a ConvMixer layer's MACs ----------------------------------

_SHARE_MISTAKES = {
    50.0: "the two halves do not cost the same: per output value the depthwise convolution does "
          "k*k = 49 MACs, the pointwise one h = 768",
    round(100 - DEPTHWISE_MAC_SHARE, 1): "that is the pointwise half's share",
    round(DEPTHWISE_MAC_SHARE / 100, 3): "give a percentage, not a fraction (multiply by 100)",
    round((100 - DEPTHWISE_MAC_SHARE) / 100, 3): "give a percentage, not a fraction; and that is the "
    "pointwise half's share",
}
prediction_exercise(
    "03.3",
    text="Predict: in one ConvMixer-768/32 layer (h = 768, k = 7, on a 32x32 patch grid), what "
         "percentage of the layer's MACs (depthwise + pointwise) does the depthwise 7x7 convolution "
         "do? Give a percentage, e.g. 12.5.",
    expected=DEPTHWISE_MAC_SHARE,
    is_correct=close_to(DEPTHWISE_MAC_SHARE, rel=0, abs_tol=0.5),
    feedback=lambda v: _said(v, _SHARE_MISTAKES, too_big_or_small(DEPTHWISE_MAC_SHARE)),
    hint="Both halves produce h values at each of the 32x32 positions. Per output value, the depthwise "
         "convolution does k*k MACs (one channel), the pointwise one h MACs (all channels).",
    solution=f"k^2 / (k^2 + h) = 49 / (49 + 768) = {DEPTHWISE_MAC_SHARE}%: the depthwise half is a small "
             "part of the arithmetic, whatever its share of the time.",
)

# --- 03.4 why: depthwise speed ----------------------------------------------------------------------

choice_exercise(
    "03.4",
    text="When a depthwise convolution reaches far fewer MACs per second than a pointwise one (compare "
         "the GMAC/s of the ConvMixer layer's two halves on your machine), what is the main reason?",
    options={"a": "It does more MACs in all than the pointwise convolution does.",
             "b": "Its weights are too many to fit in the processor's caches.",
             "c": "Its 'same' padding doubles the work that is actually done.",
             "d": "Each fetched value feeds only k*k MACs, so it waits on memory."},
    answer="d",
    why_not={"a": "It does fewer: MACs per second is a rate, not a total (for the ConvMixer-768 layer the "
                  "depthwise half does about 6% of the MACs).",
             "b": f"A depthwise 7x7 layer on 768 channels has {MIXER_H * MIXER_K ** 2 + MIXER_H:,} "
                  "parameters (about 150 KB in float32): it is tiny; the activations it streams through "
                  "are what is large.",
             "c": "Padding adds a thin border of zeros (3 pixels per side for k = 7) and the MAC count "
                  "already includes every output position; it cannot explain a several-fold gap."},
    solution="(d) Each input value a depthwise convolution fetches is used for only k*k MACs, by one kernel "
             "(its channel's), so in float32 it does about k^2/8 MACs per byte moved: 1.1 for k = 3, about "
             "6 for k = 7 (the optional section 6 counts it). Memory cannot deliver bytes fast enough to "
             "keep the arithmetic units busy. A pointwise convolution uses each input value for all h "
             "output channels, about h/8 MACs per byte.",
    hint="Count how many MACs use each input value once it has been fetched from memory, for a "
         "depthwise and for a pointwise convolution.",
)

# --- 03.5 experiment (optional section): intensity and batch size -----------------------------------

_experiment(choice_exercise(
    "03.5",
    text="Experiment: in the arithmetic-intensity cell set batch = 64 (8x more images) and run it. "
         "What happens to the three intensities?",
    options={"a": "The standard one's rises a lot; the depthwise one stays at 1.1.",
             "b": "All three rise about 8-fold, just as the MACs do.",
             "c": "None of them changes: intensity does not depend on the batch.",
             "d": "The depthwise one rises the most: it has the fewest weights."},
    answer="a",
    why_not={"b": "The MACs grow 8x, but so do the input and output bytes; only the weights are read "
                  "once and shared by the whole batch.",
             "c": "The standard convolution's 1,179,648 weights are a large share of its traffic at batch "
                  "8; shared by 64 images they weigh much less per MAC, so its intensity rises.",
             "d": "Few weights means little traffic to share: the depthwise layer's bytes are its inputs "
                  "and outputs, which grow with the batch exactly like its MACs."},
    solution=f"(a): batch 8 -> 64 takes the standard convolution from {intensity(8):.0f} to "
             f"{intensity(64):.0f} MACs/byte; the depthwise one stays at "
             f"{intensity(64, groups=C_IN, c_out=C_IN):.1f}. Bigger batches help layers whose weights "
             "are a large part of their traffic; they cannot help a depthwise convolution.",
    hint="Split each layer's bytes into weights (read once per batch) and activations (per image).",
))
