"""The model against the paper: exact counts, a reference transcription, the tutorial's demo."""

import copy

import pytest
import torch
import torch.nn as nn

from convmixer_lab import ConvMixer, ConvMixerLayer, PatchEmbedding, TutorialConvMixerLayer
from convmixer_lab.counting import count_parameters


class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def paper_reference(dim, depth, kernel_size=9, patch_size=7, n_classes=1000, in_chans=3):
    """The paper's published ConvMixer, transcribed as a plain nn.Sequential."""
    return nn.Sequential(
        nn.Conv2d(in_chans, dim, kernel_size=patch_size, stride=patch_size),
        nn.GELU(),
        nn.BatchNorm2d(dim),
        *[nn.Sequential(
            Residual(nn.Sequential(
                nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same"),
                nn.GELU(),
                nn.BatchNorm2d(dim),
            )),
            nn.Conv2d(dim, dim, kernel_size=1),
            nn.GELU(),
            nn.BatchNorm2d(dim),
        ) for _ in range(depth)],
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
        nn.Linear(dim, n_classes),
    )


def copy_into_reference(ours: ConvMixer, ref: nn.Sequential) -> None:
    """Copy parameters and buffers across, in module order (both list them identically)."""
    src = list(ours.state_dict().values())
    dst_keys = list(ref.state_dict().keys())
    assert len(src) == len(dst_keys)
    ref.load_state_dict(dict(zip(dst_keys, src)))


@pytest.mark.parametrize("kernel_size,patch_size", [(9, 7), (4, 2), (3, 4)])
def test_paper_block_matches_published_code_train_and_eval(kernel_size, patch_size):
    torch.manual_seed(0)
    ours = ConvMixer(32, 3, kernel_size, patch_size, num_classes=10)
    ref = paper_reference(32, 3, kernel_size, patch_size, 10)
    # make BatchNorm statistics non-trivial so eval mode really uses them
    with torch.no_grad():
        for m in ours.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    copy_into_reference(ours, ref)
    # ConvMixer keeps its conv weights channels-last (a speed-up, see model.py); the published code
    # run with the same memory layout must give exactly our numbers, and in the default NCHW layout
    # the same numbers up to float rounding.
    ref_nchw = copy.deepcopy(ref)
    ref.to(memory_format=torch.channels_last)
    x = torch.randn(5, 3, 28, 30)
    ours.eval()
    ref.eval()
    ref_nchw.eval()
    assert torch.equal(ours(x), ref(x))
    torch.testing.assert_close(ours(x), ref_nchw(x), rtol=1e-5, atol=1e-6)
    ours.train()
    ref.train()
    out, expected = ours(x), ref(x)
    assert torch.equal(out, expected)
    torch.testing.assert_close(out, ref_nchw.train()(x), rtol=1e-5, atol=1e-5)
    # the running statistics moved identically too
    for a, b in zip(ours.state_dict().values(), ref.state_dict().values()):
        assert torch.equal(a, b)


def test_channels_last_weights_change_nothing_visible():
    torch.manual_seed(0)
    model = ConvMixer(16, 2, 5, 2, num_classes=10, in_channels=1)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    nhwc = lambda t: t.stride() == torch.empty(t.shape, memory_format=torch.channels_last).stride()
    assert all(nhwc(c.weight) for c in convs) and not nhwc(nn.Conv2d(1, 16, 2).weight)
    assert [tuple(c.weight.shape) for c in convs[1:3]] == [(16, 1, 5, 5), (16, 16, 1, 1)]
    assert list(model.state_dict())[:3] == ["patch_embedding.proj.weight", "patch_embedding.proj.bias",
                                            "patch_embedding.norm.weight"]
    # a checkpoint round trip keeps values and the fast layout
    clone = ConvMixer(16, 2, 5, 2, num_classes=10, in_channels=1)
    clone.load_state_dict(model.state_dict())
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(clone.eval()(x), model.eval()(x))
    assert all(nhwc(c.weight) for c in clone.modules() if isinstance(c, nn.Conv2d))


def test_parameter_counts_of_the_papers_models():
    assert count_parameters(ConvMixer(1536, 20, 9, 7)) == 51_625_960
    assert count_parameters(ConvMixer(1536, 20, 9, 7, block="tutorial")) == 51_564_520
    assert round(count_parameters(ConvMixer(768, 32, 7, 7)) / 1e6, 1) == 21.1
    assert round(count_parameters(ConvMixer(1024, 20, 9, 14)) / 1e6, 1) == 24.4


def test_tutorial_demo_runs_unchanged():
    model = ConvMixer(dim=1536, depth=20, kernel_size=9, patch_size=7, num_classes=1000)
    dummy_images = torch.randn(4, 3, 224, 224)
    with torch.no_grad():
        output = model(dummy_images)
    assert output.shape == torch.Size([4, 1000])


def test_features_and_head():
    model = ConvMixer(16, 2, 5, 7, num_classes=10).eval()
    x = torch.randn(2, 3, 224, 224)
    feats = model.forward_features(x)
    assert feats.shape == (2, 16, 32, 32)
    assert torch.equal(model.forward_head(feats), model(x))
    no_head = ConvMixer(16, 2, 5, 7, num_classes=0).eval()
    assert no_head(x).shape == (2, 16)
    assert not any(isinstance(m, nn.Linear) for m in no_head.modules())


def test_tutorial_layer_shares_one_batchnorm_and_updates_it_twice():
    layer = TutorialConvMixerLayer(8, 3)
    norms = [m for m in layer.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 1
    layer.train()
    layer(torch.randn(4, 8, 6, 6))
    assert norms[0].num_batches_tracked.item() == 2
    paper = ConvMixerLayer(8, 3).train()
    paper(torch.randn(4, 8, 6, 6))
    assert [m.num_batches_tracked.item() for m in paper.modules()
            if isinstance(m, nn.BatchNorm2d)] == [1, 1]
    assert count_parameters(paper) - count_parameters(layer) == 2 * 8


def test_tutorial_layer_residual_wraps_both_convolutions():
    torch.manual_seed(0)
    layer = TutorialConvMixerLayer(4, 3).eval()
    x = torch.randn(1, 4, 5, 5)
    inner = layer.norm(layer.activation(layer.pointwise_conv(
        layer.norm(layer.activation(layer.depthwise_conv(x))))))
    assert torch.equal(layer(x), inner + x)


def test_no_residual_layer_is_the_paper_layer_minus_its_residual():
    torch.manual_seed(0)
    paper = ConvMixerLayer(6, 3)
    for bn in (paper.norm1, paper.norm2):  # non-trivial running statistics and affine parameters
        bn.running_mean.uniform_(-1, 1), bn.running_var.uniform_(0.5, 2)
        bn.weight.data.uniform_(0.5, 1.5), bn.bias.data.uniform_(-0.5, 0.5)
    nores = ConvMixerLayer(6, 3, residual=False)
    nores.load_state_dict(paper.state_dict())
    paper.eval(), nores.eval()
    z = torch.randn(2, 6, 5, 5)
    with torch.no_grad():
        y = paper.norm1(paper.act1(paper.depthwise(z)))
        torch.testing.assert_close(nores(z), paper.norm2(paper.act2(paper.pointwise(y))), rtol=0, atol=0)
        torch.testing.assert_close(paper(z), paper.norm2(paper.act2(paper.pointwise(y + z))), rtol=0, atol=0)
        assert not torch.allclose(nores(z), paper(z))
    assert count_parameters(nores) == count_parameters(paper)


def test_no_residual_model_starts_from_the_same_weights():
    config = dict(dim=8, depth=3, kernel_size=3, patch_size=4, num_classes=10, in_channels=1)
    torch.manual_seed(5)
    plain = ConvMixer(**config)
    torch.manual_seed(5)
    nores = ConvMixer(**config, residual=False)
    assert [layer.residual for layer in nores.mixer_layers] == [False] * 3
    assert [layer.residual for layer in plain.mixer_layers] == [True] * 3
    assert plain.state_dict().keys() == nores.state_dict().keys()
    assert all(torch.equal(plain.state_dict()[k], nores.state_dict()[k]) for k in plain.state_dict())
    assert nores.mixer_layers[0].depthwise.weight.is_contiguous(memory_format=torch.channels_last)
    # the config rebuilds the model; the course's models keep the keys their checkpoints store
    assert nores.config == {**plain.config, "residual": False} and "residual" not in plain.config
    assert ConvMixer(**nores.config).mixer_layers[0].residual is False


@pytest.mark.parametrize("kernel_size", [1, 2, 3, 4, 8, 9])
@pytest.mark.parametrize("in_channels,hw", [(1, (28, 28)), (3, (35, 21)), (3, (7, 7))])
def test_shapes_odd_even_kernels_nonsquare_inputs(kernel_size, in_channels, hw):
    model = ConvMixer(8, 2, kernel_size, 7, num_classes=5, in_channels=in_channels).eval()
    x = torch.randn(2, in_channels, *hw)
    assert model.forward_features(x).shape == (2, 8, hw[0] // 7, hw[1] // 7)
    assert model(x).shape == (2, 5)


def test_patch_embedding_shape():
    assert PatchEmbedding(64, 7)(torch.randn(1, 3, 224, 224)).shape == (1, 64, 32, 32)


@pytest.mark.parametrize("kwargs,exc,words", [
    (dict(dim=0, depth=1), ValueError, "dim"),
    (dict(dim=-3, depth=1), ValueError, "dim"),
    (dict(dim=8, depth=0), ValueError, "depth"),
    (dict(dim=8, depth=1, kernel_size=0), ValueError, "kernel_size"),
    (dict(dim=8, depth=1, patch_size=0), ValueError, "patch_size"),
    (dict(dim=8, depth=1, in_channels=0), ValueError, "in_channels"),
    (dict(dim=8, depth=1, num_classes=-1), ValueError, "num_classes"),
    (dict(dim=8, depth=1, block="seed"), ValueError,
     "block must be one of 'paper', 'tutorial', got 'seed'"),
    (dict(dim=8, depth=1, block="tutorial", residual=False), ValueError,
     "residual=False exists for block='paper' only"),
    (dict(dim=8, depth=1, residual=0), TypeError, "residual must be True or False, got 0"),
    (dict(dim=8.0, depth=1), TypeError, "dim must be a positive int"),
    (dict(dim=8, depth="2"), TypeError, "depth must be a positive int"),
    (dict(dim=8, depth=True), TypeError, "depth"),
])
def test_bad_arguments_are_named(kwargs, exc, words):
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(")", r"\)")):
        ConvMixer(**kwargs)


@pytest.mark.parametrize("shape,words", [
    ((3, 28, 28), "4 dimensions"),
    ((1, 1, 28, 28), "in_channels=3"),
    ((1, 3, 6, 28), "smaller than one patch"),
])
def test_bad_input_tensors_are_refused_before_any_tensor_work(shape, words):
    model = ConvMixer(8, 1, 3, 7)
    calls = []
    model.patch_embedding.register_forward_pre_hook(lambda *a: calls.append(1))
    with pytest.raises(ValueError, match=words):
        model(torch.randn(*shape))
    assert calls == []


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match="torch.Tensor"):
        ConvMixer(8, 1)([[1.0]])
