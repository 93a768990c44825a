import itertools

import pytest
import torch
import torch.nn as nn

from convmixer_lab import ConvMixer, PatchEmbedding
from convmixer_lab.counting import (
    Stage,
    conv_counts,
    conv_macs,
    convmixer_macs,
    convmixer_params,
    count_parameters,
    depthwise_separable_params,
    group_repeats,
    grouped_conv_params,
    measured_shapes,
    mixer_layer_macs,
    patch_stats,
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
@pytest.mark.parametrize("block", ["paper", "tutorial"])
def test_closed_form_equals_count(dim, depth, k, p, n, c, block):
    model = ConvMixer(dim, depth, k, p, n, in_channels=c, block=block)
    assert convmixer_params(dim, depth, k, p, n, c, block) == count_parameters(model)


@pytest.mark.parametrize("dim,depth,k,p,n,c,size", [
    (1536, 20, 9, 7, 1000, 3, 224), (101, 4, 3, 4, 10, 1, 28), (8, 2, 5, 7, 0, 3, (35, 21)),
    (6, 3, 2, 3, 4, 1, (30, 9)), (16, 1, 1, 1, 10, 2, 5)])
def test_closed_form_macs_equal_the_stage_table(dim, depth, k, p, n, c, size):
    with torch.device("meta"):
        model = ConvMixer(dim, depth, k, p, n, in_channels=c)
    rows = stage_table(model, size)
    grid = rows[1].output_shape[1:]
    assert convmixer_macs(dim, depth, k, p, n, c, size) == total_macs(model, size)
    assert total_macs(model, size) == sum(r.macs for r in rows)
    layers = [r.macs for r in rows if r.name.startswith("mixer_layers")]
    assert layers == [mixer_layer_macs(dim, k, grid)] * depth
    assert mixer_layer_macs(dim, k, grid) == (k * k + dim) * dim * grid[0] * grid[1]
    if grid[0] == grid[1]:
        assert mixer_layer_macs(dim, k, grid[0]) == mixer_layer_macs(dim, k, grid)


def test_closed_form_macs_refuse_bad_arguments():
    with pytest.raises(ValueError, match="kernel_size must be a positive int"):
        convmixer_macs(8, 2, 0)
    with pytest.raises(ValueError, match=r"image_size \(6, 6\) is smaller than one patch \(patch_size=7\)"):
        convmixer_macs(8, 2, 3, 7, image_size=6)
    with pytest.raises(ValueError, match="grid must be an int or a pair"):
        mixer_layer_macs(8, 3, (1, 2, 3))


def test_stage_table_totals_and_macs():
    model = ConvMixer(1536, 20, 9, 7)
    rows = stage_table(model, 224)
    assert sum(r.params for r in rows) == 51_625_960
    assert rows[1].output_shape == (1536, 32, 32)
    layer_macs = 32 * 32 * 1536 * (81 + 1536)
    assert rows[2].macs == layer_macs
    assert total_macs(model) == conv_macs(3, 1536, 7, 32, 32) + 20 * layer_macs + 1536 * 1000


def test_group_repeats_merges_only_identical_consecutive_numbered_stages():
    s = Stage
    rows = [s("input", (3, 8, 8), 0, 0), s("patch_embedding", (4, 2, 2), 5, 50),
            s("mixer_layers.0", (4, 2, 2), 7, 70), s("mixer_layers.1", (4, 2, 2), 7, 70),
            s("mixer_layers.2", (4, 2, 2), 8, 70),  # differs in parameters: a new group
            s("mixer_layers.3", (4, 2, 2), 8, 70), s("other.4", (4, 2, 2), 8, 70),  # another prefix
            s("mixer_layers.6", (4, 2, 2), 8, 70)]  # not consecutive (5 is missing)
    groups = group_repeats(rows)
    assert [(g.name, n) for g, n in groups] == [
        ("input", 1), ("patch_embedding", 1), ("mixer_layers.0-1", 2), ("mixer_layers.2-3", 2),
        ("other.4", 1), ("mixer_layers.6", 1)]
    assert sum(g.params * n for g, n in groups) == sum(r.params for r in rows)
    assert groups[2][0].params == 7 and groups[2][0].output_shape == (4, 2, 2)
    with pytest.raises(TypeError, match="rows must be a non-empty list of Stage rows"):
        group_repeats([])


def test_bad_counting_arguments():
    with pytest.raises(ValueError, match="c_in"):
        standard_conv_params(0, 4, 3)
    with pytest.raises(TypeError, match="k must be a positive int"):
        depthwise_separable_params(4, 4, 3.0)
    with pytest.raises(TypeError, match="module"):
        count_parameters("model")
    with pytest.raises(ValueError, match="smaller than one patch"):
        stage_table(ConvMixer(8, 1, 3, 7), 5)


# --- the stem and the explorers' counts (patch_stats, conv_counts): one order, (c_in, c_out, k, ...) ---

@pytest.mark.parametrize("p,h", [(7, 768), (14, 1024), (9, 64), (1, 8)])
def test_patch_stats_match_the_package_stem(p, h):
    s = patch_stats(3, h, p, 224)
    with torch.device("meta"):
        stem = PatchEmbedding(h, p)
        out = stem(torch.empty(1, 3, 224, 224))
    assert s["embedding_shape"] == tuple(out.shape)
    assert s["stem_params"] == count_parameters(stem)
    assert s["stem_conv_params"] == count_parameters(stem.proj)
    assert s["patches"] == out.shape[2] * out.shape[3]
    assert s["stem_macs"] == s["patches"] * h * 3 * p * p


def test_patch_stats_errors_name_the_argument():
    with pytest.raises(ValueError, match="patch_size=8 is larger than the 7-pixel image"):
        patch_stats(patch_size=8, image_size=7)
    with pytest.raises(ValueError, match="dim must be a positive int"):
        patch_stats(dim=0)


@pytest.mark.parametrize("c_in,c_out,k,g", [(256, 512, 3, 1), (64, 64, 9, 64), (96, 96, 5, 32),
                                            (6, 9, 4, 3), (12, 8, 1, 4)])
def test_conv_counts_match_real_modules(k, c_in, c_out, g):
    n = conv_counts(c_in, c_out, k, g)
    with torch.device("meta"):
        standard = nn.Conv2d(c_in, c_out, k, bias=False)
        depthwise = nn.Conv2d(c_in, c_in, k, groups=c_in, bias=False)
        pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
        grouped = nn.Conv2d(c_in, c_out, k, groups=g, bias=False)
    assert n["standard"] == count_parameters(standard)
    assert n["depthwise"] == count_parameters(depthwise)
    assert n["pointwise"] == count_parameters(pointwise)
    assert n["separable"] == count_parameters(depthwise) + count_parameters(pointwise)
    assert n["grouped"] == count_parameters(grouped)


def test_depthwise_is_grouped_with_groups_equal_channels():
    n = conv_counts(768, 768, 7, 768)
    assert n["grouped"] == n["depthwise"] == 7 * 7 * 768
    assert conv_counts(16, 32, 3, 1)["grouped"] == conv_counts(16, 32, 3, 1)["standard"]


def test_conv_counts_errors_name_the_argument():
    with pytest.raises(ValueError, match="k must be a positive int"):
        conv_counts(8, 8, 0)
    with pytest.raises(TypeError, match="c_in must be a positive int"):
        conv_counts(8.0, 8, 3)


def test_one_argument_order_for_every_convolution():
    """(c_in, c_out, k, ...) everywhere: positional calls mean what keyword calls mean."""
    assert patch_stats(1, 64, 4, 28) == patch_stats(in_channels=1, dim=64, patch_size=4, image_size=28)
    assert patch_stats(1, 64, 4, 28)["embedding_shape"] == (1, 64, 7, 7)
    assert conv_counts(6, 9, 4, 3) == conv_counts(c_in=6, c_out=9, k=4, groups=3)
    assert conv_counts(6, 9, 4, 3)["grouped"] == grouped_conv_params(6, 9, 4, 3) == 4 * 4 * 2 * 9
    assert conv_macs(6, 9, 4, 5, 7, groups=3) == 2 * 4 * 4 * 9 * 5 * 7
    assert grouped_conv_params(4, 6, 5, 2, bias=True) == count_parameters(nn.Conv2d(4, 6, 5, groups=2))


def test_measured_shapes_agree_with_the_stage_table():
    torch.manual_seed(0)
    model = ConvMixer(8, 2, 3, 4, num_classes=5, in_channels=1)
    shapes = measured_shapes(model, torch.randn(2, 1, 28, 20))
    rows = stage_table(model, (28, 20))
    assert [s for _, s in shapes[1:-1]] == [(2,) + r.output_shape for r in rows[1:-2]]
    assert shapes[-1] == ("head", (2, 5))
    assert stage_table(model, [28, 20]) == rows
