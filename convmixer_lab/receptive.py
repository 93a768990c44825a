"""Receptive fields (notebooks 01, 02): how much of the input one output sees, by formula and measured
with autograd (``inputs_seen``); d depth, k kernel size, p patch size."""

from collections.abc import Sequence

import torch
import torch.nn as nn

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.threads import one_thread


def _int_list(name: str, values: object) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of ints, one per layer (e.g. [3, 3, 3]), "
                        f"got {type(values).__name__}")
    return [check_positive_int(f"{name}[{i}]", v) for i, v in enumerate(values)]


def receptive_field(kernel_sizes: list[int], strides: list[int] | None = None) -> int:
    """Side, in input pixels, that one output of a stack of convolutions sees:
    r = 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1}); ``receptive_field([3, 3, 3]) == 7``."""
    kernels = _int_list("kernel_sizes", kernel_sizes)
    steps = [1] * len(kernels) if strides is None else _int_list("strides", strides)
    if len(steps) != len(kernels):
        raise ValueError(f"strides must have one entry per kernel: got {len(steps)} strides for "
                         f"{len(kernels)} kernel_sizes")
    r, jump = 1, 1
    for k, s in zip(kernels, steps):
        r += (k - 1) * jump
        jump *= s
    return r


def convmixer_receptive_field(depth: int, kernel_size: int = 9, patch_size: int = 7) -> tuple[int, int]:
    """(patches, pixels) one embedding sees after d ConvMixer layers, not capped at the image:
    patches = 1 + d * (k - 1), pixels = p * patches."""
    d = check_int("depth", depth, minimum=0, hint="0 means the stem alone")
    check_positive_int("kernel_size", kernel_size), check_positive_int("patch_size", patch_size)
    patches = 1 + d * (kernel_size - 1)
    return patches, patch_size * patches


def same_padding_reach(kernel_size: int) -> tuple[int, int]:
    """(before, after) positions a k x k ``padding="same"`` convolution reaches: (4, 4) for k = 9."""
    k = check_positive_int("kernel_size", kernel_size)
    return (k - 1) // 2, k - 1 - (k - 1) // 2


def _check_patch(grid: object, row: object, col: object) -> tuple[int, int, int]:
    g = check_positive_int("grid", grid)
    hint = f"the grid has {g} rows and columns, numbered 0 to {g - 1}"
    return g, check_int("row", row, minimum=0, maximum=g - 1, hint=hint), check_int(
        "col", col, minimum=0, maximum=g - 1, hint=hint)


def receptive_field_box(depth: int, kernel_size: int, row: int, col: int,
                        grid: int) -> tuple[int, int, int, int]:
    """(first_row, first_col, last_row, last_col), inclusive: the patches the embedding at (row, col)
    depends on after d layers (d times ``same_padding_reach``), clipped to the grid."""
    d = check_int("depth", depth, minimum=0, hint="0 means the stem alone")
    g, r, c = _check_patch(grid, row, col)
    before, after = same_padding_reach(kernel_size)
    return (max(r - d * before, 0), max(c - d * before, 0),
            min(r + d * after, g - 1), min(c + d * after, g - 1))


def layers_to_see_all(grid: int, kernel_size: int = 9, row: int | None = None,
                      col: int | None = None) -> int:
    """Fewest layers after which the embedding at (row, col) (default: the centre) sees the whole grid:
    k = 9 on a 32 x 32 grid, 4 for the centre, 8 for the corner."""
    g = check_positive_int("grid", grid)
    g, r, c = _check_patch(g, g // 2 if row is None else row, g // 2 if col is None else col)
    before, after = same_padding_reach(kernel_size)
    needs = [(r, before), (c, before), (g - 1 - r, after), (g - 1 - c, after)]  # (distance, reach)
    if any(distance and not reach for distance, reach in needs):
        raise ValueError(f"kernel_size={kernel_size} never widens the receptive field towards every "
                         f"edge of the grid, so patch ({r}, {c}) never sees the whole grid; "
                         f"use kernel_size >= 3")
    return max((-(-distance // reach) if distance else 0) for distance, reach in needs)


def inputs_seen(module: nn.Module, x: torch.Tensor, row: int, col: int) -> torch.Tensor:
    """Bool map [H, W]: the positions of ``x`` whose gradient of ``module``'s output at (row, col) is
    non-zero (first image, all channels); put a module with BatchNorm in eval mode first."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a tensor [N, C, H, W], got {getattr(x, 'shape', type(x).__name__)}")
    with torch.enable_grad(), one_thread():  # tiny tensors: see convmixer_lab/threads.py
        leaf = x[:1].detach().clone().requires_grad_(True)
        out = module(leaf)
        check_int("row", row, minimum=0, maximum=out.shape[2] - 1, hint="a row of the output grid")
        check_int("col", col, minimum=0, maximum=out.shape[3] - 1, hint="a column of the output grid")
        out[0, :, row, col].sum().backward()
    return leaf.grad.abs().sum(dim=(0, 1)) > 0
