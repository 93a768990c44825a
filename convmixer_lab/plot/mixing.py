"""Figures of notebook 02 (depthwise vs pointwise): what a depthwise kernel does to its channel,
where one changed input value shows up, a separable pair's kernels as a standard convolution's,
how the receptive field grows, and parameter bars."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.plot._common import (
    COLORS,
    DPI,
    as_array,
    check_nonempty,
    check_pair,
    fig_ax,
    finish,
    subplots,
    value_bars,
)
from convmixer_lab.plot.patches import patch_grid
from convmixer_lab.receptive import receptive_field_box

SIGNED_CMAP = "RdBu_r"  # red positive, blue negative, white 0


def depthwise_effect(channel: object, kernel: object, output: object, index: int) -> Figure:
    """One channel of an embedding, its depthwise kernel and what comes out; the kernel and the output
    on a signed scale (white 0, red positive, blue negative)."""
    panels = [(as_array(channel), f"input: channel {index}", False),
              (as_array(kernel), f"its kernel ({'x'.join(map(str, as_array(kernel).shape))})", True),
              (as_array(output), f"output: channel {index}", True)]
    if any(a.ndim != 2 for a, _, _ in panels):
        raise ValueError("channel, kernel and output must each be a 2-D map")
    fig, axes = subplots(1, 3, figsize=(9, 3.2))
    for ax, (values, name, signed) in zip(axes, panels):
        limit = float(np.abs(values).max()) or 1.0
        style = {"cmap": SIGNED_CMAP, "vmin": -limit, "vmax": limit} if signed else {"cmap": "viridis"}
        image = ax.imshow(values, interpolation="nearest", **style)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set(title=name, xlabel="column", ylabel="row")
    return finish(fig, "A depthwise convolution filters each channel with its own kernel")


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
    return finish(fig, title)


def receptive_field_growth(depths: list[int], patches: list[int], patch_size: int,
                           needs: dict[str, tuple[int, int]] | None = None) -> Figure:
    """Receptive field of one patch embedding as ConvMixer layers stack: patches (left axis), pixels
    (right). ``needs`` maps a patch to (the width, in patches, that sees the whole image; the depth that
    reaches it), drawn in one colour: a dashed line at the width, a dotted one at the depth."""
    check_pair("depths", depths, "patches", patches)
    p = check_positive_int("patch_size", patch_size)
    fig, ax = subplots(figsize=(6.5, 3.8))
    ax.plot(depths, patches, "o-", color=COLORS[0], label="receptive field (width)")
    for i, (name, (width, depth)) in enumerate((needs or {}).items()):
        color = COLORS[(i + 1) % len(COLORS)]
        ax.axhline(width, color=color, linestyle="--",
                   label=f"{name} needs {width} patches: from d = {depth}")
        ax.axvline(depth, color=color, linestyle=":", linewidth=2)
    top = max([*patches, *(width for width, _ in (needs or {}).values())])
    ax.set_ylim(0, 1.3 * top)  # room above the lines for the legend
    ax.set(xticks=depths, title=f"Receptive field of one patch embedding (p = {p})",
           xlabel="ConvMixer layers d", ylabel="side seen (patches)")
    pixels = ax.secondary_yaxis("right", functions=(lambda n: n * p, lambda px: px / p))
    pixels.set_ylabel(f"side seen (pixels = {p} x patches)")
    ax.legend(loc="upper left", fontsize=8)
    return finish(fig)


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
                           label="the patch", clip_on=False))
    ax.legend(loc="lower right", fontsize=7)
    if title is None:
        inside = f"{round((bottom - top) / p)}x{round((right - left) / p)}"
        ax.set_title(f"receptive field {patches}x{patches} patches wide\n({inside} of them inside the image)")
    return fig


def receptive_field_maps(image: np.ndarray, patch_size: int, kernel_size: int,
                         cases: list[tuple[int, int, int]]) -> Figure:
    """One photo panel per case (depth d, row, col): patch (row, col) outlined and the part of
    the image its embedding depends on after d ConvMixer layers with k x k depthwise kernels
    (k odd, so the field is a square centred on the patch, clipped to the image)."""
    check_nonempty("cases", cases, "(depth, row, col) case")
    k = check_positive_int("kernel_size", kernel_size)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd (as in ConvMixer), got {k}: with an even k, "
                         f"padding='same' makes the field lopsided")
    p = check_positive_int("patch_size", patch_size)
    grid = min(as_array(image).shape[:2]) // p
    fig, axes = subplots(1, len(cases), figsize=(3.6 * len(cases), 3.9), squeeze=False)
    for ax, (depth, row, col) in zip(axes[0], cases):
        top, left, bottom, right = receptive_field_box(depth, k, row, col, grid)
        seen = (bottom - top + 1) * (right - left + 1)
        receptive_field_on_image(image, p, row, col, 1 + depth * (k - 1), ax=ax,
                                 title=f"patch ({row}, {col}) after d = {depth}:\n"
                                       f"sees {seen:,} of {grid * grid:,} patches")
    return finish(fig, f"What one patch embedding depends on ({k}x{k} depthwise kernels, p = {p})")


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
    return finish(fig)


def rank_one_kernels(depthwise: object, pointwise: object, kernels: object, channel: int) -> Figure:
    """What one input channel ``channel`` of a separable pair looks like as a standard convolution:
    its depthwise kernel D [k, k], its pointwise weights P [c_out] (one number per output channel)
    and the c_out kernels [c_out, k, k] a standard convolution uses for it, each group on its own signed
    scale (white 0) with a colour bar. For a separable pair every kernel is P[o] x D."""
    d, p, w = as_array(depthwise), as_array(pointwise).ravel(), as_array(kernels)
    if d.ndim != 2 or w.ndim != 3 or w.shape[1:] != d.shape or len(p) != len(w):
        raise ValueError(f"depthwise must be [k, k], pointwise [c_out] and kernels [c_out, k, k], got "
                         f"{d.shape}, {p.shape} and {w.shape}")
    columns = -(-len(w) // 2)  # the kernels in two rows
    fig = plt.figure(figsize=(5.5 + 1.05 * columns, 4.2), dpi=DPI)
    grid = fig.add_gridspec(2, columns + 3, width_ratios=[2.2, 1.2] + [1] * columns + [0.15])
    for spec, values, title in [(grid[:, 0], d, f"D[{channel}]: depthwise\nkernel"),
                                (grid[:, 1], p[:, None], f"P[:, {channel}]")]:
        ax = fig.add_subplot(spec)
        limit = float(np.abs(values).max()) or 1.0
        image = ax.imshow(values, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest",
                          aspect="equal" if values.shape[1] > 1 else "auto")  # P: a column as wide as its bar
        ax.set(title=title, xticks=[], yticks=range(len(p)) if values.shape[1] == 1 else [])
        ax.tick_params(labelsize=8)
        fig.colorbar(image, ax=ax, location="bottom", pad=0.03, ticks=[-limit, 0, limit],
                     format="%.1f").ax.tick_params(labelsize=8)
    limit = float(np.abs(w).max()) or 1.0
    for o, kernel in enumerate(w):
        ax = fig.add_subplot(grid[o // columns, 2 + o % columns], label="kernel")
        image = ax.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"out {o}\n{p[o]:+.2f} x D[{channel}]", fontsize=8)
        ax.set(xticks=[], yticks=[])
    bar = fig.colorbar(image, cax=fig.add_subplot(grid[:, -1]), ticks=[-limit, 0, limit], format="%.1f")
    bar.ax.tick_params(labelsize=8)
    bar.set_label("weight (red +, blue -, white 0)", fontsize=8)
    return finish(fig, f"Input channel {channel}: the standard convolution's {len(w)} kernels, "
                       f"kernel o = P[o, {channel}] x D[{channel}]")
