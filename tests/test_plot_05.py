"""Notebook 05's figures: titled, labelled, drawing what they are given; bad input is refused."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from convmixer_lab import plot  # noqa: E402
from convmixer_lab.data import CLASS_NAMES  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_fashion_examples_one_row_per_class():
    images = np.arange(30 * 28 * 28, dtype=np.uint8).reshape(30, 28, 28)
    labels = np.arange(30) % 10
    fig = plot.fashion_examples(images, labels, list(CLASS_NAMES), per_class=3)
    assert len(fig.axes) == 30 and fig.axes[3].get_ylabel() == "1: Trouser"
    assert fig._suptitle.get_text().startswith("Fashion-MNIST")
    with pytest.raises(ValueError, match="one label each"):
        plot.fashion_examples(images, labels[:5], list(CLASS_NAMES))


def test_training_curves_plot_every_epoch():
    h = dict(epoch=[1, 2], loss=[1.0, 0.5], train_accuracy=[0.5, 0.8], test_accuracy=[0.6, 0.85])
    fig = plot.training_curves({"run": h})
    left, right = fig.axes
    assert list(left.lines[0].get_ydata()) == [1.0, 0.5]
    assert list(right.lines[1].get_ydata()) == [60.0, 85.0]
    assert right.get_ylabel() == "accuracy (%)" and left.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="histories"):
        plot.training_curves({})


def test_confusion_matrix_writes_the_counts():
    counts = torch.eye(10, dtype=torch.long) * 90 + 1
    fig = plot.confusion_matrix(counts, list(CLASS_NAMES))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert sorted({t.get_text() for t in ax.texts}) == ["1", "91"] and len(ax.texts) == 100
    with pytest.raises(ValueError, match=r"counts must be \[10, 10\]"):
        plot.confusion_matrix(counts[:3], list(CLASS_NAMES))


def test_kernel_grid_draws_each_kernel():
    w = torch.randn(20, 1, 5, 5)
    fig = plot.kernel_grid(w, "kernels", columns=8)
    assert len(fig.axes) == 24 and sum(bool(ax.images) for ax in fig.axes) == 20
    assert np.array_equal(fig.axes[3].images[0].get_array(), w[3, 0].numpy())
    with pytest.raises(ValueError, match=r"\[n, 1, k, k\]"):
        plot.kernel_grid(torch.randn(4, 3, 5, 5), "rgb")


def test_mistakes_titles_name_truth_and_prediction():
    fig = plot.mistakes(np.zeros((2, 28, 28)), [0, 6], [6, 0], [0.97, 0.5], list(CLASS_NAMES))
    assert fig.axes[0].get_title() == "true: T-shirt/top\nsaid: Shirt\n(97% sure)"
    with pytest.raises(ValueError, match="one length"):
        plot.mistakes(np.zeros((2, 28, 28)), [0], [6, 0], [0.9, 0.5], list(CLASS_NAMES))
