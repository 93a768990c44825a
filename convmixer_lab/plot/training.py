"""Figures of notebook 05 (training a small ConvMixer): the data, learning curves, a confusion
matrix, learned kernels and the most confident mistakes."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from convmixer_lab.checks import check_positive_int
from convmixer_lab.plot._common import COLORS, as_array, check_nonempty, subplots


def fashion_examples(images: object, labels: object, class_names: list[str], per_class: int = 6) -> Figure:
    """The first ``per_class`` images of each class (one row per class), labelled."""
    imgs, labs = as_array(images), as_array(labels)
    if imgs.ndim != 3 or len(imgs) != len(labs):
        raise ValueError(f"images must be [N, H, W] with one label each, got {imgs.shape} and {labs.shape}")
    check_positive_int("per_class", per_class)
    n = len(class_names)
    fig, axes = subplots(n, per_class, figsize=(per_class * 0.9, n * 0.9), squeeze=False)
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
    check_nonempty("histories", histories, "run name mapped to a history from train.fit")
    fig, (left, right) = subplots(1, 2, figsize=(9, 3.3))
    for (name, h), color in zip(histories.items(), COLORS[:4]):
        left.plot(h["epoch"], h["loss"], "o-", color=color, label=name)
        right.plot(h["epoch"], [100 * a for a in h["train_accuracy"]], "o--", color=color,
                   label=f"{name}: train (running)")
        right.plot(h["epoch"], [100 * a for a in h["test_accuracy"]], "o-", color=color,
                   label=f"{name}: test")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy (label smoothing)")
    right.set(title="accuracy", xlabel="epoch", ylabel="accuracy (%)")
    for ax in (left, right):
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(counts: object, class_names: list[str],
                     title: str = "Confusion matrix on the test set") -> Figure:
    """A [classes, classes] count matrix (rows: true class, columns: predicted), numbers drawn in."""
    m = as_array(counts)
    n = len(class_names)
    if m.shape != (n, n):
        raise ValueError(f"counts must be [{n}, {n}] (one row and column per class), got {m.shape}")
    fig, ax = subplots(figsize=(6.5, 5.5))
    ax.imshow(m, cmap="Blues", norm=LogNorm(vmin=1, vmax=max(2, m.max())))
    for i in range(n):
        for j in range(n):
            if m[i, j]:
                ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if m[i, j] > m.max() / 3 else "black")
    ax.set_xticks(range(n))
    ax.set_xticklabels(class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(class_names, fontsize=8)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    fig.tight_layout()
    return fig


def _small_panels(count: int, columns: int, size: tuple[float, float],
                  extra_height: float = 0.0) -> tuple[Figure, list[Axes]]:
    """A grid of ``count`` tick-less panels, ``columns`` wide; panels beyond ``count`` are hidden.
    Returns the figure and the panels in use."""
    rows = int(np.ceil(count / columns))
    fig, axes = subplots(rows, columns, figsize=(columns * size[0], rows * size[1] + extra_height),
                         squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= count:
            ax.axis("off")
    return fig, list(axes.flat)[:count]


def kernel_grid(weights: object, title: str, columns: int = 16) -> Figure:
    """Small 2-D kernels [n, 1, k, k] (a conv weight with one input channel each) as images,
    each on its own symmetric colour scale (red positive, blue negative)."""
    w = as_array(weights)
    if w.ndim != 4 or w.shape[1] != 1:
        raise ValueError(f"weights must be [n, 1, k, k] (stem with 1 input channel, or depthwise), "
                         f"got {w.shape}")
    check_positive_int("columns", columns)
    fig, panels = _small_panels(len(w), columns, (0.55, 0.55), extra_height=0.6)
    for i, ax in enumerate(panels):
        bound = float(np.abs(w[i, 0]).max()) or 1.0
        ax.imshow(w[i, 0], cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
    fig.suptitle(title, fontsize=10)
    fig.supxlabel(f"{len(w)} kernels of {w.shape[2]}x{w.shape[3]} (red > 0, blue < 0)", fontsize=8)
    fig.tight_layout()
    return fig


def mistakes(images: object, true: list[int], predicted: list[int], confidence: list[float],
             class_names: list[str], title: str = "The most confident mistakes") -> Figure:
    """Misclassified images with their true class, the prediction and its probability."""
    imgs = as_array(images)
    if not (len(imgs) == len(true) == len(predicted) == len(confidence)) or len(imgs) == 0:
        raise ValueError("images, true, predicted and confidence must be non-empty and of one length")
    fig, panels = _small_panels(len(imgs), min(6, len(imgs)), (1.6, 1.9))
    for i, ax in enumerate(panels):
        ax.imshow(imgs[i], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true: {class_names[true[i]]}\nsaid: {class_names[predicted[i]]}\n"
                     f"({confidence[i]:.0%} sure)", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
