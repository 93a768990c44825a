"""Exercises of notebook 03 (parameter count, MACs, time); texts in ``texts/nb03.toml``, answers from the
package (modules built on the meta device: shapes only, no memory, no random initialisation)."""

import torch
import torch.nn as nn

from convmixer_lab.counting import conv_macs, count_parameters, mixer_layer_macs, standard_conv_params
from convmixer_lab.exercises.core import close_to, define, too_big_or_small
from convmixer_lab.texts import Text, t

C_IN, C_OUT, K, SIZE = 256, 512, 3, 16  # the tutorial's layer: 16x16x256 -> 16x16x512, 3x3
GROUPS = 4
STANDARD_PARAMS = standard_conv_params(C_IN, C_OUT, K)
with torch.device("meta"):
    GROUPED_PARAMS = count_parameters(nn.Conv2d(C_IN, C_OUT, K, groups=GROUPS, bias=False))


def out_side(size: int, k: int, stride: int, padding: int) -> int:
    """Side of a convolution's output (PyTorch's formula, dilation 1)."""
    return (size + 2 * padding - k) // stride + 1


def macs_per_weight(stride: int) -> float:
    """MACs / parameters of the tutorial's standard 3x3 convolution (padding 1) at ``stride``:
    every weight is used once per output position."""
    side = out_side(SIZE, K, stride, 1)
    return conv_macs(C_IN, C_OUT, K, side, side) / STANDARD_PARAMS


MIXER_H, MIXER_K, MIXER_GRID = 768, 7, 32  # a ConvMixer-768/32 layer on its 32x32 patch grid
_DW = conv_macs(MIXER_H, MIXER_H, MIXER_K, MIXER_GRID, MIXER_GRID, groups=MIXER_H)
DEPTHWISE_MAC_SHARE = round(100 * _DW / mixer_layer_macs(MIXER_H, MIXER_K, MIXER_GRID), 1)  # percent


def bytes_moved(batch: int, groups: int = 1, k: int = K, c_out: int = C_OUT) -> int:
    """The least traffic (float32 bytes) of a k x k convolution from 256 channels on 16x16 maps: read the
    input and the weights once, write the output once."""
    return 4 * (batch * C_IN * SIZE * SIZE + k * k * (C_IN // groups) * c_out + batch * c_out * SIZE * SIZE)


def intensity(batch: int, groups: int = 1, k: int = K, c_out: int = C_OUT) -> float:
    """Arithmetic intensity (MACs per byte) of that convolution, counting ``bytes_moved``."""
    return batch * conv_macs(C_IN, c_out, k, SIZE, SIZE, groups) / bytes_moved(batch, groups, k, c_out)


# 03.1 predict: a grouped convolution
_GROUPED = dict(grouped=GROUPED_PARAMS, standard=STANDARD_PARAMS)
define("03.1", kind="predict", answer=GROUPED_PARAMS, fields=_GROUPED, feedback=too_big_or_small(
    GROUPED_PARAMS, {STANDARD_PARAMS: "03.1.groups_ignored", K * K * C_IN: "03.1.depthwise",
                     STANDARD_PARAMS / GROUPS ** 2: "03.1.divided_twice"}, _GROUPED))

# 03.2 experiment: stride
_STRIDE = 3
_PER_WEIGHT = macs_per_weight(_STRIDE)
_SIDE = out_side(SIZE, K, _STRIDE, 1)
_STRIDES = dict(per_weight=_PER_WEIGHT, side=_SIDE)
define("03.2", kind="experiment", answer=_PER_WEIGHT, is_correct=close_to(_PER_WEIGHT, rel=1e-6),
       fields=_STRIDES, feedback=too_big_or_small(_PER_WEIGHT, {
           macs_per_weight(1): "03.2.stride_1",
           macs_per_weight(2): "03.2.stride_2",
           macs_per_weight(4): "03.2.stride_4",
           float(out_side(SIZE, K, _STRIDE, 0) ** 2): "03.2.no_padding",
           (SIZE / _STRIDE) ** 2: "03.2.not_whole",
           float(_SIDE): "03.2.side",
       }, _STRIDES))

# 03.3 predict: the depthwise share of a ConvMixer layer's MACs
_SHARE = dict(share=DEPTHWISE_MAC_SHARE)
define("03.3", kind="predict", answer=DEPTHWISE_MAC_SHARE, fields=_SHARE,
       is_correct=close_to(DEPTHWISE_MAC_SHARE, rel=0, abs_tol=0.5),
       feedback=too_big_or_small(DEPTHWISE_MAC_SHARE, {
           50.0: "03.3.halves",
           round(100 - DEPTHWISE_MAC_SHARE, 1): "03.3.pointwise",
           round(DEPTHWISE_MAC_SHARE / 100, 3): "03.3.fraction",
           round((100 - DEPTHWISE_MAC_SHARE) / 100, 3): "03.3.pointwise_fraction",
       }, _SHARE))

def roof_reading(intensity: float, rate: float, bandwidth: float, peak: float) -> Text:
    """A layer's point under the roof min(intensity * bandwidth, peak): knee side, every rule met."""
    if min(intensity, rate, bandwidth, peak) <= 0:
        raise ValueError("intensity, rate, bandwidth and peak must be positive: measure them again")
    slope = intensity * bandwidth  # the sloped part of the roof at this intensity
    rules = [rule for rule, met in (("03.roof.above_peak", rate > 1.1 * peak),
                                    ("03.roof.above_roof", slope < peak and rate > slope),
                                    ("03.roof.at_peak", slope >= peak and peak < rate <= 1.1 * peak),
                                    ("03.roof.far_below", rate < min(slope, peak) / 4)) if met]
    reading = t("03.roof.left" if slope < peak else "03.roof.right", knee=peak / bandwidth)
    for rule in rules or ["03.roof.under"]:
        reading = t("03.roof.reading", side=reading, rule=t(rule))
    return reading


# 03.4 why: a layer above its main-memory roof (true whatever the machine measured)
define("03.4", kind="why", answer="c", options="abcd",
       fields=dict(depthwise_mb=bytes_moved(8, groups=C_IN, c_out=C_IN) / 1e6))  # the tutorial's, batch 8

# 03.5 experiment (optional section): intensity and batch size
_KW = {"standard": {}, "pointwise": dict(k=1), "depthwise": dict(groups=C_IN, c_out=C_IN)}
_AT = {f"{n}_{b}": intensity(b, **kw) for n, kw in _KW.items() for b in (8, 64)}
_UP = {f"{n}_up": round(100 * (_AT[f"{n}_64"] / _AT[f"{n}_8"] - 1)) for n in _KW}  # % up from batch 8 to 64
define("03.5", kind="experiment", answer="a", options="abcd",
       fields=dict(**_AT, **_UP, standard=STANDARD_PARAMS, macs_up=100 * (64 // 8 - 1)))
