"""Notebook 06's peers: closed-form parameter and MAC counts equal the modules' own, shapes, the
Transformer layers used, and bad arguments rejected with the argument named."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from convmixer_lab.counting import count_parameters
from convmixer_lab.peers import (
    MLPMixer,
    ResNet,
    ViT,
    mixer_macs,
    mixer_params,
    resnet_macs,
    resnet_params,
    vit_macs,
    vit_params,
)

IMAGES = [dict(num_classes=10, in_channels=1, image_size=28),
          dict(num_classes=3, in_channels=3, image_size=30)]
VIT_GRID = [dict(dim=d, depth=L, patch_size=p, heads=hd, mlp_ratio=r, **img) for d, L, p, hd, r, img
            in itertools.product([4, 12], [1, 2], [4, 7], [1, 4], [1.0, 2.5], IMAGES)]
MIXER_GRID = [dict(dim=d, depth=L, patch_size=p, token_mlp_ratio=t, channel_mlp_ratio=c, **img)
              for d, L, p, t, c, img
              in itertools.product([4, 10], [1, 2], [4, 7], [0.5, 1.0], [2.0, 4.0], IMAGES)]
RESNET_GRID = [dict(width=w, depth=L, stages=s, num_classes=n, in_channels=c) for w, L, s, (n, c)
               in itertools.product([1, 4, 8], [1, 2], [1, 2, 3], [(10, 1), (3, 3)])]


def constructor_args(config: dict) -> dict:
    """The formulas take image_size; the ResNet module does not need it."""
    return {k: v for k, v in config.items() if k != "image_size"}


@pytest.mark.parametrize("config", VIT_GRID)
def test_vit_params_formula_equals_module(config):
    model = ViT(**config)
    assert vit_params(**config) == count_parameters(model)
    assert model.config == config  # every constructor argument, so ViT(**model.config) rebuilds it


@pytest.mark.parametrize("config", MIXER_GRID)
def test_mixer_params_formula_equals_module(config):
    model = MLPMixer(**config)
    assert mixer_params(**config) == count_parameters(model)
    assert model.config == config


@pytest.mark.parametrize("config", RESNET_GRID)
def test_resnet_params_formula_equals_module(config):
    model = ResNet(**config)
    assert resnet_params(**config) == count_parameters(model)
    assert model.config == config


def counted_macs(model: nn.Module, shape: tuple[int, ...]) -> int:
    """An independent count: PyTorch's own FlopCounterMode over one forward pass of one image
    (convolutions, matrix products; the math attention backend so Q K^T and A V show up as bmm;
    train mode so the Transformer's fused inference path is not taken). FLOPs = 2 x MACs."""
    model.train()
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(torch.zeros(shape))
    assert counter.get_total_flops() % 2 == 0
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("config", [VIT_GRID[0], VIT_GRID[13], VIT_GRID[-1],
                                    dict(dim=36, depth=3, patch_size=4, heads=4, mlp_ratio=4.0)])
def test_vit_macs_equal_counted(config):
    c, s = config.get("in_channels", 1), config.get("image_size", 28)
    assert vit_macs(**config) == counted_macs(ViT(**config), (1, c, s, s))


@pytest.mark.parametrize("config", [MIXER_GRID[0], MIXER_GRID[21], MIXER_GRID[-1], dict(dim=36, depth=4)])
def test_mixer_macs_equal_counted(config):
    c, s = config.get("in_channels", 1), config.get("image_size", 28)
    assert mixer_macs(**config) == counted_macs(MLPMixer(**config), (1, c, s, s))


@pytest.mark.parametrize("image_size", [28, 29, 8])
@pytest.mark.parametrize("config", [RESNET_GRID[0], RESNET_GRID[17], RESNET_GRID[-1],
                                    dict(width=13, depth=1, stages=3)])
def test_resnet_macs_equal_counted(config, image_size):
    c = config.get("in_channels", 1)
    assert resnet_macs(**config, image_size=image_size) == counted_macs(ResNet(**config),
                                                                        (1, c, image_size, image_size))


def test_vit_macs_by_hand():
    # h=8, d=1, p=7 on 28x28: T=16 tokens, m=16; heads do not change the count
    t, h, m = 16, 8, 16
    by_hand = 49 * h * t + (3 * h * h * t + 2 * t * t * h + h * h * t + 2 * h * m * t) + h * 10
    assert vit_macs(8, 1, 7, heads=1, mlp_ratio=2.0) == vit_macs(8, 1, 7, heads=8, mlp_ratio=2.0) == by_hand


@pytest.mark.parametrize("model", [ViT(16, 2), MLPMixer(16, 2), ResNet(8, 1)],
                         ids=["vit", "mlpmixer", "resnet"])
def test_output_is_n_by_10(model):
    out = model(torch.randn(5, 1, 28, 28))
    assert out.shape == (5, 10)
    assert torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_vit_uses_pytorch_pre_norm_gelu_layers_and_fast_path_agrees():
    model = ViT(16, 2, heads=4, mlp_ratio=2.0)
    for layer in model.layers:
        assert isinstance(layer, nn.TransformerEncoderLayer)
        assert layer.norm_first and layer.self_attn.batch_first and layer.self_attn.num_heads == 4
        assert layer.activation_relu_or_gelu == 2  # GELU
        assert layer.linear1.out_features == 32
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        train_out = model.train()(x)  # dropout is 0, so train mode computes the same function
        eval_out = model.eval()(x)    # (eval may take PyTorch's fused inference path)
    torch.testing.assert_close(train_out, eval_out, rtol=1e-4, atol=1e-5)


def test_position_embedding_matters_and_tokens_follow_the_patch_grid():
    model = ViT(8, 1, patch_size=7).eval()
    assert model.pos_embed.shape == (1, 16, 8)
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        before = model(x)
        model.pos_embed.zero_()
        after = model(x)
    assert not torch.allclose(before, after)


def test_resnet_stages_halve_the_grid():
    model = ResNet(4, 2, stages=3)
    strides = [block.conv1.stride[0] for block in model.blocks]
    widths = [block.conv2.out_channels for block in model.blocks]
    assert strides == [1, 1, 2, 1, 2, 1] and widths == [4, 4, 8, 8, 16, 16]
    assert isinstance(model.blocks[0].shortcut, nn.Identity)
    assert isinstance(model.blocks[2].shortcut, nn.Sequential)  # projection where the shape changes
    features = model.blocks(model.stem(torch.zeros(1, 1, 28, 28)))
    assert features.shape == (1, 16, 7, 7)


@pytest.mark.parametrize("build,error,match", [
    (lambda: ViT(10, 1, heads=4), ValueError, "heads=4 must divide dim=10"),
    (lambda: ViT(0, 1), ValueError, "dim must be a positive int"),
    (lambda: ViT(8, 1.5), TypeError, "depth must be a positive int"),
    (lambda: ViT(8, 1, mlp_ratio=0), ValueError, "mlp_ratio must be > 0"),
    (lambda: ViT(8, 1, patch_size=29), ValueError, "patch_size=29 is larger than the image"),
    (lambda: ViT(8, 1, image_size=True), TypeError, "image_size"),
    (lambda: vit_params(10, 1, heads=3), ValueError, "heads=3 must divide dim=10"),
    (lambda: MLPMixer(4, 1, token_mlp_ratio=0.1), ValueError, "token_mlp_ratio=0.1 times dim=4"),
    (lambda: MLPMixer(4, 1, channel_mlp_ratio=float("nan")), ValueError,
     "channel_mlp_ratio must be a finite"),
    (lambda: mixer_macs(4, 0), ValueError, "depth must be a positive int"),
    (lambda: ResNet(0, 1), ValueError, "width must be a positive int"),
    (lambda: ResNet(4, 1, stages=True), TypeError, "stages"),
    (lambda: resnet_macs(4, 1, image_size=0), ValueError, "image_size"),
])
def test_bad_arguments_name_the_argument(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_bad_inputs_are_refused_before_any_tensor_work():
    with pytest.raises(ValueError, match=r"shape \[N, 1, 28, 28\].*got \[2, 1, 32, 32\]"):
        ViT(8, 1)(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"in_channels=1.*got \[2, 3, 28, 28\]"):
        MLPMixer(8, 1)(torch.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match=r"shape \[N, 1, H, W\]"):
        ResNet(4, 1)(torch.zeros(1, 28, 28))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        ResNet(4, 1)(np.zeros((1, 1, 28, 28), dtype=np.float32))
    assert ResNet(4, 1)(torch.zeros(2, 1, 20, 24)).shape == (2, 10)  # any size, not only 28x28
