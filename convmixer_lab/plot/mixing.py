"""Figures of notebook 02 (depthwise vs pointwise): what a depthwise kernel does to its channel,
where one changed input value shows up, how the receptive field grows, and parameter bars."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.plot._common import (
    COLORS,
    as_array,
    check_nonempty,
    check_pair,
    fig_ax,
    subplots,
    value_bars,
)
from convmixer_lab.plot.patches import patch_grid


def depthwise_effect(channel: object, kernel: object, output: object, index: int) -> Figure:
    """One channel of an embedding, the depthwise kernel of that channel, and what comes out."""
    panels = [(as_array(channel), f"input: channel {index}", "viridis"),
              (as_array(kernel), f"its kernel ({'x'.join(map(str, as_array(kernel).shape))})", "coolwarm"),
              (as_array(output), f"output: channel {index}", "viridis")]
    if any(a.ndim != 2 for a, _, _ in panels):
        raise ValueError("channel, kernel and output must each be a 2-D map")
    fig, axes = subplots(1, 3, figsize=(9, 3.2))
    for ax, (values, name, cmap) in zip(axes, panels):
        image = ax.imshow(values, cmap=cmap, interpolation="nearest")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set(title=name, xlabel="column", ylabel="row")
    fig.suptitle("A depthwise convolution filters each channel with its own kernel")
    fig.tight_layout()
    return fig


def mixing_footprints(changed: dict[str, object], title: str) -> Figure:
    """Where a change to ONE input value (one channel, one pixel) shows up in the output of each
    layer: ``changed`` maps a layer name to a boolean [channels, columns] map along the row."""
    check_nonempty("changed", changed, "layer name mapped to a [channels, columns] map")
    fig, axes = subplots(1, len(changed), figsize=(3.2 * len(changed), 3.0), squeeze=False)
    for ax, (name, mask) in zip(axes[0], changed.items()):
        m = as_array(mask).astype(float)
        ax.imshow(m, cmap="Greys", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        channels, columns = int(m.any(axis=1).sum()), int(m.any(axis=0).sum())
        ax.set_title(f"{name}\n{channels} channel{'s' * (channels != 1)} x {columns} "
                     f"column{'s' * (columns != 1)}", fontsize=9)
        ax.set(xlabel="column (along the perturbed row)", ylabel="output channel")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def receptive_field_growth(depths: list[int], patches: list[int], patch_size: int,
                           grid: int) -> Figure:
    """Receptive field of one patch embedding as ConvMixer layers stack: in patches (left) and
    in pixels (right), with the image's width (``grid`` patches, ``grid * p`` pixels) marked."""
    check_pair("depths", depths, "patches", patches)
    fig, (left, right) = subplots(1, 2, figsize=(9, 3.2))
    for ax, scale, unit in ((left, 1, "patches"), (right, patch_size, "pixels")):
        ax.plot(depths, [n * scale for n in patches], "o-", label="receptive field")
        ax.axhline(grid * scale, color="#c44e52", linestyle="--", label=f"image width ({grid * scale})")
        ax.set(title=f"receptive field in {unit}", xlabel="ConvMixer layers d",
               ylabel=f"side seen ({unit})")
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def receptive_field_on_image(image: np.ndarray, patch_size: int, row: int, col: int, patches: int,
                             ax: Axes | None = None, title: str | None = None) -> Figure:
    """The image with its patch grid, patch (row, col) outlined, and the square of
    ``patches`` x ``patches`` patches around it that one embedding there sees (clipped to the image)."""
    fig = patch_grid(image, patch_size, ax=ax, title=title or "")
    ax = ax or fig.axes[0]
    p, half = patch_size, (check_positive_int("patches", patches) - 1) / 2
    grid_h, grid_w = (s // p for s in as_array(image).shape[:2])
    check_int("row", row, minimum=0, maximum=grid_h - 1, hint=f"the grid has {grid_h} rows")
    check_int("col", col, minimum=0, maximum=grid_w - 1, hint=f"the grid has {grid_w} columns")
    top, left = max(row - half, 0) * p, max(col - half, 0) * p
    bottom, right = min(row + half + 1, grid_h) * p, min(col + half + 1, grid_w) * p
    ax.add_patch(Rectangle((left, top), right - left, bottom - top, fill=True, color="yellow",
                           alpha=0.3, label="receptive field"))
    ax.add_patch(Rectangle((col * p, row * p), p, p, fill=False, edgecolor="red", linewidth=2,
                           label="the patch"))
    ax.legend(loc="lower right", fontsize=7)
    if title is None:
        ax.set_title(f"one patch sees {patches}x{patches} patches\n= {patches * p}x{patches * p} pixels")
    return fig


def conv_param_bars(counts: dict[str, int], ax: Axes | None = None,
                    title: str = "Parameters of each convolution (log scale)") -> Figure:
    """Parameter counts of a few convolutions as labelled bars on a log scale."""
    check_nonempty("counts", counts, "convolution")
    fig, ax = fig_ax(ax, (6.5, 3.5))
    value_bars(ax, list(counts), list(counts.values()), COLORS[:len(counts)],
               [f"{v:,}" for v in counts.values()], log=True, fontsize=8)
    ax.set_ylim(top=max(counts.values()) * 8)
    ax.set(title=title, ylabel="parameters", xlabel="convolution")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig
