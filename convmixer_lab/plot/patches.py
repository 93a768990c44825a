"""Figures of notebook 01 (patch embedding): the patch grid, one patch as a vector, feature maps,
and how slowly stacked 3x3 layers widen what one output sees."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.plot._common import as_array, check_pair, fig_ax, subplots


def patch_grid(image: np.ndarray, patch_size: int, ax: Axes | None = None,
               title: str | None = None, highlight: tuple[int, int] | None = None) -> Figure:
    """The image [H, W, 3] (or [H, W]) with its p x p patch grid on top. Pixels the stem ignores
    (when a side is not a multiple of p) are shaded red. ``highlight`` = (row, col) outlines that
    patch of the grid in red (labelled in a legend)."""
    img = as_array(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must be [H, W] or [H, W, 3], got shape {img.shape}")
    h, w = img.shape[:2]
    p = check_positive_int("patch_size", patch_size, maximum=min(h, w),
                           hint=f"a patch must fit in the {h}x{w} image")
    gh, gw = h // p, w // p
    fig, ax = fig_ax(ax, (4.5, 4.5))
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, extent=(0, w, h, 0), interpolation="nearest")
    width = 0.3 if max(gh, gw) > 48 else 0.7
    ax.vlines(np.arange(gw + 1) * p, 0, gh * p, colors="white", linewidth=width)
    ax.hlines(np.arange(gh + 1) * p, 0, gw * p, colors="white", linewidth=width)
    if gw * p < w:
        ax.axvspan(gw * p, w, color="red", alpha=0.4)
    if gh * p < h:
        ax.axhspan(gh * p, h, color="red", alpha=0.4)
    if highlight is not None:
        _outline_patch(ax, p, gh, gw, highlight)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set(title=title or f"{h}x{w} image cut into {p}x{p} patches\n= a {gh}x{gw} grid of patches",
           xlabel="x (pixels)", ylabel="y (pixels)")
    fig.tight_layout()
    return fig


def _outline_patch(ax: Axes, p: int, grid_h: int, grid_w: int, where: tuple[int, int]) -> None:
    """A red square around patch (row, col) of the grid, with a legend entry naming it."""
    if not isinstance(where, tuple) or len(where) != 2:
        raise TypeError(f"highlight must be a (row, col) pair, got {where!r}")
    row = check_int("row", where[0], minimum=0, maximum=grid_h - 1, hint=f"the grid has {grid_h} rows")
    col = check_int("col", where[1], minimum=0, maximum=grid_w - 1, hint=f"the grid has {grid_w} columns")
    ax.add_patch(Rectangle((col * p, row * p), p, p, fill=False, edgecolor="red", linewidth=2,
                           label=f"patch (row {row}, col {col})", clip_on=False))
    ax.legend(loc="lower right", fontsize=8)


def patch_as_vector(image: np.ndarray, patch_size: int, row: int, col: int) -> Figure:
    """One patch of an [H, W, 3] uint8 image, and the same patch flattened the way a [h, 3, p, p]
    convolution weight is flattened: all red values, then green, then blue (3*p*p numbers)."""
    img = as_array(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"image must be [H, W, 3], got shape {img.shape}")
    p = check_positive_int("patch_size", patch_size, maximum=min(img.shape[:2]))
    grid = f"{img.shape[0] // p}x{img.shape[1] // p}"
    check_int("row", row, minimum=0, maximum=img.shape[0] // p - 1, hint=f"pick a row of the {grid} grid")
    check_int("col", col, minimum=0, maximum=img.shape[1] // p - 1, hint=f"pick a column of the {grid} grid")
    patch = img[row * p:(row + 1) * p, col * p:(col + 1) * p]
    vector = patch.transpose(2, 0, 1).reshape(-1)  # [3, p, p] -> [3*p*p], as weight.reshape(h, -1)
    fig, (left, right) = subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [1, 3]})
    left.imshow(patch, interpolation="nearest")
    left.set(title=f"patch (row {row}, col {col}): {p}x{p}x3", xlabel="x in patch", ylabel="y in patch")
    n = p * p
    for i, color in enumerate(["red", "green", "blue"]):
        right.bar(np.arange(i * n, (i + 1) * n), vector[i * n:(i + 1) * n], color=color, width=1.0)
    right.set(title=f"the same patch flattened: {vector.size} numbers (all R, then G, then B)",
              xlabel="position in the flattened vector", ylabel="pixel value (0-255)")
    fig.tight_layout()
    return fig


def feature_maps(maps: object, channels: list[int], title: str) -> Figure:
    """Some channels of one embedding [h, H', W'] side by side, each as a small image."""
    z = as_array(maps)
    if z.ndim != 3 or not channels or any(not 0 <= c < z.shape[0] for c in channels):
        raise ValueError(f"maps must be [h, H, W] and channels indices below h; got shape {z.shape} "
                         f"and channels {channels}")
    fig, axes = subplots(1, len(channels), figsize=(1.9 * len(channels), 2.4), squeeze=False)
    for ax, c in zip(axes[0], channels):
        ax.imshow(z[c], cmap="viridis", interpolation="nearest")
        ax.set_title(f"channel {c}", fontsize=9)
        ax.set_xlabel("patch column", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("patch row", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def receptive_field_steps(layers: list[int], pixels: list[int], target: int, title: str) -> Figure:
    """Receptive field (pixels) after each layer of a stack, with the width to reach (a patch)."""
    check_pair("layers", layers, "pixels", pixels)
    fig, ax = subplots(figsize=(5.5, 3.2))
    ax.plot(layers, pixels, "o-", label="receptive field")
    ax.axhline(target, color="#c44e52", linestyle="--", label=f"one {target}x{target} patch")
    ax.set_xticks(layers)
    ax.set(title=title, xlabel="number of stacked layers", ylabel="side seen (pixels)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
