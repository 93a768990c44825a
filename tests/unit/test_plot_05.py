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
    images = np.arange(30 * 28 * 28, dtype=np.uint8).reshape(30, 28, 28) % 200 + 1
    labels = np.arange(30) % 10
    fig = plot.fashion_examples(images, labels, list(CLASS_NAMES), per_class=3)
    (ax,) = fig.axes
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (10 * 29 - 1, 3 * 29 - 1)
    # row 1 (Trouser): images 1, 11, 21 in that order; white (0) gaps between them
    assert np.array_equal(mosaic[29:57, 0:28], images[1]) and np.array_equal(mosaic[29:57, 58:86], images[21])
    assert (mosaic[28, :] == 0).all() and (mosaic[:, 28] == 0).all()
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["0: T-shirt/top", "1: Trouser"]
    assert ax.get_title().startswith("Fashion-MNIST") and ax.get_xlabel() == "example"
    with pytest.raises(ValueError, match="one label each"):
        plot.fashion_examples(images, labels[:5], list(CLASS_NAMES))


def test_fashion_examples_leave_missing_examples_blank():
    images = np.full((4, 28, 28), 255, dtype=np.uint8)
    fig = plot.fashion_examples(images, np.array([0, 0, 1, 2]), list(CLASS_NAMES), per_class=2)
    mosaic = fig.axes[0].images[0].get_array()
    assert (mosaic[0:28, 29:57] == 255).all()    # class 0 has two examples
    assert (mosaic[29:57, 29:57] == 0).all()     # class 1 has one: the second place stays blank
    assert (mosaic[3 * 29:, :] == 0).all()       # classes 3-9 have none


def test_training_curves_draw_the_validation_accuracy_labelled_validation():
    h = dict(epoch=[1, 2], loss=[1.0, 0.5], train_accuracy=[0.5, 0.8], val_accuracy=[0.6, 0.85],
             seconds=[3.0, 3.0])
    fig = plot.training_curves({"run": h})
    left, right = fig.axes
    assert list(left.lines[0].get_ydata()) == [1.0, 0.5]
    assert list(right.lines[0].get_ydata()) == [50.0, 80.0]  # train (running), dashed
    assert list(right.lines[1].get_ydata()) == [60.0, 85.0]  # validation, solid
    assert right.lines[0].get_linestyle() == "--" and right.lines[1].get_linestyle() == "-"
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == ["run: train (running)", "run: validation"]
    assert not any("test" in label for label in labels)
    assert right.get_ylabel() == "accuracy (%)" and left.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="histories"):
        plot.training_curves({})


def test_training_curves_tick_whole_epochs_and_draw_the_floor():
    h = dict(epoch=[1, 2, 3], loss=[0.98, 0.78, 0.72], train_accuracy=[0.79, 0.88, 0.91],
             val_accuracy=[0.86, 0.88, 0.90], seconds=[3.0] * 3)
    fig = plot.training_curves({"run": h}, floor=0.5)
    fig.canvas.draw()
    left, right = fig.axes
    for ax in (left, right):
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks == [1.0, 2.0, 3.0]  # no 1.5 or 2.5 epochs
    floor = [line for line in left.lines if list(line.get_ydata()) == [0.5, 0.5]]
    assert len(floor) == 1 and floor[0].get_linestyle() == "--"
    assert left.get_ylim()[0] < 0.5 < left.get_ylim()[1]
    assert "lowest possible (0.50)" in [t.get_text() for t in left.get_legend().get_texts()]
    plain = plot.training_curves({"run": h})
    assert len(plain.axes[0].lines) == 1  # no floor unless asked
    with pytest.raises(TypeError, match="floor must be a number"):
        plot.training_curves({"run": h}, floor="0.5")


def test_training_curves_refuse_a_history_without_val_accuracy():
    """The old call, with the validation accuracy passed under "test_accuracy", is refused by name."""
    h = dict(epoch=[1], loss=[1.0], train_accuracy=[0.5], test_accuracy=[0.6])
    with pytest.raises(ValueError, match=r"histories\['run'\] lacks \['val_accuracy'\].*fit"):
        plot.training_curves({"run": h})


def test_loss_and_rate_curves_draw_every_step():
    losses, rates = [2.3, 1.9, 1.5, 1.4], [0.0004, 0.01, 0.005, 0.0001]
    fig = plot.loss_and_rate_curves(losses, rates, title="one epoch")
    left, right = fig.axes
    assert list(left.lines[0].get_xdata()) == [1, 2, 3, 4] and list(left.lines[0].get_ydata()) == losses
    assert list(right.lines[0].get_ydata()) == rates
    assert left.get_xlabel() == right.get_xlabel() == "step"
    assert right.get_ylabel() == "learning rate" and left.get_title() and right.get_title()
    assert fig._suptitle.get_text() == "one epoch"
    with pytest.raises(ValueError, match="losses and rates must be non-empty and of the same length"):
        plot.loss_and_rate_curves(losses, rates[:3])


def test_confusion_matrix_writes_the_counts():
    counts = torch.eye(10, dtype=torch.long) * 90 + 1
    fig = plot.confusion_matrix(counts, list(CLASS_NAMES))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert sorted({t.get_text() for t in ax.texts}) == ["1", "91"] and len(ax.texts) == 100
    with pytest.raises(ValueError, match=r"counts must be \[10, 10\]"):
        plot.confusion_matrix(counts[:3], list(CLASS_NAMES))


def test_kernel_grid_is_one_image_of_every_kernel_on_its_own_scale():
    w = torch.randn(20, 1, 5, 5)
    w[7] = 0  # a zero kernel stays 0 (no division by 0)
    fig = plot.kernel_grid(w, "kernels", columns=8)
    ax, bar = fig.axes  # the mosaic and its colour bar, which names the scale
    assert bar.get_ylabel() == "weight / its kernel's largest |weight|"
    assert list(bar.get_yticks()) == [-1, 0, 1] and bar.get_ylim() == (-1, 1)
    mosaic = ax.images[0].get_array().filled(np.nan)
    assert mosaic.shape == (3 * 6 - 1, 8 * 6 - 1)  # 3 rows of 8, a 1-pixel gap between kernels
    for i in (0, 3, 7, 8, 19):
        r, c = divmod(i, 8)
        tile = mosaic[r * 6:r * 6 + 5, c * 6:c * 6 + 5]
        bound = w[i, 0].abs().max().item() or 1.0
        assert np.allclose(tile, w[i, 0].numpy() / bound)
    assert np.isnan(mosaic[5, :]).all() and np.isnan(mosaic[:, 5]).all()  # the gaps
    assert np.isnan(mosaic[12:, 4 * 6:]).all()  # no kernel after the 20th
    assert np.nanmax(np.abs(mosaic)) == pytest.approx(1.0)
    assert ax.get_title() == "kernels" and "20 kernels of 5x5" in ax.get_xlabel()
    with pytest.raises(ValueError, match=r"\[n, 1, k, k\]"):
        plot.kernel_grid(torch.randn(4, 3, 5, 5), "rgb")


def test_kernel_mosaic_places_kernels_row_by_row():
    w = np.arange(1, 5, dtype=float).reshape(4, 1, 1, 1)  # four 1x1 kernels: each scales to 1
    w[2] = -3
    mosaic = plot.training.kernel_mosaic(w, columns=3)
    expected = np.array([[1, np.nan, 1, np.nan, -1], [np.nan] * 5, [1, np.nan, np.nan, np.nan, np.nan]])
    assert np.array_equal(mosaic, expected, equal_nan=True)


def test_mistakes_titles_name_truth_and_prediction():
    fig = plot.mistakes(np.zeros((2, 28, 28)), [0, 6], [6, 0], [0.97, 0.5], list(CLASS_NAMES))
    assert fig.axes[0].get_title() == "true: T-shirt/top\nsaid: Shirt\n(97% sure)"
    with pytest.raises(ValueError, match="one length"):
        plot.mistakes(np.zeros((2, 28, 28)), [0], [6, 0], [0.9, 0.5], list(CLASS_NAMES))


@pytest.mark.parametrize("count", [12, 7])
def test_mistakes_titles_do_not_overlap_other_panels(count):
    """Each panel's three-line title stays clear of every other panel and of the figure's title."""
    fig = plot.mistakes(np.zeros((count, 28, 28)), [0] * count, [6] * count, [0.9] * count, list(CLASS_NAMES))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(shown) == count and len(fig.axes) == 12  # 2 rows of 6, the unused panels hidden
    boxes = [ax.get_window_extent(renderer) for ax in shown]
    titles = [ax.title.get_window_extent(renderer) for ax in shown]
    suptitle = fig._suptitle.get_window_extent(renderer)
    for i, title in enumerate(titles):
        assert not title.overlaps(suptitle)
        for j, box in enumerate(boxes):
            assert not title.overlaps(box), f"the title of panel {i} runs into panel {j}"
        for j, other in enumerate(titles):
            assert i == j or not title.overlaps(other)
