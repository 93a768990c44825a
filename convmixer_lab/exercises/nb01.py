"""Exercises of notebook 01 (patch embedding). Expected answers come from the package."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import count_parameters, layers_to_see, receptive_field
from convmixer_lab.exercises.core import call_answer, function_exercise, number_exercise
from convmixer_lab.model import PatchEmbedding


def _stem_output_shape(image_size: int, patch_size: int, dim: int = 8) -> tuple[int, ...]:
    """Shape the package's PatchEmbedding gives one image (meta device: shapes only)."""
    with torch.device("meta"):
        return tuple(PatchEmbedding(dim, patch_size)(torch.empty(1, 3, image_size, image_size)).shape)


def _reference_patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """Reference for 01.4: torch's own unfold, [N, C*p*p, L] -> [N, L, C*p*p]."""
    return F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)


def _patchify_cases() -> list[tuple[torch.Tensor, int]]:
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(1, 3, 14, 14, generator=g), 7), (torch.randn(2, 3, 12, 8, generator=g), 4),
            (torch.randn(1, 1, 6, 6, generator=g), 2), (torch.randn(2, 2, 9, 9, generator=g), 3)]


def _same_patches(func: Any) -> bool:
    return all(torch.equal(torch.as_tensor(call_answer(func, x, p)), _reference_patchify(x, p))
               for x, p in _patchify_cases())


_GRID14 = _stem_output_shape(224, 14)[2]
with torch.device("meta"):
    _STEM1024 = count_parameters(PatchEmbedding(1024, 14).proj)
_LAYERS11 = layers_to_see(11, kernel_size=3)

number_exercise(
    "01.1",
    text="A 224x224 image is cut into 14x14 patches (ConvMixer-1024/20 does this). "
         "How many patches (patch embeddings) does the stem produce?",
    expected=_GRID14 * _GRID14,
    hint="How many patches fit along one side? The grid is square.",
    solution=f"224 // 14 = {_GRID14} per side, so {_GRID14} x {_GRID14} = {_GRID14 ** 2:,} patches.",
)
number_exercise(
    "01.2",
    text="ConvMixer-1024/20 uses 14x14 patches. How many parameters does its stem convolution "
         "nn.Conv2d(3, 1024, kernel_size=14, stride=14) have, bias included?",
    expected=_STEM1024,
    hint="Each of the 1024 output channels has one 3x14x14 kernel and one bias.",
    solution=f"3*14*14*1024 + 1024 = {_STEM1024:,}.",
)
number_exercise(
    "01.3",
    text="A VGG-style network starts with 3x3 convolutions, stride 1. How many such layers must be "
         "stacked before one output value sees (at least) an 11x11 square of pixels?",
    expected=_LAYERS11,
    hint="One 3x3 layer sees 3x3; each further 3x3 layer adds 2 pixels to the side "
         "(counting.receptive_field([3] * n)).",
    solution=f"1 + 2n >= 11 gives n = {_LAYERS11} layers (receptive_field([3] * {_LAYERS11}) == "
             f"{receptive_field([3] * _LAYERS11)}).",
)
function_exercise(
    "01.4",
    text="Write patchify(x, p) with reshape and permute (no unfold): x is [N, C, H, W] with H and W "
         "multiples of p; return [N, (H/p)*(W/p), C*p*p], patches in row-major order, each patch "
         "flattened channel by channel (as a conv weight [h, C, p, p] is flattened). It must equal "
         "F.unfold(x, p, stride=p).transpose(1, 2) exactly.",
    is_correct=_same_patches,
    reference=_reference_patchify,
    hint="x.reshape(N, C, H//p, p, W//p, p), then permute so the two grid axes come first and "
         "(C, p, p) last, then reshape to [N, L, C*p*p].",
    solution="return x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)"
             ".reshape(n, (h // p) * (w // p), c * p * p)",
)
