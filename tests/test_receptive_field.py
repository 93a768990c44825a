"""counting.receptive_field and counting.convmixer_receptive_field, against formulas and a measurement."""

import pytest
import torch
import torch.nn as nn

from convmixer_lab import ConvMixer
from convmixer_lab.counting import convmixer_receptive_field, receptive_field


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
