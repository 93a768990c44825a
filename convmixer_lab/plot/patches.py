"""Figures of notebook 01 (patch embedding): the patch grid, one patch as a vector, feature maps,
and how slowly stacked 3x3 layers widen what one output sees."""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from convmixer_lab.checks import check_int, check_positive_int
from convmixer_lab.plot._common import as_array, check_pair, fig_ax, finish, subplots


def patch_grid(image: np.ndarray, patch_size: int, ax: Axes | None = None,
               title: str | None = None, highlight: tuple[int, int] | None = None) -> Figure:
    """The image with its p x p patch grid, ignored pixels red; ``highlight`` = (row, col) outlines that
    patch and, on a new figure, shows it enlarged with its neighbours."""
    img = as_array(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must be [H, W] or [H, W, 3], got shape {img.shape}")
    h, w = img.shape[:2]
    p = check_positive_int("patch_size", patch_size, maximum=min(h, w),
                           hint=f"a patch must fit in the {h}x{w} image")
    gh, gw = h // p, w // p
    where = None if highlight is None else _patch_index(highlight, gh, gw)
    if ax is None and where is not None:
        fig, (ax, zoom) = subplots(1, 2, figsize=(8.5, 4.5))
    else:
        (fig, ax), zoom = fig_ax(ax, (4.5, 4.5)), None
    _image_with_grid(ax, img, p, linewidth=0.3 if max(gh, gw) > 48 else 0.7)
    if gw * p < w:
        ax.axvspan(gw * p, w, color="red", alpha=0.4)
    if gh * p < h:
        ax.axhspan(gh * p, h, color="red", alpha=0.4)
    ax.set(xlim=(0, w), ylim=(h, 0), xlabel="x (pixels)", ylabel="y (pixels)",
           title=title or f"{h}x{w} image cut into {p}x{p} patches\n= a {gh}x{gw} grid of patches")
    if where is not None:  # a thick red square, with a legend entry naming it
        row, col = where
        ax.add_patch(Rectangle((col * p, row * p), p, p, fill=False, edgecolor="red", linewidth=3,
                               label=f"patch (row {row}, col {col})", clip_on=False))
        ax.legend(loc="lower right", fontsize=8)
    if zoom is not None:
        _zoom_on_patch(ax, zoom, img, p, where)
    return finish(fig)


def _image_with_grid(ax: Axes, img: np.ndarray, p: int, linewidth: float) -> None:
    """The image in pixel coordinates, with white lines along the borders of its whole p x p patches."""
    h, w = img.shape[:2]
    gh, gw = h // p, w // p
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, extent=(0, w, h, 0), interpolation="nearest")
    ax.vlines(np.arange(gw + 1) * p, 0, gh * p, colors="white", linewidth=linewidth)
    ax.hlines(np.arange(gh + 1) * p, 0, gw * p, colors="white", linewidth=linewidth)


def _patch_index(where: object, grid_h: int, grid_w: int) -> tuple[int, int]:
    if not isinstance(where, tuple) or len(where) != 2:
        raise TypeError(f"highlight must be a (row, col) pair, got {where!r}")
    return (check_int("row", where[0], minimum=0, maximum=grid_h - 1, hint=f"the grid has {grid_h} rows"),
            check_int("col", where[1], minimum=0, maximum=grid_w - 1, hint=f"the grid has {grid_w} columns"))


ZOOM = 2  # the enlarged panel shows the highlighted patch and up to ZOOM patches on every side


def _zoom_on_patch(ax: Axes, zoom: Axes, img: np.ndarray, p: int, where: tuple[int, int]) -> None:
    """``zoom``: the patch at ``where`` and its neighbours enlarged, linked to that area of ``ax``."""
    row, col = where
    grid_h, grid_w = img.shape[0] // p, img.shape[1] // p
    _image_with_grid(zoom, img, p, linewidth=1.5)
    zoom.add_patch(Rectangle((col * p, row * p), p, p, fill=False, edgecolor="red", linewidth=3))
    zoom.set_xlim(max(col - ZOOM, 0) * p, min(col + ZOOM + 1, grid_w) * p)
    zoom.set_ylim(min(row + ZOOM + 1, grid_h) * p, max(row - ZOOM, 0) * p)
    zoom.set(title=f"patch (row {row}, col {col}) and its neighbours,\nenlarged: {p}x{p} pixels each",
             xlabel="x (pixels)", ylabel="y (pixels)")
    ax.indicate_inset_zoom(zoom, edgecolor="red")


def patch_as_vector(image: np.ndarray, patch_size: int, row: int, col: int) -> Figure:
    """One patch of an [H, W, 3] image, and the same patch flattened as a conv weight is (R, G, B)."""
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
    return finish(fig)


PER_ROW = 4  # feature_maps: panels per row


def feature_maps(maps: object, channels: list[int], title: str) -> Figure:
    """Some channels of one embedding [h, H', W'], each on its own colour scale, ``PER_ROW`` to a row."""
    z = as_array(maps)
    if z.ndim != 3 or not channels or any(not 0 <= c < z.shape[0] for c in channels):
        raise ValueError(f"maps must be [h, H, W] and channels indices below h; got shape {z.shape} "
                         f"and channels {channels}")
    rows = -(-len(channels) // PER_ROW)
    cols = -(-len(channels) // rows)  # as even as possible: 6 channels -> 2 rows of 3
    fig, axes = subplots(rows, cols, figsize=(2.5 * cols, 2.3 * rows + 0.4), squeeze=False)
    for ax, c in zip(axes.flat, channels):
        image = ax.imshow(z[c], cmap="viridis", interpolation="nearest")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
        ax.set_title(f"channel {c}", fontsize=9)
        ax.set_xlabel("patch column", fontsize=8)
        ax.set_ylabel("patch row", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(channels):]:
        ax.set_visible(False)
    return finish(fig, title)


def receptive_field_steps(layers: list[int], pixels: list[int], target: int, title: str) -> Figure:
    """Receptive field (pixels) after each layer of a stack, with the width to reach (a patch)."""
    check_pair("layers", layers, "pixels", pixels)
    fig, ax = subplots(figsize=(5.5, 3.2))
    ax.plot(layers, pixels, "o-", label="receptive field")
    ax.axhline(target, color="#c44e52", linestyle="--", label=f"one {target}x{target} patch")
    ax.set(xticks=layers, title=title, xlabel="number of stacked layers", ylabel="side seen (pixels)")
    ax.legend(loc="upper left", fontsize=8)
    return finish(fig)
