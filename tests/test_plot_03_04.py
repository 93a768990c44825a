"""Figures of notebooks 03 and 04 (plot.py's "notebook 03/04" section)."""

import matplotlib.pyplot as plt
import pytest
import torch

from convmixer_lab import ConvMixer, plot
from convmixer_lab.counting import convmixer_params, stage_table


def test_config_params_plot_stacks_stem_layers_head():
    configs = {"1536/20": (1536, 20, 9, 7), "1024/20 p14": (1024, 20, 9, 14)}
    tables = {}
    for label, cfg in configs.items():
        with torch.device("meta"):
            tables[label] = stage_table(ConvMixer(*cfg), 224)
    fig = plot.config_params_plot(tables, title="configs")
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


def test_config_params_plot_needs_a_configuration():
    with pytest.raises(ValueError, match="tables"):
        plot.config_params_plot({})
