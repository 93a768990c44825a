"""Exercises of notebook 02 (depthwise vs pointwise). Expected answers come from the package."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.counting import convmixer_receptive_field, count_parameters, layers_to_see
from convmixer_lab.exercises.core import call_answer, function_exercise, number_exercise, shape_exercise

with torch.device("meta"):
    _DW64_SHAPE = tuple(nn.Conv2d(64, 64, 5, groups=64).weight.shape)
    _GROUPED96 = count_parameters(nn.Conv2d(96, 96, 5, groups=32, bias=False))
_LAYERS224 = layers_to_see(224, kernel_size=9, patch_size=7)


def _reference_pointwise(z: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Reference for 02.4: torch's own 1x1 convolution."""
    return F.conv2d(z, weight[:, :, None, None], bias)


def _same_pointwise(func: Any) -> bool:
    g = torch.Generator().manual_seed(2)
    for n, c, c_out, h, w in [(1, 4, 6, 5, 5), (2, 8, 3, 4, 7), (1, 1, 2, 3, 3)]:
        z = torch.randn(n, c, h, w, generator=g)
        weight, bias = torch.randn(c_out, c, generator=g), torch.randn(c_out, generator=g)
        got = torch.as_tensor(call_answer(func, z, weight, bias))
        want = _reference_pointwise(z, weight, bias)
        if got.shape != want.shape or not torch.allclose(got, want, atol=1e-5):
            return False
    return True


shape_exercise(
    "02.1",
    text="What is the shape of the weight of nn.Conv2d(64, 64, kernel_size=5, groups=64)? "
         "Answer with a tuple.",
    expected=_DW64_SHAPE,
    names="[c_out, c_in / groups, k, k]",
    hint="A conv weight is [c_out, c_in / groups, k, k].",
    solution=f"{_DW64_SHAPE}: 64 kernels, each sees 64/64 = 1 channel, 5x5.",
)
number_exercise(
    "02.2",
    text="Between standard (groups=1) and depthwise (groups=channels) lie grouped convolutions. "
         "How many parameters does nn.Conv2d(96, 96, kernel_size=5, groups=32, bias=False) have?",
    expected=_GROUPED96,
    hint="Each of the 96 kernels sees c_in / groups = 3 channels; try it in the explorer above.",
    solution=f"5*5*(96/32)*96 = {_GROUPED96:,}.",
)
number_exercise(
    "02.3",
    text="ConvMixer with 7x7 patches and 9x9 depthwise kernels: after how many layers is the "
         "receptive field of one patch embedding at least 224 pixels wide (the whole image)?",
    expected=_LAYERS224,
    hint="In patches the field is 1 + d*(k-1); multiply by p for pixels "
         "(counting.convmixer_receptive_field).",
    solution=f"7 * (1 + 8d) >= 224 first holds for d = {_LAYERS224} "
             f"({convmixer_receptive_field(_LAYERS224, 9, 7)[1]} pixels).",
)
function_exercise(
    "02.4",
    text="Write pointwise_by_hand(z, weight, bias): a 1x1 convolution done as a per-pixel linear map. "
         "z is [N, C, H, W], weight is [C_out, C], bias is [C_out]; return [N, C_out, H, W] "
         "without calling a convolution.",
    is_correct=_same_pointwise,
    reference=_reference_pointwise,
    hint="Move channels last (z.permute(0, 2, 3, 1)), multiply by weight.T, add bias, move "
         "channels back (permute(0, 3, 1, 2)).",
    solution="return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)",
)
