"""Figures of notebook 05 (training a small ConvMixer): the data, one epoch step by step, learning
curves, a confusion matrix, learned kernels and the most confident mistakes."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from convmixer_lab.checks import check_number, check_positive_int
from convmixer_lab.plot._common import COLORS, as_array, check_nonempty, check_pair, finish, subplots

CURVE_KEYS = ("epoch", "loss", "train_accuracy", "val_accuracy")  # what training_curves reads


def fashion_examples(images: object, labels: object, class_names: list[str], per_class: int = 6) -> Figure:
    """The first ``per_class`` images of each class, a labelled row per class, drawn as one mosaic image."""
    imgs, labs = as_array(images), as_array(labels)
    if imgs.ndim != 3 or len(imgs) != len(labs):
        raise ValueError(f"images must be [N, H, W] with one label each, got {imgs.shape} and {labs.shape}")
    check_positive_int("per_class", per_class)
    n, (h, w) = len(class_names), imgs.shape[1:]
    mosaic = np.zeros((n * (h + 1) - 1, per_class * (w + 1) - 1))  # 0: white in "gray_r"
    for c in range(n):
        for j, pick in enumerate(np.flatnonzero(labs == c)[:per_class]):
            mosaic[c * (h + 1):c * (h + 1) + h, j * (w + 1):j * (w + 1) + w] = imgs[pick]
    fig, ax = subplots(figsize=(per_class * 0.9 + 1.2, n * 0.9))
    ax.imshow(mosaic, cmap="gray_r", interpolation="nearest", vmin=0, vmax=max(1, float(imgs.max())))
    ax.set_yticks([c * (h + 1) + (h - 1) / 2 for c in range(n)],
                  [f"{c}: {name}" for c, name in enumerate(class_names)], fontsize=8)
    ax.set_xticks([j * (w + 1) + (w - 1) / 2 for j in range(per_class)], range(1, per_class + 1), fontsize=8)
    ax.tick_params(length=0)
    ax.set_xlabel("example", fontsize=9)
    ax.set_title("Fashion-MNIST: the first training images of each class")
    return finish(fig)


def training_curves(histories: dict[str, dict[str, list[float]]],
                    title: str = "Learning curves", floor: float | None = None) -> Figure:
    """Training loss (left) and accuracies (right) per epoch, one colour per run: the running training
    accuracy dashed, the validation accuracy solid (the test set, scored once at the end, is not drawn);
    ``floor`` (e.g. the lowest loss label smoothing allows) as a dashed grey line."""
    check_nonempty("histories", histories, "run name mapped to a history from train.fit")
    if floor is not None:
        check_number("floor", floor)
    for name, h in histories.items():
        missing = [key for key in CURVE_KEYS if key not in h]
        if missing:
            raise ValueError(f"histories[{name!r}] lacks {missing}: pass the history train.fit returns "
                             "(with a validation split, fit(model, train, val))")
    fig, (left, right) = subplots(1, 2, figsize=(9, 3.3))
    for (name, h), color in zip(histories.items(), COLORS[:4]):
        left.plot(h["epoch"], h["loss"], "o-", color=color, label=name)
        right.plot(h["epoch"], [100 * a for a in h["train_accuracy"]], "o--", color=color,
                   label=f"{name}: train (running)")
        right.plot(h["epoch"], [100 * a for a in h["val_accuracy"]], "o-", color=color,
                   label=f"{name}: validation")
    if floor is not None:
        left.axhline(floor, color="0.5", linestyle="--", linewidth=1, label=f"lowest possible ({floor:.2f})")
    left.set(title="training loss", xlabel="epoch", ylabel="cross-entropy (label smoothing)")
    right.set(title="accuracy", xlabel="epoch", ylabel="accuracy (%)")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
        ax.legend(fontsize=7)
    return finish(fig, title)


def loss_and_rate_curves(losses: list[float], rates: list[float],
                         title: str = "One epoch, step by step") -> Figure:
    """The training loss of every step (left) and the learning rate each step used (right)."""
    check_pair("losses", losses, "rates", rates)
    steps = range(1, len(losses) + 1)
    fig, (left, right) = subplots(1, 2, figsize=(9, 3))
    left.plot(steps, losses, ".-", color=COLORS[0])
    left.set(title="loss of each batch", xlabel="step", ylabel="cross-entropy (label smoothing)")
    right.plot(steps, rates, ".-", color=COLORS[1])
    right.set(title="learning rate (one-cycle)", xlabel="step", ylabel="learning rate")
    return finish(fig, title)


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
    ax.set_xticks(range(n), class_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(n), class_names, fontsize=8)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return finish(fig)


def kernel_grid(weights: object, title: str, columns: int = 16) -> Figure:
    """Kernels [n, 1, k, k] as one mosaic image ``columns`` kernels wide, grey lines between them, each
    divided by its own largest absolute value (red positive, blue negative, white 0)."""
    w = as_array(weights)
    if w.ndim != 4 or w.shape[1] != 1:
        raise ValueError(f"weights must be [n, 1, k, k] (stem with 1 input channel, or depthwise), "
                         f"got {w.shape}")
    check_positive_int("columns", columns)
    fig, ax = subplots(figsize=(columns * 0.55 + 0.8, int(np.ceil(len(w) / columns)) * 0.55 + 0.7))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.7")  # grey lines between kernels (white is 0)
    image = ax.imshow(kernel_mosaic(w, columns), cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.5, fraction=0.04, pad=0.02, ticks=[-1, 0, 1]).set_label(
        "weight / its kernel's largest |weight|", fontsize=8)
    ax.set(xticks=[], yticks=[])
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(f"{len(w)} kernels of {w.shape[2]}x{w.shape[3]}, each on its own scale "
                  "(red > 0, blue < 0)", fontsize=8)
    return finish(fig)


def kernel_mosaic(w: np.ndarray, columns: int) -> np.ndarray:
    """The array ``kernel_grid`` draws: kernels ``w`` [n, 1, k, k] scaled to [-1, 1] each, row by
    row, ``columns`` to a row, NaN between them and after the last."""
    n, _, kh, kw = w.shape
    rows = int(np.ceil(n / columns))
    bound = np.abs(w).reshape(n, -1).max(axis=1)
    scaled = w[:, 0] / np.where(bound > 0, bound, 1.0)[:, None, None]
    mosaic = np.full((rows * (kh + 1) - 1, columns * (kw + 1) - 1), np.nan)
    for i in range(n):
        r, c = divmod(i, columns)
        mosaic[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = scaled[i]
    return mosaic


def mistakes(images: object, true: list[int], predicted: list[int], confidence: list[float],
             class_names: list[str], title: str = "The most confident mistakes") -> Figure:
    """Misclassified images, each titled with its true class, the prediction and its probability."""
    imgs = as_array(images)
    if not (len(imgs) == len(true) == len(predicted) == len(confidence)) or len(imgs) == 0:
        raise ValueError("images, true, predicted and confidence must be non-empty and of one length")
    columns = min(6, len(imgs))
    rows = int(np.ceil(len(imgs) / columns))
    fig, axes = subplots(rows, columns, figsize=(columns * 1.6, rows * 2.1 + 0.2), squeeze=False,
                         layout="constrained")
    for i, ax in enumerate(axes.flat):
        ax.set(xticks=[], yticks=[])
        if i >= len(imgs):
            ax.axis("off")
            continue
        ax.imshow(imgs[i], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true: {class_names[true[i]]}\nsaid: {class_names[predicted[i]]}\n"
                     f"({confidence[i]:.0%} sure)", fontsize=7)
    fig.suptitle(title)
    return fig
