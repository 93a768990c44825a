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
    """Feedback for a number that is a known mistake, else the fallback's text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for wrong, why in known.items():
            if abs(value - wrong) <= 1e-6 * max(1.0, abs(wrong)):
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
    hint="There are still c_out kernels; each is k x k x (c_in / groups).",
    solution=f"3 * 3 * (256 / 4) * 512 = {GROUPED_PARAMS:,}: a quarter of the standard convolution's "
             "1,179,648. groups=1 is a standard convolution, groups=c_in a depthwise one.",
)

# --- 03.2 experiment: stride -----------------------------------------------------------------------

_STRIDE = 4
_PER_WEIGHT = macs_per_weight(_STRIDE)
_STRIDE_MISTAKES = {
    macs_per_weight(1): "that is stride 1 (16 x 16 = 256 output positions); run the cell with stride = 4",
    macs_per_weight(2): "that is stride 2 (8 x 8 outputs); run the cell with stride = 4",
    float(out_side(SIZE, K, _STRIDE, 1)): "that is the output's side; every weight is used once per "
    "output POSITION, and there are side x side of them",
}
register(Exercise(
    key="03.2",
    text="Experiment: in the cell above set stride = 2 and run it, then stride = 4. At stride 4, how "
         "many MACs does the convolution do per parameter (MACs / parameters)?",
    is_correct=close_to(_PER_WEIGHT, rel=1e-6),
    hint_text="Parameters do not depend on the stride. MACs are (MACs per output value) x (output "
              "values): how many output positions are left at stride 4?",
    solution_text=f"{_PER_WEIGHT:g}: the output is {out_side(SIZE, K, _STRIDE, 1)} x "
                  f"{out_side(SIZE, K, _STRIDE, 1)}, and every weight is used once per output position. "
                  "Parameters measure the layer; MACs measure the layer applied to a feature map.",
    feedback=lambda v: _said(v, _STRIDE_MISTAKES, too_big_or_small(_PER_WEIGHT)),
    answer=_PER_WEIGHT, kind="experiment",
))

# --- 03.3 predict: the depthwise share of a ConvMixer layer's MACs ----------------------------------

_SHARE_MISTAKES = {
    50.0: "the two halves do not cost the same: per output value the depthwise convolution does "
          "k*k = 49 MACs, the pointwise one h = 768",
    round(100 - DEPTHWISE_MAC_SHARE, 1): "that is the pointwise half's share",
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
    options={"a": "It does more MACs than the pointwise convolution.",
             "b": "Its weights are too many to fit in the processor's caches.",
             "c": "Each value it reads is used for only k*k MACs, by one kernel, so it does about one "
                  "MAC per byte moved and the arithmetic units wait for memory; a pointwise convolution "
                  "reuses each input value for all h output channels.",
             "d": "Its 'same' padding doubles the work that is actually done."},
    answer="c",
    why_not={"a": "It does fewer: MACs per second is a rate, not a total (for the ConvMixer-768 layer the "
                  "depthwise half does about 6% of the MACs).",
             "b": f"A depthwise 7x7 layer on 768 channels has {MIXER_H * MIXER_K ** 2 + MIXER_H:,} "
                  "parameters (about 150 KB in float32): it is tiny; the activations it streams through "
                  "are what is large.",
             "d": "Padding adds a thin border of zeros (3 pixels per side for k = 7) and the MAC count "
                  "already includes every output position; it cannot explain a several-fold gap."},
    solution="(c) Arithmetic intensity: the optional section 6 counts it. A layer that does about one "
             "MAC per byte is limited by memory bandwidth, not by the arithmetic units.",
    hint="Count how many times each input value is used once it has been fetched from memory.",
)

# --- 03.5 experiment (optional section): intensity and batch size -----------------------------------

_experiment(choice_exercise(
    "03.5",
    text="Experiment: in the arithmetic-intensity cell set batch = 64 (8x more images) and run it. "
         "What happens to the three intensities?",
    options={"a": "All three rise about 8-fold, like the MACs.",
             "b": "None changes: intensity does not depend on the batch.",
             "c": "The standard convolution's rises a lot; the depthwise one stays at about 1.1 MACs "
                  "per byte.",
             "d": "The depthwise one rises the most, since it has the fewest weights."},
    answer="c",
    why_not={"a": "The MACs grow 8x, but so do the input and output bytes; only the weights are read "
                  "once and shared by the whole batch.",
             "b": "The standard convolution's 1,179,648 weights are a large share of its traffic at batch "
                  "8; shared by 64 images they weigh much less per MAC, so its intensity rises.",
             "d": "Few weights means little traffic to share: the depthwise layer's bytes are its inputs "
                  "and outputs, which grow with the batch exactly like its MACs."},
    solution=f"(c): batch 8 -> 64 takes the standard convolution from {intensity(8):.0f} to "
             f"{intensity(64):.0f} MACs/byte; the depthwise one stays at "
             f"{intensity(64, groups=C_IN, c_out=C_IN):.1f}. Bigger batches help layers whose weights "
             "are a large part of their traffic; they cannot help a depthwise convolution.",
    hint="Split each layer's bytes into weights (read once per batch) and activations (per image).",
))
