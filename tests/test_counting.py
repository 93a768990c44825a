import itertools

import pytest
import torch.nn as nn

from convmixer_lab import ConvMixer
from convmixer_lab.counting import (
    conv_macs,
    convmixer_params,
    count_parameters,
    depthwise_separable_params,
    format_table,
    stage_table,
    standard_conv_params,
    total_macs,
)


def test_tutorial_numbers():
    assert standard_conv_params(256, 512, 3) == 1_179_648
    assert depthwise_separable_params(256, 512, 3) == 133_376
    assert round(100 * 133_376 / 1_179_648, 1) == 11.3


def test_formulas_equal_real_modules():
    assert standard_conv_params(256, 512, 3) == count_parameters(nn.Conv2d(256, 512, 3, bias=False))
    dw = nn.Conv2d(256, 256, 3, groups=256, bias=False)
    pw = nn.Conv2d(256, 512, 1, bias=False)
    assert depthwise_separable_params(256, 512, 3) == count_parameters(nn.Sequential(dw, pw))
    assert standard_conv_params(4, 6, 5, bias=True) == count_parameters(nn.Conv2d(4, 6, 5))
    assert depthwise_separable_params(4, 6, 5, bias=True) == count_parameters(
        nn.Sequential(nn.Conv2d(4, 4, 5, groups=4), nn.Conv2d(4, 6, 1)))


@pytest.mark.parametrize("dim,depth,k,p,n,c", list(itertools.product(
    [1, 7, 32], [1, 3], [1, 4, 9], [1, 7], [0, 10], [1, 3])))
@pytest.mark.parametrize("block", ["paper", "seed"])
def test_closed_form_equals_count(dim, depth, k, p, n, c, block):
    model = ConvMixer(dim, depth, k, p, n, in_channels=c, block=block)
    assert convmixer_params(dim, depth, k, p, n, c, block) == count_parameters(model)


def test_stage_table_totals_and_macs():
    model = ConvMixer(1536, 20, 9, 7)
    rows = stage_table(model, 224)
    assert sum(r.params for r in rows) == 51_625_960
    assert rows[1].output_shape == (1536, 32, 32)
    layer_macs = 32 * 32 * 1536 * (81 + 1536)
    assert rows[2].macs == layer_macs
    assert total_macs(model) == conv_macs(3, 1536, 7, 32, 32) + 20 * layer_macs + 1536 * 1000
    assert "51,625,960" in format_table(rows)


def test_bad_counting_arguments():
    with pytest.raises(ValueError, match="c_in"):
        standard_conv_params(0, 4, 3)
    with pytest.raises(TypeError, match="k must be a positive int"):
        depthwise_separable_params(4, 4, 3.0)
    with pytest.raises(TypeError, match="module"):
        count_parameters("model")
    with pytest.raises(ValueError, match="smaller than one patch"):
        stage_table(ConvMixer(8, 1, 3, 7), 5)
