"""Every figure the notebooks show. Each function returns the matplotlib Figure it drew
(title and axis labels always set); notebooks end the cell with ``plt.show()``."""

from __future__ import annotations

import matplotlib

matplotlib.rcParams["figure.dpi"] = 80  # small PNGs keep the stored notebooks light

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from convmixer_lab.counting import Stage  # noqa: E402


def bar_compare(labels: list[str], values: list[float], title: str, ylabel: str,
                log: bool = False) -> Figure:
    """A labelled bar chart comparing a few quantities (parameter counts, MACs, times)."""
    if len(labels) != len(values) or not labels:
        raise ValueError("labels and values must be non-empty and of the same length")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bars = ax.bar(labels, values, color=["#4c72b0", "#dd8452", "#55a868", "#c44e52"][: len(labels)])
    ax.bar_label(bars, labels=[f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}" for v in values])
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def stage_params_plot(rows: list[Stage], title: str = "Where the parameters are") -> Figure:
    """Parameters per stage of a ConvMixer (from ``counting.stage_table``)."""
    rows = [r for r in rows if r.params > 0]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(range(len(rows)), [r.params for r in rows], color="#4c72b0")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.name.replace("mixer_layers.", "L") for r in rows], rotation=90, fontsize=7)
    ax.set_title(title)
    ax.set_xlabel("stage")
    ax.set_ylabel("parameters")
    fig.tight_layout()
    return fig


# --- notebook 01: patch embedding (figures go here) -------------------------------------------
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402


def _fig_ax(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new pyplot figure, or the figure that owns ``ax`` (widgets draw on a bare Figure)."""
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def _as_array(x: object) -> np.ndarray:
    """numpy view of an array or a (CPU) tensor."""
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)


def patch_grid(image: np.ndarray, patch_size: int, ax: Axes | None = None,
               title: str | None = None) -> Figure:
    """The image [H, W, 3] (or [H, W]) with its p x p patch grid on top. Pixels the stem ignores
    (when a side is not a multiple of p) are shaded red."""
    img = _as_array(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must be [H, W] or [H, W, 3], got shape {img.shape}")
    h, w = img.shape[:2]
    p = patch_size
    if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= min(h, w):
        raise ValueError(f"patch_size must be an int from 1 to {min(h, w)} (the image side), got {p!r}")
    gh, gw = h // p, w // p
    fig, ax = _fig_ax(ax, (4.5, 4.5))
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, extent=(0, w, h, 0), interpolation="nearest")
    width = 0.3 if max(gh, gw) > 48 else 0.7
    ax.vlines(np.arange(gw + 1) * p, 0, gh * p, colors="white", linewidth=width)
    ax.hlines(np.arange(gh + 1) * p, 0, gw * p, colors="white", linewidth=width)
    if gw * p < w:
        ax.axvspan(gw * p, w, color="red", alpha=0.4)
    if gh * p < h:
        ax.axhspan(gh * p, h, color="red", alpha=0.4)
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_title(title or f"{h}x{w} image cut into {p}x{p} patches\n= a {gh}x{gw} grid of patches")
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    fig.tight_layout()
    return fig


def patch_as_vector(image: np.ndarray, patch_size: int, row: int, col: int) -> Figure:
    """One patch of an [H, W, 3] uint8 image, and the same patch flattened the way a [h, 3, p, p]
    convolution weight is flattened: all red values, then green, then blue (3*p*p numbers)."""
    img = _as_array(image)
    p = patch_size
    if img.ndim != 3 or not (0 <= row < img.shape[0] // p and 0 <= col < img.shape[1] // p):
        raise ValueError(f"row and col must pick a patch of the {img.shape[0] // p}x{img.shape[1] // p} "
                         f"grid of an [H, W, 3] image, got row={row}, col={col}, shape {img.shape}")
    patch = img[row * p:(row + 1) * p, col * p:(col + 1) * p]
    vector = patch.transpose(2, 0, 1).reshape(-1)  # [3, p, p] -> [3*p*p], as weight.reshape(h, -1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [1, 3]})
    left.imshow(patch, interpolation="nearest")
    left.set_title(f"patch (row {row}, col {col}): {p}x{p}x3")
    left.set_xlabel("x in patch")
    left.set_ylabel("y in patch")
    n = p * p
    for i, color in enumerate(["red", "green", "blue"]):
        right.bar(np.arange(i * n, (i + 1) * n), vector[i * n:(i + 1) * n], color=color, width=1.0)
    right.set_title(f"the same patch flattened: {vector.size} numbers (all R, then G, then B)")
    right.set_xlabel("position in the flattened vector")
    right.set_ylabel("pixel value (0-255)")
    fig.tight_layout()
    return fig


def feature_maps(maps: object, channels: list[int], title: str) -> Figure:
    """Some channels of one embedding [h, H', W'] side by side, each as a small image."""
    z = _as_array(maps)
    if z.ndim != 3 or not channels or any(not 0 <= c < z.shape[0] for c in channels):
        raise ValueError(f"maps must be [h, H, W] and channels indices below h; got shape {z.shape} "
                         f"and channels {channels}")
    fig, axes = plt.subplots(1, len(channels), figsize=(1.9 * len(channels), 2.4), squeeze=False)
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
    if len(layers) != len(pixels) or not layers:
        raise ValueError("layers and pixels must be non-empty and of the same length")
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(layers, pixels, "o-", label="receptive field")
    ax.axhline(target, color="#c44e52", linestyle="--", label=f"one {target}x{target} patch")
    ax.set_xticks(layers)
    ax.set_title(title)
    ax.set_xlabel("number of stacked layers")
    ax.set_ylabel("side seen (pixels)")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig

# --- notebook 02: depthwise vs pointwise (figures go here) ------------------------------------

def depthwise_effect(channel: object, kernel: object, output: object, index: int) -> Figure:
    """One channel of an embedding, the depthwise kernel of that channel, and what comes out."""
    panels = [(_as_array(channel), f"input: channel {index}", "viridis"),
              (_as_array(kernel), f"its kernel ({'x'.join(map(str, _as_array(kernel).shape))})", "coolwarm"),
              (_as_array(output), f"output: channel {index}", "viridis")]
    if any(a.ndim != 2 for a, _, _ in panels):
        raise ValueError("channel, kernel and output must each be a 2-D map")
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
    for ax, (values, name, cmap) in zip(axes, panels):
        image = ax.imshow(values, cmap=cmap, interpolation="nearest")
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        ax.set_title(name)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    fig.suptitle("A depthwise convolution filters each channel with its own kernel")
    fig.tight_layout()
    return fig


def mixing_footprints(changed: dict[str, object], title: str) -> Figure:
    """Where a change to ONE input value (one channel, one pixel) shows up in the output of each
    layer: ``changed`` maps a layer name to a boolean [channels, columns] map along the row."""
    if not changed:
        raise ValueError("changed must map at least one layer name to a [channels, columns] map")
    fig, axes = plt.subplots(1, len(changed), figsize=(3.2 * len(changed), 3.0), squeeze=False)
    for ax, (name, mask) in zip(axes[0], changed.items()):
        m = _as_array(mask).astype(float)
        ax.imshow(m, cmap="Greys", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        channels, columns = int(m.any(axis=1).sum()), int(m.any(axis=0).sum())
        ax.set_title(f"{name}\n{channels} channel{'s' * (channels != 1)} x {columns} "
                     f"column{'s' * (columns != 1)}", fontsize=9)
        ax.set_xlabel("column (along the perturbed row)")
        ax.set_ylabel("output channel")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def receptive_field_growth(depths: list[int], patches: list[int], patch_size: int,
                           grid: int) -> Figure:
    """Receptive field of one patch embedding as ConvMixer layers stack: in patches (left) and
    in pixels (right), with the image's width (``grid`` patches, ``grid * p`` pixels) marked."""
    if len(depths) != len(patches) or not depths:
        raise ValueError("depths and patches must be non-empty and of the same length")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, scale, unit in ((left, 1, "patches"), (right, patch_size, "pixels")):
        ax.plot(depths, [n * scale for n in patches], "o-", label="receptive field")
        ax.axhline(grid * scale, color="#c44e52", linestyle="--", label=f"image width ({grid * scale})")
        ax.set_title(f"receptive field in {unit}")
        ax.set_xlabel("ConvMixer layers d")
        ax.set_ylabel(f"side seen ({unit})")
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def receptive_field_on_image(image: np.ndarray, patch_size: int, row: int, col: int, patches: int,
                             ax: Axes | None = None, title: str | None = None) -> Figure:
    """The image with its patch grid, patch (row, col) outlined, and the square of
    ``patches`` x ``patches`` patches around it that one embedding there sees (clipped to the image)."""
    from matplotlib.patches import Rectangle

    fig = patch_grid(image, patch_size, ax=ax, title=title or "")
    ax = ax or fig.axes[0]
    p, half = patch_size, (patches - 1) / 2
    grid_h, grid_w = (s // p for s in _as_array(image).shape[:2])
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
    if not counts:
        raise ValueError("counts must hold at least one convolution")
    fig, ax = _fig_ax(ax, (6.5, 3.5))
    bars = ax.bar(list(counts), list(counts.values()),
                  color=["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"][: len(counts)])
    ax.bar_label(bars, labels=[f"{v:,}" for v in counts.values()], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(top=max(counts.values()) * 8)
    ax.set_title(title)
    ax.set_ylabel("parameters")
    ax.set_xlabel("convolution")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig

# --- notebook 03/04: parameter count, full model ----------------------------------------------

def config_params_plot(tables: dict[str, list[Stage]],
                       title: str = "Where each configuration keeps its parameters") -> Figure:
    """Stacked bars, one per configuration: parameters (millions) in the stem, in the d mixer
    layers and in the classifier. ``tables`` maps a label to its ``counting.stage_table``."""
    if not tables:
        raise ValueError("tables must hold at least one configuration")
    parts = {"patch embedding (stem)": lambda r: r.name == "patch_embedding",
             "mixer layers": lambda r: r.name.startswith("mixer_layers."),
             "classifier (head)": lambda r: r.name == "classifier"}
    labels = list(tables)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    bottom = [0.0] * len(labels)
    for (part, pick), color in zip(parts.items(), ["#dd8452", "#4c72b0", "#55a868"]):
        millions = [sum(r.params for r in tables[name] if pick(r)) / 1e6 for name in labels]
        ax.bar(labels, millions, bottom=bottom, label=part, color=color)
        bottom = [b + m for b, m in zip(bottom, millions)]
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{total:.1f}M", ha="center", va="bottom")
    ax.set_ylim(0, max(bottom) * 1.15)
    ax.set_title(title)
    ax.set_xlabel("configuration (h/d, patch p, kernel k)")
    ax.set_ylabel("parameters (millions)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


# --- notebook 05: training (figures go here) --------------------------------------------------

def fashion_examples(images: object, labels: object, class_names: list[str], per_class: int = 6) -> Figure:
    """The first ``per_class`` images of each class (one row per class), labelled."""
    imgs, labs = _as_array(images), _as_array(labels)
    if imgs.ndim != 3 or len(imgs) != len(labs):
        raise ValueError(f"images must be [N, H, W] with one label each, got {imgs.shape} and {labs.shape}")
    n = len(class_names)
    fig, axes = plt.subplots(n, per_class, figsize=(per_class * 0.9, n * 0.9), squeeze=False)
    for c in range(n):
        picks = np.flatnonzero(labs == c)[:per_class]
        for j in range(per_class):
            ax = axes[c][j]
            if j < len(picks):
                ax.imshow(imgs[picks[j]], cmap="gray_r", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[c][0].set_ylabel(f"{c}: {class_names[c]}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("Fashion-MNIST: the first training images of each class")
    fig.supxlabel("example", fontsize=9)
    fig.tight_layout()
    return fig


def training_curves(histories: dict[str, dict[str, list[float]]],
                    title: str = "Learning curves") -> Figure:
    """Training loss (left) and accuracies (right) per epoch, one colour per run."""
    if not histories:
        raise ValueError("histories must map a run name to a history from train.fit")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.3))
    for (name, h), color in zip(histories.items(), ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]):
        left.plot(h["epoch"], h["loss"], "o-", color=color, label=name)
        right.plot(h["epoch"], [100 * a for a in h["train_accuracy"]], "o--", color=color,
                   label=f"{name}: train (running)")
        right.plot(h["epoch"], [100 * a for a in h["test_accuracy"]], "o-", color=color,
                   label=f"{name}: test")
    left.set_title("training loss")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy (label smoothing)")
    right.set_title("accuracy")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy (%)")
    for ax in (left, right):
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(counts: object, class_names: list[str],
                     title: str = "Confusion matrix on the test set") -> Figure:
    """A [classes, classes] count matrix (rows: true class, columns: predicted), numbers drawn in."""
    m = _as_array(counts)
    n = len(class_names)
    if m.shape != (n, n):
        raise ValueError(f"counts must be [{n}, {n}] (one row and column per class), got {m.shape}")
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(m, cmap="Blues", norm=matplotlib.colors.LogNorm(vmin=1, vmax=max(2, m.max())))
    for i in range(n):
        for j in range(n):
            if m[i, j]:
                ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > m.max() / 3 else "black")
    ax.set_xticks(range(n))
    ax.set_xticklabels(class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(class_names, fontsize=8)
    ax.set_title(title)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.tight_layout()
    return fig


def kernel_grid(weights: object, title: str, columns: int = 16) -> Figure:
    """Small 2-D kernels [n, 1, k, k] (a conv weight with one input channel each) as images,
    each on its own symmetric colour scale (red positive, blue negative)."""
    w = _as_array(weights)
    if w.ndim != 4 or w.shape[1] != 1:
        raise ValueError(f"weights must be [n, 1, k, k] (stem with 1 input channel, or depthwise), "
                         f"got {w.shape}")
    n = len(w)
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.55, rows * 0.55 + 0.6), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < n:
            bound = float(np.abs(w[i, 0]).max()) or 1.0
            ax.imshow(w[i, 0], cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
        else:
            ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.supxlabel(f"{n} kernels of {w.shape[2]}x{w.shape[3]} (red > 0, blue < 0)", fontsize=8)
    fig.tight_layout()
    return fig


def mistakes(images: object, true: list[int], predicted: list[int], confidence: list[float],
             class_names: list[str], title: str = "The most confident mistakes") -> Figure:
    """Misclassified images with their true class, the prediction and its probability."""
    imgs = _as_array(images)
    if not (len(imgs) == len(true) == len(predicted) == len(confidence)) or len(imgs) == 0:
        raise ValueError("images, true, predicted and confidence must be non-empty and of one length")
    cols = min(6, len(imgs))
    rows = int(np.ceil(len(imgs) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.6, rows * 1.9), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(imgs):
            ax.axis("off")
            continue
        ax.imshow(imgs[i], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true: {class_names[true[i]]}\nsaid: {class_names[predicted[i]]}\n"
                     f"({confidence[i]:.0%} sure)", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
