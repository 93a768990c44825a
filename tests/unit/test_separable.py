"""How close a depthwise separable convolution comes to a standard one (notebooks 02 and 04)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from convmixer_lab.counting import depthwise_separable_params, standard_conv_params
from convmixer_lab.separable import combined_weight, fit_to_standard, nearest_separable


def test_combined_weight_is_what_depthwise_then_pointwise_computes():
    g = torch.Generator().manual_seed(0)
    d, p = torch.randn(4, 1, 3, 3, generator=g), torch.randn(6, 4, 1, 1, generator=g)
    x = torch.randn(2, 4, 7, 7, generator=g)
    two_steps = F.conv2d(F.conv2d(x, d, padding="same", groups=4), p)
    one_step = F.conv2d(x, combined_weight(d, p), padding="same")
    assert torch.allclose(two_steps, one_step, atol=1e-5)


def test_nearest_separable_recovers_a_separable_weight_and_beats_other_separable_weights():
    g = torch.Generator().manual_seed(1)
    exact = combined_weight(torch.randn(3, 1, 5, 5, generator=g), torch.randn(7, 3, 1, 1, generator=g))
    assert torch.allclose(combined_weight(*nearest_separable(exact)), exact, atol=1e-5)
    target = torch.randn(7, 3, 5, 5, generator=g)
    best = (combined_weight(*nearest_separable(target)) - target).norm()
    for _ in range(20):  # no random separable weight is closer
        other = combined_weight(torch.randn(3, 1, 5, 5, generator=g), torch.randn(7, 3, 1, 1, generator=g))
        assert (other - target).norm() > best


def test_a_standard_layer_fits_exactly_a_separable_one_does_not():
    errors = fit_to_standard(c_in=4, c_out=8, k=3, steps=200)
    assert errors["standard"] < 1e-3
    assert errors["separable"] > 0.5 and errors["separable_svd"] > 0.5
    assert errors["separable"] == pytest.approx(errors["separable_svd"], abs=0.05)
    # far fewer degrees of freedom: 3*3*4 + 4*8 = 68 numbers instead of 3*3*4*8 = 288
    assert depthwise_separable_params(4, 8, 3) == 68 and standard_conv_params(4, 8, 3) == 288


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(c_in=0), ValueError, "c_in must be a positive int"),
    (dict(k=2.5), TypeError, "k must be a positive int"),
    (dict(steps=-1), ValueError, "steps must be an int >= 0"),
])
def test_fit_to_standard_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        fit_to_standard(**kwargs)
    with pytest.raises(ValueError, match=r"weight must be a conv weight tensor"):
        nearest_separable(torch.zeros(3, 3))
