"""Figures of notebooks 03 and 04 (convmixer_lab/plot/costs.py)."""

import matplotlib.pyplot as plt
import pytest
import torch

from convmixer_lab import ConvMixer, plot
from convmixer_lab.counting import convmixer_params, stage_table


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
    with pytest.raises(ValueError, match="labels and values must be non-empty and of the same length"):
        plot.comparison_bars(["a"], [1, 2], title="t", ylabel="y")
    plt.close(fig)


def test_stage_param_bars_one_bar_per_stage_with_parameters():
    with torch.device("meta"):
        rows = stage_table(ConvMixer(64, 3, 5, 7), 224)
    fig = plot.stage_param_bars(rows, title="stages")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["patch_embedding", "L0", "L1", "L2", "classifier"]
    assert [b.get_height() for b in ax.containers[0]] == [r.params for r in rows if r.params]
    assert ax.get_title() == "stages" and ax.get_xlabel() == "stage" and ax.get_ylabel() == "parameters"
    plt.close(fig)
