"""Bad input to the model, the counting and receptive-field functions, notebook 06's width search and
the widget builders: one clear error, of the right type, that names the argument (and says how to fix
it where there is a fix), before any work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convmixer_lab import ConvMixer
from convmixer_lab import counting as c
from convmixer_lab import receptive as r
from convmixer_lab import widgets as w
from convmixer_lab.compare import closest_width
from convmixer_lab.data import to_tensor
from convmixer_lab.tables import format_table


def small_model() -> ConvMixer:
    torch.manual_seed(0)
    return ConvMixer(8, 1, 3, 7, num_classes=10, in_channels=1)


def image(dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(2, 1, 28, 28, dtype=dtype)


# (id, call, error type, words the message must hold: the argument, and the fix where there is one)
BAD_INPUTS = [
    # the model's input: dtype (students pass uint8 pixels), then shape
    ("uint8 pixels", lambda: small_model()(image(torch.uint8)), TypeError,
     ["x has dtype torch.uint8", "x.float() / 255", "convmixer_lab.data.to_tensor"]),
    ("int64 pixels", lambda: small_model()(image(torch.int64)), TypeError,
     ["x has dtype torch.int64", "x.float() / 255"]),
    ("bool mask", lambda: small_model()(image(torch.bool)), TypeError,
     ["x has dtype torch.bool", "x.float()"]),
    ("float64 input, float32 model", lambda: small_model()(image(torch.float64)), TypeError,
     ["x has dtype torch.float64", "weights are torch.float32", "x.float()", "model.double()"]),
    ("float32 input, float64 model", lambda: small_model().double()(image(torch.float32)), TypeError,
     ["x has dtype torch.float32", "weights are torch.float64", "x.double()", "model.float()"]),
    ("float16 input", lambda: small_model()(image(torch.float16)), TypeError,
     ["x has dtype torch.float16", "x.float()", "model.half()"]),
    ("uint8 through forward_features", lambda: small_model().forward_features(image(torch.uint8)), TypeError,
     ["x has dtype torch.uint8", "x.float() / 255"]),
    ("numpy images", lambda: small_model()(np.zeros((2, 1, 28, 28), np.float32)), TypeError,
     ["x must be a torch.Tensor"]),
    ("no batch dimension", lambda: small_model()(torch.zeros(1, 28, 28)), ValueError,
     ["x must have 4 dimensions", "x.unsqueeze(0)"]),
    ("model: block", lambda: ConvMixer(8, 1, block="seed"), ValueError,
     ["block must be one of 'paper', 'tutorial'"]),
    ("model: residual of the tutorial's block", lambda: ConvMixer(8, 1, block="tutorial", residual=False),
     ValueError, ["residual=False exists for block='paper' only"]),
    ("model: num_classes", lambda: ConvMixer(8, 1, num_classes=-1), ValueError,
     ["num_classes must be an int >= 0", "0 means no classifier"]),
    # counting functions
    ("conv_macs: groups", lambda: c.conv_macs(256, 512, 3, 16, 16, groups=3), ValueError,
     ["groups=3 must divide both c_in=256 and c_out=512", "choose one of 1, 2, 4"]),
    ("conv_macs: out_h", lambda: c.conv_macs(3, 8, 3, 0, 16), ValueError, ["out_h must be a positive int"]),
    ("conv_macs: k float", lambda: c.conv_macs(3, 8, 3.0, 16, 16), TypeError, ["k must be a positive int"]),
    ("conv_counts: groups", lambda: c.conv_counts(6, 9, 3, 2), ValueError,
     ["groups=2 must divide both c_in=6 and c_out=9", "choose one of 1, 3"]),
    ("conv_counts: c_out", lambda: c.conv_counts(8, -1, 3), ValueError, ["c_out must be a positive int"]),
    ("patch_stats: patch larger than image", lambda: c.patch_stats(patch_size=32, image_size=28), ValueError,
     ["patch_size=32 is larger than the 28-pixel image", "choose patch_size <= 28"]),
    ("patch_stats: in_channels", lambda: c.patch_stats(in_channels=0), ValueError,
     ["in_channels must be a positive int"]),
    ("patch_stats: image_size str", lambda: c.patch_stats(image_size="224"), TypeError,
     ["image_size must be a positive int"]),
    ("stage_table: image_size 0", lambda: c.stage_table(small_model(), 0), ValueError,
     ["image_size must be a positive int", "a pair (H, W)"]),
    ("stage_table: image_size triple", lambda: c.stage_table(small_model(), (28, 28, 1)), ValueError,
     ["image_size must be an int or a pair (H, W)"]),
    ("stage_table: image_size float pair", lambda: c.stage_table(small_model(), (28.0, 28)), TypeError,
     ["image_size[0] must be a positive int"]),
    ("stage_table: smaller than a patch", lambda: c.stage_table(small_model(), (28, 5)), ValueError,
     ["image_size (28, 5) is smaller than one patch", "at least 7"]),
    ("stage_table: not a ConvMixer", lambda: c.stage_table(torch.nn.Linear(2, 2)), TypeError,
     ["model must be a ConvMixer"]),
    ("total_macs: image_size None", lambda: c.total_macs(small_model(), None), TypeError,
     ["image_size must be a positive int"]),
    ("format_table: not rows", lambda: format_table([1, 2]), TypeError,
     ["rows must be a non-empty list of Stage rows", "stage_table(model)"]),
    ("format_table: empty", lambda: format_table([]), TypeError, ["rows must be a non-empty list"]),
    ("measured_shapes: uint8", lambda: c.measured_shapes(small_model(), image(torch.uint8)), TypeError,
     ["x has dtype torch.uint8", "x.float() / 255"]),
    ("measured_shapes: not a model", lambda: c.measured_shapes("model", image(torch.float32)), TypeError,
     ["model must be a ConvMixer"]),
    ("convmixer_params: block", lambda: c.convmixer_params(8, 1, block="Paper"), ValueError,
     ["block must be one of 'paper', 'tutorial', got 'Paper'"]),
    ("convmixer_macs: image smaller than a patch", lambda: c.convmixer_macs(8, 1, 3, 7, image_size=5),
     ValueError,
     ["image_size (5, 5) is smaller than one patch (patch_size=7)", "at least 7"]),
    ("convmixer_macs: depth", lambda: c.convmixer_macs(8, 0), ValueError, ["depth must be a positive int"]),
    # notebook 06's width search: an impossible setting is refused before the search (it looped forever)
    ("closest_width: kernel_size 0", lambda: closest_width("convmixer", dict(dim=8, depth=4, kernel_size=0)),
     ValueError, ["kernel_size must be a positive int", "got 0"]),
    ("closest_width: depth -1", lambda: closest_width("convmixer", dict(dim=8, depth=-1)), ValueError,
     ["depth must be a positive int"]),
    ("closest_width: ViT heads 0", lambda: closest_width("vit", dict(dim=8, depth=2, heads=0)), ValueError,
     ["heads must be a positive int"]),
    ("closest_width: config not a dict", lambda: closest_width("vit", [8, 2]), TypeError,
     ["config must be a dict of vit arguments"]),
    ("convmixer_params: num_classes", lambda: c.convmixer_params(8, 1, num_classes=1.5), TypeError,
     ["num_classes must be an int >= 0"]),
    ("convmixer_receptive_field: depth", lambda: r.convmixer_receptive_field(-1), ValueError,
     ["depth must be an int >= 0", "0 means the stem alone"]),
    ("receptive_field: an int, not a list", lambda: r.receptive_field(3), TypeError,
     ["kernel_sizes must be a list of ints", "[3, 3, 3]"]),
    ("depthwise_params: c", lambda: c.depthwise_params(True, 3), TypeError, ["c must be a positive int"]),
    # widget builders: a start value outside a slider's range is refused, not silently clamped
    ("patch_size_explorer: patch_size", lambda: w.patch_size_explorer(patch_size=100), ValueError,
     ["patch_size must be at most 64", "slider runs from 1 to 64"]),
    ("patch_size_explorer: patch over image", lambda: w.patch_size_explorer(patch_size=40, image_size=28),
     ValueError, ["patch_size=40 is larger than the 28-pixel image", "choose patch_size <= 28"]),
    ("patch_size_explorer: dim", lambda: w.patch_size_explorer(dim=4), ValueError,
     ["dim must be an int >= 8", "slider runs from 8 to 1536"]),
    ("conv_param_explorer: groups", lambda: w.conv_param_explorer(groups=3), ValueError,
     ["groups=3 must divide both c_in=256 and c_out=512"]),
    ("conv_param_explorer: k", lambda: w.conv_param_explorer(k=2.5), TypeError,
     ["k must be a positive int", "slider runs from 1 to 15"]),
    ("receptive_field_explorer: depth", lambda: w.receptive_field_explorer(depth=9), ValueError,
     ["depth must be at most 8", "slider runs from 0 to 8"]),
    ("receptive_field_explorer: patch_size", lambda: w.receptive_field_explorer(patch_size=100), ValueError,
     ["patch_size must be at most 56", "photo must hold a few patches"]),
]


@pytest.mark.parametrize("call, error, words", [row[1:] for row in BAD_INPUTS],
                         ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_refused_in_one_clear_line(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_the_table_is_long_enough():
    assert len(BAD_INPUTS) >= 15


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float64])
def test_dtype_is_refused_before_any_tensor_work(dtype):
    model = small_model()
    calls = []
    model.patch_embedding.register_forward_pre_hook(lambda *a: calls.append(1))
    with pytest.raises(TypeError):
        model(image(dtype))
    assert calls == []


def test_the_fixes_the_messages_give_work():
    model = small_model().eval()
    pixels = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    assert model(pixels.float() / 255).shape == (2, 10)
    assert model(to_tensor(pixels.numpy()[:, 0])).shape == (2, 10)
    x64 = torch.rand(2, 1, 28, 28, dtype=torch.float64)
    assert model(x64.float()).dtype == torch.float32
    assert model.double()(x64).dtype == torch.float64


def test_meta_device_models_still_take_meta_inputs():
    with torch.device("meta"):
        model = ConvMixer(16, 2, 5, 14)
        out = model(torch.empty(2, 3, 224, 224))
        with pytest.raises(TypeError, match="x has dtype torch.uint8"):
            model(torch.empty(2, 3, 224, 224, dtype=torch.uint8))
    assert out.shape == (2, 1000) and out.device.type == "meta"
