"""receptive.receptive_field, convmixer_receptive_field and the box a patch sees,
against formulas and a measurement."""

import pytest
import torch
import torch.nn as nn

from convmixer_lab import ConvMixer
from convmixer_lab.receptive import (
    convmixer_receptive_field,
    inputs_seen,
    layers_to_see_all,
    receptive_field,
    receptive_field_box,
    same_padding_reach,
)


def test_stacks_of_3x3():
    assert [receptive_field([3] * n) for n in range(1, 5)] == [3, 5, 7, 9]
    assert receptive_field([]) == 1
    assert receptive_field([7], [7]) == 7
    assert receptive_field([2, 2, 2], [2, 2, 2]) == 8  # non-overlapping 2x2 stages tile 8 pixels


def test_convmixer_receptive_field_formula():
    assert convmixer_receptive_field(0, 9, 7) == (1, 7)
    assert convmixer_receptive_field(4, 9, 7) == (33, 231)
    for d, k, p in [(1, 3, 1), (20, 9, 7), (32, 7, 7), (3, 4, 14)]:
        assert convmixer_receptive_field(d, k, p) == (1 + d * (k - 1), p * (1 + d * (k - 1)))


def width_of_influence(layers: nn.Module, size: int) -> int:
    """How many input columns change the centre output (gradient of one output value)."""
    x = torch.zeros(1, layers[0].in_channels, size, size, dtype=torch.float64, requires_grad=True)
    out = layers(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    return int((x.grad.abs().sum(dim=(0, 1, 2)) > 0).sum())


@pytest.mark.parametrize("depth,k,p", [(1, 3, 1), (2, 5, 1), (3, 3, 2), (2, 9, 4)])
def test_measured_on_convmixer_depthwise_stack(depth, k, p):
    torch.manual_seed(0)
    model = ConvMixer(4, depth, kernel_size=k, patch_size=p, num_classes=0).double()
    for layer in model.mixer_layers:  # all-positive kernels: no accidental cancellation
        nn.init.uniform_(layer.depthwise.weight, 0.5, 1.0)
    stack = nn.Sequential(model.patch_embedding.proj, *[layer.depthwise for layer in model.mixer_layers])
    assert width_of_influence(stack.double(), 64 * p) == convmixer_receptive_field(depth, k, p)[1]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="strides must have one entry per kernel"):
        receptive_field([3, 3], [1])
    with pytest.raises(ValueError, match=r"kernel_sizes\[1\] must be a positive int"):
        receptive_field([3, 0])
    with pytest.raises(ValueError, match="depth must be an int >= 0"):
        convmixer_receptive_field(-1)
    with pytest.raises(TypeError, match="patch_size must be a positive int"):
        convmixer_receptive_field(2, 9, 7.0)


# --- where a patch sits: same_padding_reach, receptive_field_box, layers_to_see_all, inputs_seen ----

def test_same_padding_reach_matches_pytorch():
    assert [same_padding_reach(k) for k in (1, 2, 3, 4, 9)] == [(0, 0), (0, 1), (1, 1), (1, 2), (4, 4)]
    for k in (1, 2, 3, 4, 5, 6):  # measured: which inputs one output of a "same" convolution sees
        conv = nn.Conv2d(1, 1, k, padding="same", bias=False)
        nn.init.constant_(conv.weight, 1.0)
        seen = inputs_seen(conv, torch.zeros(1, 1, 15, 15), row=7, col=7)
        cols = seen.any(dim=0).nonzero().flatten().tolist()
        before, after = same_padding_reach(k)
        assert cols == list(range(7 - before, 7 + after + 1)), k


def test_layers_to_see_all_centre_and_corner_of_the_32x32_grid():
    assert layers_to_see_all(32, 9) == 4            # the centre patch (16, 16)
    assert layers_to_see_all(32, 9, 0, 0) == 8      # a corner: 31 patches to the far edge, 4 per layer
    assert layers_to_see_all(32, 9, 31, 31) == 8 and layers_to_see_all(32, 9, 0, 31) == 8
    assert layers_to_see_all(32, 7, 0, 0) == 11     # ConvMixer-768/32's k = 7: ceil(31 / 3)
    assert layers_to_see_all(1, 1) == 0             # a one-patch grid is seen at once
    assert receptive_field_box(4, 9, 0, 0, 32) == (0, 0, 16, 16)
    assert receptive_field_box(4, 9, 16, 16, 32) == (0, 0, 31, 31)
    assert receptive_field_box(1, 4, 5, 5, 32) == (4, 4, 7, 7)  # even k: 1 before, 2 after


@pytest.mark.parametrize("k, grid, row, col", [(9, 32, 0, 0), (9, 32, 16, 16), (3, 9, 2, 7),
                                                (5, 11, 10, 0), (4, 10, 0, 0), (4, 10, 9, 9)])
def test_layers_to_see_all_and_the_box_agree_with_a_measurement(k, grid, row, col):
    need = layers_to_see_all(grid, k, row, col)
    torch.manual_seed(0)
    layers = ConvMixer(4, max(need, 2), kernel_size=k, patch_size=1, num_classes=0).eval().mixer_layers
    z = torch.randn(1, 4, grid, grid)
    assert bool(inputs_seen(layers[:need], z, row, col).all())
    if need > 0:
        assert not bool(inputs_seen(layers[:need - 1], z, row, col).all())
    for depth in (1, 2):
        top, left, bottom, right = receptive_field_box(depth, k, row, col, grid)
        expected = torch.zeros(grid, grid, dtype=torch.bool)
        expected[top:bottom + 1, left:right + 1] = True
        assert torch.equal(inputs_seen(layers[:depth], z, row, col), expected)


def test_inputs_seen_through_the_stem_is_the_pixel_receptive_field():
    torch.manual_seed(0)
    net = ConvMixer(4, 2, kernel_size=5, patch_size=3, num_classes=0).eval()
    stack = nn.Sequential(net.patch_embedding, *net.mixer_layers)
    seen = inputs_seen(stack, torch.randn(2, 3, 60, 60), row=10, col=10)
    assert seen.shape == (60, 60)
    width = int(seen.any(dim=0).sum())
    assert width == convmixer_receptive_field(2, 5, 3)[1] == 27


def test_receptive_field_helpers_name_the_bad_argument():
    with pytest.raises(ValueError, match="never widens the receptive field"):
        layers_to_see_all(32, 1, 0, 0)
    with pytest.raises(ValueError, match="never widens"):
        layers_to_see_all(32, 2, 5, 5)  # k = 2 reaches only down and right
    with pytest.raises(ValueError, match=r"row must be at most 31, got 32; the grid has 32 rows"):
        layers_to_see_all(32, 9, 32, 0)
    with pytest.raises(ValueError, match="depth must be an int >= 0"):
        receptive_field_box(-1, 9, 0, 0, 32)
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        inputs_seen(lambda t: t, torch.zeros(1, 1, 3, 3), 0, 0)
    with pytest.raises(ValueError, match=r"x must be a tensor \[N, C, H, W\]"):
        inputs_seen(nn.Identity(), torch.zeros(3, 3), 0, 0)
    with pytest.raises(ValueError, match="col must be at most 2"):
        inputs_seen(nn.Identity(), torch.zeros(1, 1, 3, 3), 0, 3)
