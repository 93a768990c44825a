"""Figures of notebooks 03 and 04 (convmixer_lab/plot/costs.py)."""

import matplotlib.pyplot as plt
import pytest
import torch

from convmixer_lab import ConvMixer, plot
from convmixer_lab.counting import Stage, convmixer_params, stage_table


def test_config_param_bars_stacks_stem_layers_head():
    configs = {"1536/20": (1536, 20, 9, 7), "1024/20 p14": (1024, 20, 9, 14)}
    tables = {}
    for label, cfg in configs.items():
        with torch.device("meta"):
            tables[label] = stage_table(ConvMixer(*cfg), 224)
    fig = plot.config_param_bars(tables, title="configs")
    ax = fig.axes[0]
    assert ax.get_title() == "configs" and ax.get_xlabel() and ax.get_ylabel() == "parameters (millions)"
    # three stacked parts per configuration, in order: stem, mixer layers, head
    heights = [[bar.get_height() for bar in container] for container in ax.containers]
    assert len(heights) == 3 and all(len(h) == 2 for h in heights)
    for i, cfg in enumerate(configs.values()):
        assert sum(h[i] for h in heights) == pytest.approx(convmixer_params(*cfg) / 1e6)
        stem = 3 * cfg[3] ** 2 * cfg[0] + 3 * cfg[0]
        assert heights[0][i] == pytest.approx(stem / 1e6)
    assert [t.get_text() for t in ax.texts] == ["51.6M", "24.4M"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "patch embedding (stem)", "mixer layers", "classifier (head)"]
    plt.close(fig)


def test_config_param_bars_needs_a_configuration():
    with pytest.raises(ValueError, match="tables"):
        plot.config_param_bars({})


def test_comparison_bars_label_each_value():
    fig = plot.comparison_bars(["a", "b", "c"], [1_179_648, 2_304, 0.5], title="t", ylabel="parameters",
                               log=True)
    ax = fig.axes[0]
    assert [b.get_height() for b in ax.containers[0]] == [1_179_648, 2_304, 0.5]
    assert [t.get_text() for t in ax.texts] == ["1,179,648", "2,304", "0.5"]
    assert ax.get_yscale() == "log" and ax.get_title() == "t" and ax.get_ylabel() == "parameters"
    assert ax.get_ylim()[1] == pytest.approx(3 * 1_179_648)  # room for the top bar's number
    assert ax.get_ylim()[0] == pytest.approx(0.05)  # a decade below the smallest bar: it stays visible
    with pytest.raises(ValueError, match="labels and values must be non-empty and of the same length"):
        plot.comparison_bars(["a"], [1, 2], title="t", ylabel="y")
    plt.close(fig)
    fig = plot.comparison_bars(["768 depthwise 7x7", "768 pointwise 1x1"], [3.2, 19.3], title="t", ylabel="y")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["768\ndepthwise\n7x7", "768\npointwise\n1x1"]  # wrapped, so they cannot overlap
    plt.close(fig)


def test_roofline_points_draw_one_roof_per_bandwidth_and_one_point_per_layer():
    points = {"depthwise 3x3": (1.1, 22.3), "pointwise 1x1": (39.4, 8.4)}
    fig = plot.roofline_points(points, {"main memory": 8.0, "caches": 80.0}, peak=25.0, title="roofs")
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale(), ax.get_title()) == ("log", "log", "roofs")
    roofs, flat, dots = ax.lines[:2], ax.lines[2], ax.lines[3:]
    for roof, bandwidth in zip(roofs, (8.0, 80.0)):  # min(intensity x bandwidth, peak) at every x
        x, y = roof.get_data()
        assert y == pytest.approx([min(v * bandwidth, 25.0) for v in x])
        # from below the caches' knee (25 / 80) to beyond the last layer: both knees are drawn
        assert x[0] == pytest.approx(25 / 80 / 2) and x[-1] == pytest.approx(39.4 * 6)
    assert list(flat.get_ydata()) == [25.0, 25.0]
    assert [tuple(d.get_xydata()[0]) for d in dots] == list(points.values())
    assert [t.get_text() for t in ax.texts] == list(points)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "main memory (8.0 GB/s)", "caches (80.0 GB/s)", "matrix product (25.0 GMAC/s)"]
    assert ax.get_ylim()[0] < 25 / 80 / 2 * 8.0 and ax.get_ylim()[1] > 25.0  # every roof and point shows
    plt.close(fig)


@pytest.mark.parametrize("points,bandwidths,peak,offsets", [
    ({"pointwise 1x1": (39.4, 10.5), "768 pointwise 1x1": (87.8, 9.2), "depthwise 3x3": (1.1, 9.0),
      "standard 3x3": (219.4, 27.0), "768 standard": (150.0, 30.0)}, {"main memory": 8.0}, 25.0,
     [(5, -12), (5, -22), (5, -12), (5, 5), (5, 14)]),
    ({"standard 3x3": (219.4, 18.7), "depthwise 3x3": (1.1, 23.7), "pointwise 1x1": (39.4, 11.5),  # 03 as
      "768 depthwise 7x7": (6.1, 2.9), "768 pointwise 1x1": (87.8, 13.8)},  # a student saw it overlap
     {"main memory": 11.0, "cache": 160.0}, 24.9, [(5, -12), (5, -12), (5, -12), (5, -12), (5, -32)]),
])
def test_roofline_points_put_labels_off_the_peak_line_and_off_each_other(points, bandwidths, peak, offsets):
    """Below a point under the peak line, above one over it; moved further off where it would overlap
    a label placed before it."""
    fig = plot.roofline_points(points, bandwidths, peak)
    texts = fig.axes[0].texts
    assert [t.xyann for t in texts] == offsets
    boxes = [t.get_window_extent() for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
    plt.close(fig)


@pytest.mark.parametrize("points,bandwidths,peak,message", [
    ({}, {"main memory": 8.0}, 25.0, "points must hold at least one layer"),
    ({"a": (1.0, 2.0)}, {}, 25.0, "bandwidths must hold at least one bandwidth"),
    ({"a": (1.0, 0.0)}, {"main memory": 8.0}, 25.0, "must be positive"),
    ({"a": (1.0, 2.0)}, {"main memory": 8.0}, -1.0, "must be positive"),
])
def test_roofline_points_refuse_what_log_axes_cannot_draw(points, bandwidths, peak, message):
    with pytest.raises(ValueError, match=message):
        plot.roofline_points(points, bandwidths, peak)


def test_stage_param_bars_draw_identical_layers_as_one_bar():
    with torch.device("meta"):
        rows = stage_table(ConvMixer(1536, 20, 9, 7), 224)
    fig = plot.stage_param_bars(rows, title="stages")
    ax = fig.axes[0]
    # 3 bars, not 22: the 20 identical mixer layers are one bar holding all of them
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "patch_embedding", "mixer_layers.0-19 (x 20)", "classifier"]
    heights = [b.get_height() for b in ax.containers[0]]  # millions
    assert heights == pytest.approx([0.2304, 20 * 2.492928, 1.537])
    assert sum(heights) == pytest.approx(51.62596)  # the whole model
    assert [t.get_text() for t in ax.texts] == ["0.23M", "49.86M", "1.54M"]
    assert ax.get_title() == "stages" and ax.get_xlabel() == "stage"
    assert ax.get_ylabel() == "parameters (millions)"
    plt.close(fig)


def test_stage_param_bars_keep_layers_that_differ_apart():
    # made-up rows: two layers with different parameters must stay two bars; no-parameter stages go
    rows = [Stage("input", (3, 8, 8), 0, 0), Stage("patch_embedding", (4, 4, 4), 10, 100),
            Stage("mixer_layers.0", (4, 4, 4), 7, 70), Stage("mixer_layers.1", (4, 4, 4), 9, 70),
            Stage("mixer_layers.2", (4, 4, 4), 9, 70)]
    fig = plot.stage_param_bars(rows)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "patch_embedding", "mixer_layers.0", "mixer_layers.1-2 (x 2)"]
    assert [b.get_height() for b in fig.axes[0].containers[0]] == pytest.approx([10e-6, 7e-6, 18e-6])
    plt.close(fig)
    with pytest.raises(ValueError, match="rows must hold at least one stage with parameters"):
        plot.stage_param_bars(rows[:1])


def test_activation_curves_one_line_per_activation():
    x = torch.linspace(-3, 3, 61)
    fig = plot.activation_curves(x, {"ReLU": torch.relu(x), "GELU": torch.nn.functional.gelu(x)},
                                 title="acts")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()[:2]] == ["ReLU", "GELU"]
    assert ax.get_lines()[1].get_ydata()[0] == pytest.approx(float(torch.nn.functional.gelu(x[0])), rel=1e-3)
    assert ax.get_title() == "acts" and ax.get_xlabel() == "input x" and ax.get_ylabel() == "output"
    with pytest.raises(ValueError, match="curves\\['GELU'\\] has shape"):
        plot.activation_curves(x, {"GELU": x[:5]})
    with pytest.raises(ValueError, match="curves must hold at least one activation"):
        plot.activation_curves(x, {})
    plt.close("all")


def test_channel_histograms_one_histogram_per_channel_and_panel():
    before = torch.randn(4, 3, 5, 5) * 2 + 1
    after = torch.nn.functional.batch_norm(before, None, None, training=True)
    fig = plot.channel_histograms(before, after, titles=("in", "out"))
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("in", "out")
    for ax in (left, right):
        assert len(ax.patches) == 3 and ax.get_xlabel() == "value" and ax.get_ylabel() == "count"
        # each channel's histogram counts all N*H*W = 100 values
        assert all(patch.get_path().vertices[:, 1].max() <= 100 for patch in ax.patches)
    for ax in (left, right):  # both panels say which colour is which channel
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["channel 0", "channel 1", "channel 2"]
    with pytest.raises(ValueError, match="two \\[N, C, H, W\\] batches of one shape"):
        plot.channel_histograms(before, after[:, :2])
    plt.close(fig)


def test_block_diagrams_one_colour_per_batchnorm_module_the_shared_one_apart_and_the_residual():
    from matplotlib.patches import FancyBboxPatch
    fig = plot.block_diagrams(title="blocks")
    paper, tutorial = fig.axes
    assert fig._suptitle.get_text() == "blocks"
    assert paper.get_title() == "paper: ConvMixerLayer"
    assert tutorial.get_title() == "tutorial: TutorialConvMixerLayer"

    def boxes(ax):
        return {p.get_label(): p for p in ax.patches if isinstance(p, FancyBboxPatch)}

    def residual_ends(ax):  # the line from the input down to the "+ z" box: its top and bottom y
        line, = [line for line in ax.get_lines() if line.get_label() == "residual"]
        return line.get_ydata()[0], line.get_ydata()[-1]

    def centre(box):
        return box.get_y() + box.get_height() / 2

    p, t = boxes(paper), boxes(tutorial)
    assert p["BatchNorm (norm1)"].get_facecolor() != p["BatchNorm (norm2)"].get_facecolor()
    # the tutorial's one module at its two places: one look, hatched, in neither of the paper's colours
    shared = [b for b in tutorial.patches if b.get_label() == "BatchNorm (norm)"]
    assert len(shared) == 2 and [b.get_hatch() for b in shared] == ["//", "//"]
    assert shared[0].get_facecolor() == shared[1].get_facecolor() not in {
        p[name].get_facecolor() for name in ("BatchNorm (norm1)", "BatchNorm (norm2)")}
    assert p["BatchNorm (norm1)"].get_hatch() is None is p["BatchNorm (norm2)"].get_hatch()
    labels = [text for text in tutorial.texts if text.get_text() == "BatchNorm (norm, used twice)"]
    assert [label.get_bbox_patch().get_facecolor() for label in labels] == [(1.0, 1.0, 1.0, 1.0)] * 2
    assert [text.get_text() for text in paper.texts if "BatchNorm" in text.get_text()] == [
        "BatchNorm (norm1)", "BatchNorm (norm2)"]
    # paper: the residual ends above the pointwise conv; tutorial: below the second BatchNorm
    top, bottom = residual_ends(paper)
    assert top == pytest.approx(centre(p["input z"])) and bottom == pytest.approx(centre(p["+ z"]))
    assert centre(p["BatchNorm (norm1)"]) > bottom > centre(p["conv 1x1 (pointwise)"])
    top, bottom = residual_ends(tutorial)
    assert centre(t["conv 1x1 (pointwise_conv)"]) > centre(t["+ z"]) == pytest.approx(bottom)
    texts = [text.get_text() for text in tutorial.texts]
    assert texts[6:8] == ["BatchNorm (norm, used twice)", "+ z"]  # the add comes after the 2nd use
    plt.close(fig)
