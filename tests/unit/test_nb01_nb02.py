"""Notebooks 01 and 02: every checker refuses near misses with a reason, the experiments show what
their answers say, the numbers in the prose hold, and each notebook has the parts a lesson needs."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab import ConvMixerLayer
from convmixer_lab.counting import conv_macs, count_parameters, mixer_layer_macs
from convmixer_lab.data import sample_photo
from convmixer_lab.exercises import exercise, nb01, nb02
from convmixer_lab.model import ConvMixer
from convmixer_lab.receptive import inputs_seen, layers_to_see_all, receptive_field
from convmixer_lab.separable import combined_weight, nearest_separable, relative_error
from convmixer_lab.texts import set_language


def verdict(key: str, answer, capsys) -> tuple[bool, str]:
    ok = exercise(key).check(answer)
    return ok, capsys.readouterr().out


def refused(key: str, answer, reason: str, capsys) -> None:
    """The checker of ``key`` refuses ``answer`` and says ``reason``."""
    ok, out = verdict(key, answer, capsys)
    assert not ok, f"{key} accepted the near miss {answer!r}"
    assert "not quite" in out and reason in out, out


def accepted(key: str, answer, capsys) -> None:
    ok, out = verdict(key, answer, capsys)
    assert ok and out == f"Exercise {key}: correct!\n", (answer, out)


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def photo_tensor() -> torch.Tensor:
    return torch.from_numpy(sample_photo()).permute(2, 0, 1).float().div(255).unsqueeze(0)


# --- 01.1 predict: the stem's MACs at p = 14 relative to p = 7 -----------------------------------------

def test_01_1_accepts_the_ratio_the_measuring_cell_measures(capsys):
    torch.manual_seed(0)
    x = photo_tensor()
    measured = {}
    for p in (7, 14):  # as the notebook measures: output values x MACs per value
        conv = nn.Conv2d(3, 768, kernel_size=p, stride=p)
        with torch.no_grad():
            measured[p] = conv(x).numel() * conv.weight[0].numel()
    assert measured[7] == conv_macs(3, 768, 7, 32, 32) == 115_605_504
    assert measured[14] / measured[7] == nb01.MAC_RATIO == 1.0
    assert verdict("01.1", 1, capsys)[0] and verdict("01.1", 1.0, capsys)[0]


@pytest.mark.parametrize("answer, reason", [
    (4.0, "there are 4 times fewer patches (16x16 instead of 32x32)"),      # only the bigger kernel
    (4, "each output value does cost 4 times more MACs"),
    (0.25, "there are 4 times fewer patches, but each output value costs 4 times more MACs"),
    (0.25, "A larger p does make the network faster, but through the layers after the stem: on the 16x16 "
           "grid each ConvMixer layer needs 4 times fewer MACs"),
    (2, "too large: MACs = (MACs per output value) x (number of output values)"),
    (0.5, "too small: MACs ="),
    ("1", "predict one number, MACs at p = 14 divided by MACs at p = 7, got str"),
    ([1.0], "predict one number, MACs at p = 14 divided by MACs at p = 7, got list"),
    (float("nan"), "expected a number, got NaN (not a number)"),
    (np.float32("nan"), "expected a number, got NaN (not a number)"),
    (np.float64(4.0), "each output value does cost 4 times more MACs"),
])
def test_01_1_near_misses_are_explained(answer, reason, capsys):
    refused("01.1", answer, reason, capsys)


@pytest.mark.parametrize("answer", [1, 1.0, np.float64(1.0), np.float32(1.0), np.int64(1), torch.tensor(1.0),
                                    torch.tensor(1, dtype=torch.int32), np.array(1.0), Fraction(1),
                                    Decimal("1")])
def test_01_1_the_right_number_is_right_in_any_numeric_type(answer, capsys):
    accepted("01.1", answer, capsys)


def test_01_1_the_layers_after_the_stem_are_what_a_larger_p_speeds_up():
    """What the cell after 01.1 prints, and what 01.1's feedback and solution say."""
    on_grid = {g: conv_macs(768, 768, 9, g, g, groups=768) + conv_macs(768, 768, 1, g, g) for g in (32, 16)}
    assert (on_grid[32], on_grid[16]) == (667_680_768, 166_920_192)
    assert on_grid == {g: mixer_layer_macs(768, 9, g) for g in (32, 16)}
    assert on_grid[32] // on_grid[16] == nb01.LAYER_RATIO == 4
    assert count_parameters(nn.Conv2d(3, 768, 14, stride=14)) == 452_352 == 4 * 113_664 - 3 * 768
    assert exercise("01.1").text("solution") == (
        "1: each output value costs 4x more (3*14*14 vs 3*7*7 MACs), and there are 4x fewer of them "
        "(256 vs 1,024 patches). Whenever p divides the image side, every pixel is used once per output "
        "channel: 3 * 224 * 224 * h MACs, whatever p. A larger p does make the network faster, but through "
        "the layers after the stem: on the 16x16 grid each ConvMixer layer needs 4 times fewer MACs.")


def test_01_1_predict_then_reveal(capsys):
    ex = exercise("01.1")
    assert ex.kind == "predict" and not ex.options
    try:
        ex.predict(4)
        assert ex.reveal(nb01.MAC_RATIO) is False
        ex.predict(1)
        assert ex.reveal(nb01.MAC_RATIO) is True
    finally:
        ex.prediction = None
    out = capsys.readouterr().out
    assert "you predicted 4, the cell measured 1.0" in out and "4 times fewer patches" in out
    assert out.rstrip().endswith("Exercise 01.1: your prediction was right.")


# --- 01.2 experiment: shifting the photo --------------------------------------------------------------

def columns_kept(shift: int, p: int = 7) -> int:
    """What the notebook's experiment cell counts: embedding columns that reappear unchanged."""
    torch.manual_seed(0)
    x, conv = photo_tensor(), nn.Conv2d(3, 16, kernel_size=p, stride=p)
    with torch.no_grad():
        emb, moved = conv(x), conv(torch.roll(x, shifts=shift, dims=3))
    step = shift // p
    return sum(torch.allclose(moved[..., c + step], emb[..., c], atol=1e-5) for c in range(32 - step))


def columns_kept_at_stride_1(shift: int, p: int = 7) -> tuple[int, int]:
    """The notebook's comparison: the same kernels at stride 1, (columns kept, columns compared)."""
    torch.manual_seed(0)
    x, conv = photo_tensor(), nn.Conv2d(3, 8, kernel_size=p)
    with torch.no_grad():
        out, moved = conv(x), conv(torch.roll(x, shifts=shift, dims=3))
    cols = out.shape[-1]
    kept = sum(torch.allclose(moved[..., c + shift], out[..., c], atol=1e-5) for c in range(cols - shift))
    return kept, cols - shift


def test_01_2_the_experiment_shows_what_answer_c_says():
    assert columns_kept(7) == 31 and columns_kept(14) == 30     # whole patches: the embedding moves
    assert columns_kept(3) == 0 and columns_kept(1) == 0        # anything else: every column changes
    assert columns_kept(10) == 0                                 # 1 patch + 3 pixels: changes too
    assert columns_kept_at_stride_1(3) == (215, 215) and columns_kept_at_stride_1(7) == (211, 211)
    ex = exercise("01.2")
    assert ex.options == "abcd" and ex.kind == "experiment" and ex.answer == "c"
    assert "multiple of p" in ex.text("option.c")


# --- choice questions: every wrong letter refused with its own reason ----------------------------------

@pytest.mark.parametrize("key", ["01.2", "01.3", "02.2", "02.4"])
def test_choice_questions_explain_every_wrong_option(key, capsys):
    ex = exercise(key)
    assert len(ex.options) >= 3
    for letter in ex.options.replace(ex.answer, ""):
        reason = ex.text(f"wrong.{letter}").rstrip(".")
        assert len(reason) > 40, reason
        refused(key, letter, reason, capsys)
        refused(key, f"({letter.upper()})", reason, capsys)
    for not_a_letter in ("z", ["a"], {"a": 1}, 3):  # one line, not a TypeError
        refused(key, not_a_letter, "choose one of a, b, c, d", capsys)
    accepted(key, ex.answer, capsys)
    accepted(key, f" ({ex.answer.upper()}) ", capsys)


def test_01_3_the_options_it_rules_out_are_false():
    assert receptive_field([3, 3, 3]) == 7  # (b): both see a 7x7 square
    stack_macs = conv_macs(3, 64, 3, 224, 224) + 2 * conv_macs(64, 64, 3, 224, 224)
    assert stack_macs > conv_macs(3, 768, 7, 32, 32)  # (c): the 3x3 stack costs more
    assert exercise("01.3").kind == "why"


# --- 01.4 write patchify ---------------------------------------------------------------------------------

def patchify_channels_last(x, p):  # each patch flattened pixel by pixel (RGB, RGB, ...)
    n, c, h, w = x.shape
    return x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1).reshape(n, -1, c * p * p)


def patchify_column_major(x, p):  # patches in column-major order
    n, c, h, w = x.shape
    return x.reshape(n, c, h // p, p, w // p, p).permute(0, 4, 2, 1, 3, 5).reshape(n, -1, c * p * p)


def patchify_reshape_only(x, p):  # the right shape, without gathering the patches
    n, c, h, w = x.shape
    return x.reshape(n, (h // p) * (w // p), c * p * p)


def patchify_unfold_layout(x, p):  # [N, C*p*p, L]: unfold's layout, not transposed
    n, c, h, w = x.shape
    return x.reshape(n, c, h // p, p, w // p, p).permute(0, 1, 3, 5, 2, 4).reshape(n, c * p * p, -1)


def patchify_with_unfold(x, p):  # the right numbers, through the shortcut the exercise rules out
    return F.unfold(x, p, stride=p).transpose(1, 2)


def patchify_with_tensor_unfold(x, p):
    n, c, h, w = x.shape
    tiles = x.unfold(2, p, p).unfold(3, p, p)  # [N, C, H/p, W/p, p, p]
    return tiles.permute(0, 2, 3, 1, 4, 5).reshape(n, -1, c * p * p)


def patchify_with_a_convolution(x, p):  # one-hot kernels copy each pixel of a patch: a convolution
    c = x.shape[1]
    eye = torch.eye(c * p * p).reshape(c * p * p, c, p, p)
    return F.conv2d(x, eye, stride=p).flatten(2).transpose(1, 2)


@pytest.mark.parametrize("func, reason", [
    (patchify_channels_last, "its numbers are in the wrong order: flatten channel by channel"),
    (patchify_column_major, "the patches are in the wrong order: go along the grid row by row"),
    (patchify_reshape_only, "a reshape alone mixes pixels of different patches"),
    (patchify_unfold_layout, "the result must be [N, L, C*p*p] = (1, 4, 147), got (1, 147, 4)"),
    (patchify_with_unfold, "your function calls unfold: the exercise asks you to cut the patches yourself"),
    (patchify_with_tensor_unfold, "your function calls unfold"),
    (patchify_with_a_convolution, "your function calls conv2d"),
])
def test_01_4_near_misses_are_explained(func, reason, capsys):
    refused("01.4", func, reason, capsys)


def test_01_4_shortcuts_give_the_right_numbers_so_only_the_rule_refuses_them():
    x = torch.randn(2, 3, 14, 21)
    want = F.unfold(x, 7, stride=7).transpose(1, 2)
    for shortcut in (patchify_with_unfold, patchify_with_tensor_unfold, patchify_with_a_convolution):
        assert torch.allclose(shortcut(x, 7), want)
    assert torch.equal(nb01._reference_patchify(x, 7), want)


def patchify_zeroing_its_input(x, p):  # zeros of the right shape, and x zeroed so that unfold(x) agrees
    n, c, h, w = x.shape
    x.zero_()
    return torch.zeros(n, (h // p) * (w // p), c * p * p)


def test_01_4_an_answer_that_changes_its_input_in_place_does_not_pass(capsys):
    x = torch.randn(1, 3, 14, 14)
    got = patchify_zeroing_its_input(x, 7)
    assert torch.equal(got, F.unfold(x, 7, stride=7).transpose(1, 2))  # a reference computed afterwards
    refused("01.4", patchify_zeroing_its_input, "the shape is right but the rows are not x's patches", capsys)


def test_01_4_reference_and_placeholder(capsys):
    accepted("01.4", nb01._reference_patchify, capsys)
    accepted("01.4", lambda x, p: nb01._reference_patchify(x.double(), p), capsys)  # judged by value

    def blank(x, p):
        ...

    ok, out = verdict("01.4", blank, capsys)
    assert not ok and "not answered yet" in out


# --- 02.1 predict: one changed value through a ConvMixer layer -----------------------------------------

def test_02_1_in_training_mode_the_change_reaches_the_whole_map():
    """The notebook's "Why .eval()?" cell: batch statistics spread one change over the whole map."""
    torch.manual_seed(0)
    layer = ConvMixerLayer(8, kernel_size=9).train()
    z = torch.randn(1, 8, 32, 32)
    z_one = z.clone()
    z_one[0, 2, 16, 16] += 1.0
    with torch.no_grad():
        diff = (layer(z_one) - layer(z)).abs()[0] > 0
    assert bool(diff.all())  # 8 of 8 channels over 32x32 positions


def test_02_1_the_measurement_gives_the_expected_footprint(capsys):
    torch.manual_seed(0)
    layer = ConvMixerLayer(8, kernel_size=9).eval()
    z = torch.randn(1, 8, 32, 32)
    z_one = z.clone()
    z_one[0, 2, 16, 16] += 1.0
    with torch.no_grad():
        diff = (layer(z_one) - layer(z)).abs()[0] > 0
    rows, cols = diff.any(dim=0).nonzero().unbind(1)
    measured = (int(diff.any(dim=(1, 2)).sum()), int(cols.max() - cols.min()) + 1)
    assert int(rows.max() - rows.min()) + 1 == measured[1]
    assert measured == nb02.FOOTPRINT == (8, 9)
    for answer in ([8, 9], (np.int64(8), 9), np.array([8, 9]), torch.tensor([8, 9]), torch.Size([8, 9]),
                   (8.0, 9.0)):
        accepted("02.1", answer, capsys)


@pytest.mark.parametrize("answer, reason", [
    ((1, 9), "channels: the depthwise step keeps the change in channel 2, but the pointwise step"),
    ((8, 1), "the depthwise 9x9 kernel already spreads it over 9x9 pixels; the 1x1 pointwise step adds no"),
    ((8, 1), "side: the change does not stay at one pixel"),
    ((8, 17), "the 1x1 pointwise step adds no width"),
    ((8, 32), "the whole 32x32 map changes only in training mode"),
    ((1, 1), "channels: the depthwise step"),
    ((1, 17), "channels: the depthwise step keeps the change in channel 2, but the pointwise step after it "
              "mixes channel 2 into all 8 output channels; side: the depthwise 9x9 kernel spreads the value "
              "over 9x9 pixels, and the 1x1 pointwise step adds no width"),
    (8, "predict a pair (output channels changed, side of the changed square in pixels)"),
    ((8, 9, 9), "predict a pair"),
    ((8.9, 9.7), "predict a pair"),                  # not truncated to (8, 9)
    (("8", "9"), "predict a pair"),
    (np.array([8, 9, 9]), "predict a pair"),
    ((float("nan"), 9), "predict a pair"),
])
def test_02_1_near_misses_are_explained(answer, reason, capsys):
    refused("02.1", answer, reason, capsys)


# --- 02.2 experiment: the nearest separable weight as k changes -----------------------------------------

def test_02_2_the_experiment_shows_what_answer_a_says():
    gaps = {}
    for k in (1, 3, 5, 9):  # as the notebook's experiment cell computes it
        target = torch.randn(16, 8, k, k, generator=torch.Generator().manual_seed(0))
        gaps[k] = relative_error(combined_weight(*nearest_separable(target)), target)
    assert gaps[1] < 1e-6
    assert 0.8 < gaps[3] < gaps[5] < gaps[9] < 1
    assert f"{gaps[3]:.0%}" == "85%" and gaps == pytest.approx(nb02.GAPS)
    assert exercise("02.2").kind == "experiment" and exercise("02.2").answer == "a"


def test_the_separable_pair_has_200_parameters_but_192_independent_numbers():
    """Section 6's count: D[i] and P[:, i] can trade a scale, so the combined weight has rank 8*(16+9-1)."""
    g = torch.Generator().manual_seed(0)
    d, p = torch.randn(8, 1, 3, 3, generator=g), torch.randn(16, 8, 1, 1, generator=g)
    jac = torch.autograd.functional.jacobian(combined_weight, (d, p))  # d W_sep / d (D, P)
    flat = torch.cat([j.reshape(16 * 8 * 9, -1) for j in jac], dim=1)
    assert flat.shape == (1152, 200) and torch.linalg.matrix_rank(flat.double()).item() == 192


# --- 02.3 predict: the corner patch ------------------------------------------------------------------------

def test_02_3_the_measurement_gives_the_expected_depth(capsys):
    torch.manual_seed(0)
    layers = ConvMixer(8, 8, kernel_size=9, patch_size=7, num_classes=0).eval().mixer_layers
    z = torch.randn(1, 8, 32, 32)
    corner = {d: int(inputs_seen(layers[:d], z, 0, 0).sum()) for d in (7, 8)}
    centre = {d: int(inputs_seen(layers[:d], z, 16, 16).sum()) for d in (3, 4)}
    assert corner == {7: 29 * 29, 8: 1024} and centre == {3: 25 * 25, 4: 1024}
    assert nb02.CORNER_LAYERS == layers_to_see_all(32, 9, 0, 0) == 8
    assert nb02.CENTRE_LAYERS == layers_to_see_all(32, 9) == 4
    for answer in (8, 8.0, np.int64(8), torch.tensor(8), Fraction(8), Decimal(8)):
        accepted("02.3", answer, capsys)


@pytest.mark.parametrize("answer, reason", [
    (4, "4 layers are enough for the centre patch, which is at most 16 patches from an edge"),
    (7, "after 7 layers the field reaches 7 * 4 = 28 patches to the right"),
    (16, "too many: each 9x9 layer widens the field by (k - 1) / 2 = 4 patches on each side"),
    (2, "too few: each 9x9 layer"),
    ("8", "predict a whole number of layers, got str"),
    (7.5, "predict a whole number of layers, got float"),
    (np.float64(7.0), "after 7 layers the field reaches 7 * 4 = 28 patches"),
    (float("nan"), "expected a number, got NaN (not a number)"),
])
def test_02_3_near_misses_are_explained(answer, reason, capsys):
    refused("02.3", answer, reason, capsys)


# --- 02.5 write a pointwise convolution -----------------------------------------------------------------

def pointwise_without_bias(z, weight, bias):
    return (z.permute(0, 2, 3, 1) @ weight.T).permute(0, 3, 1, 2)


def pointwise_weight_not_transposed(z, weight, bias):
    return (z.permute(0, 2, 3, 1) @ weight + bias).permute(0, 3, 1, 2)


def pointwise_channels_last(z, weight, bias):
    return z.permute(0, 2, 3, 1) @ weight.T + bias


def pointwise_wrong_values(z, weight, bias):  # the right shape, nothing mixed
    return torch.zeros(z.shape[0], weight.shape[0], *z.shape[2:])


def pointwise_with_conv2d(z, weight, bias):  # the right numbers, through a convolution
    return F.conv2d(z, weight[:, :, None, None], bias)


def pointwise_with_a_conv_module(z, weight, bias):
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], 1)
    with torch.no_grad():
        conv.weight.copy_(weight[:, :, None, None])
        conv.bias.copy_(bias)
        return conv(z)


@pytest.mark.parametrize("func, reason", [
    (pointwise_without_bias, "the bias is missing"),
    (pointwise_weight_not_transposed, "the weight is used the wrong way round"),
    (pointwise_channels_last, "got (1, 4, 4, 3) (channels last: move them back with permute(0, 3, 1, 2))"),
    (pointwise_wrong_values, "the values are not a per-pixel linear map"),
    (pointwise_with_conv2d, "your function calls conv2d: the exercise asks for the per-pixel linear map"),
    (pointwise_with_a_conv_module, "your function calls conv2d"),
])
def test_02_5_near_misses_are_explained(func, reason, capsys):
    refused("02.5", func, reason, capsys)


def pointwise_zeroing_its_inputs(z, weight, bias):  # zeros, and z and bias zeroed so that conv2d agrees
    z.zero_()
    bias.zero_()
    return torch.zeros(z.shape[0], weight.shape[0], *z.shape[2:])


def test_02_5_an_answer_that_changes_its_inputs_in_place_does_not_pass(capsys):
    z, weight, bias = torch.randn(1, 3, 4, 4), torch.randn(3, 3), torch.randn(3)
    got = pointwise_zeroing_its_inputs(z, weight, bias)
    assert torch.equal(got, F.conv2d(z, weight[:, :, None, None], bias))  # a reference computed afterwards
    refused("02.5", pointwise_zeroing_its_inputs, "the values are not a per-pixel linear map", capsys)


def test_02_5_other_ways_without_a_convolution_are_accepted(capsys):
    def with_einsum(z, weight, bias):
        return torch.einsum("nchw,oc->nohw", z, weight) + bias[:, None, None]

    def with_linear(z, weight, bias):
        return F.linear(z.movedim(1, -1), weight, bias).movedim(-1, 1)

    def in_float64(z, weight, bias):
        return nb02._reference_pointwise(z.double(), weight.double(), bias.double())

    for answer in (with_einsum, with_linear, in_float64, nb02._reference_pointwise):
        accepted("02.5", answer, capsys)


# --- in Chinese ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, answer, says", [
    ("01.1", 4.0, "练习 01.1：还不对——每个输出值的 MACs 确实变成了 4 倍（3*14*14 而不是 3*7*7），"
                  "但图像块数原来是现在的 4 倍（16x16 而不是 32x32）。再试一次"),
    ("01.1", 2, "太大了：MACs = (每个输出值的 MACs) x (输出值的个数)"),
    ("01.3", "c", "三个 3x3 层的 MACs 是起始层的 32.8 倍"),
    ("01.4", patchify_unfold_layout,
     "x 的形状为 (1, 3, 14, 14)、p = 7 时，结果必须是 [N, L, C*p*p] = (1, 4, 147)"),
    ("02.1", (1, 17), "通道数：深度卷积让改动只留在通道 2，但它后面的逐点卷积会把通道 2 "
                      "混入全部 8 个输出通道；边长：深度卷积的 9x9 卷积核把这个值扩散到 9x9 个像素上"),
    ("02.2", "b", "单元格打印的是：k = 3 时为 85%，而 k = 1 时为 0%，k = 9 时为 94%"),
    ("02.3", 7, "7 层之后，感受野只向右延伸了 7 * 4 = 28 个图像块；而最后一列在 31 个图像块之外"),
    ("02.4", "c", "只有深度卷积那一项变成原来的 2.8 倍，从 20,736 增加到 57,600"),
    ("02.5", pointwise_channels_last,
     "你的是 (1, 4, 4, 3)（现在通道在最后一维：用 permute(0, 3, 1, 2) 把它们移回原位）"),
    ("02.5", pointwise_with_conv2d, "你的函数调用了 conv2d：这道练习要你亲手写出逐像素的线性映射"),
])
def test_feedback_in_chinese(key, answer, says, chinese, capsys):
    ok, out = verdict(key, answer, capsys)
    assert not ok and out.startswith(f"练习 {key}：还不对——") and says in out, out


def test_question_hint_and_solution_in_chinese(chinese, capsys):
    ex = exercise("02.3")
    ex.question()
    ex.hint()
    ex.solution()
    assert capsys.readouterr().out.splitlines() == [
        "练习 02.3：先预测，再运行。取 k = 9 和 p = 7，这时 32x32 网格正中的图像块经过 4 层就能看到整张图像。"
        "位于（行，列）= (0, 0) 的左上角图像块要经过多少层才能看到整张图像？",
        "练习 02.3 的提示：感受野每过一层，每一侧扩展 (k - 1) / 2 = 4 个图像块；但在边界附近，"
        "只有朝向图像内部的那一侧才算数。角落离最远的图像块有多远？",
        "练习 02.3 的解答：8：角上的图像块要向右、向下各覆盖 31 个图像块；每层扩展 4 个，"
        "需要 ceil(31 / 4) = 8 层（layers_to_see_all(32, 9, row=0, col=0)）。"]


# --- what each notebook must contain ------------------------------------------------------------------------


CHOICES = ["01.2", "01.3", "02.2", "02.4"]


def test_choice_answers_are_not_given_away_by_length_or_position():
    letters = [exercise(key).answer for key in CHOICES]
    assert len(set(letters)) >= 3, letters
    for key in CHOICES:
        ex = exercise(key)
        options = {letter: ex.text(f"option.{letter}") for letter in ex.options}
        longest = max(len(text) for text in options.values())
        assert len(options[ex.answer]) < longest or sum(
            len(text) == longest for text in options.values()) > 1, f"{key}: the answer is the longest option"
        assert max(map(len, options.values())) <= 1.3 * min(map(len, options.values())), key
