"""Notebooks 01 and 02: every checker refuses near misses with a reason, the experiments show what
their answers say, the numbers in the prose hold, and each notebook has the parts a lesson needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab import ConvMixerLayer
from convmixer_lab.counting import (
    conv_macs,
    count_parameters,
    inputs_seen,
    layers_to_see_all,
    patch_stats,
    receptive_field,
)
from convmixer_lab.data import sample_photo
from convmixer_lab.exercises import EXERCISES, exercise, nb01, nb02
from convmixer_lab.exercises.core import ChoiceExercise, PredictionExercise
from convmixer_lab.model import ConvMixer
from convmixer_lab.separable import combined_weight, fit_to_standard, nearest_separable, relative_error

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NB01, NB02 = NOTEBOOKS / "01_patch_embedding.ipynb", NOTEBOOKS / "02_depthwise_vs_pointwise.ipynb"


def verdict(key: str, answer, capsys) -> tuple[bool, str]:
    ok = exercise(key).check(answer)
    return ok, capsys.readouterr().out


def refused(key: str, answer, reason: str, capsys) -> None:
    """The checker of ``key`` refuses ``answer`` and says ``reason``."""
    ok, out = verdict(key, answer, capsys)
    assert not ok, f"{key} accepted the near miss {answer!r}"
    assert "not quite" in out and reason in out, out


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
    (2, "too large: MACs = (MACs per output value) x (number of output values)"),
    (0.5, "too small: MACs ="),
    ("1", "predict one number"),
])
def test_01_1_near_misses_are_explained(answer, reason, capsys):
    refused("01.1", answer, reason, capsys)


def test_01_1_predict_then_reveal(capsys):
    ex = exercise("01.1")
    assert isinstance(ex, PredictionExercise) and ex.kind == "predict"
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


def test_01_2_the_experiment_shows_what_answer_b_says():
    assert columns_kept(7) == 31 and columns_kept(14) == 30     # whole patches: the embedding moves
    assert columns_kept(3) == 0 and columns_kept(1) == 0        # anything else: every column changes
    ex = exercise("01.2")
    assert isinstance(ex, ChoiceExercise) and ex.kind == "experiment" and ex.answer == "b"
    assert "multiple of p" in ex.options["b"]


# --- choice questions: every wrong letter refused with its own reason ----------------------------------

@pytest.mark.parametrize("key", ["01.2", "01.3", "02.2", "02.4"])
def test_choice_questions_explain_every_wrong_option(key, capsys):
    ex = exercise(key)
    assert set(ex.why_not) == set(ex.options) - {ex.answer} and len(ex.options) >= 3
    for letter, reason in ex.why_not.items():
        refused(key, letter, reason, capsys)
        refused(key, f"({letter.upper()})", reason, capsys)
    refused(key, "z", "choose one of", capsys)
    assert verdict(key, ex.answer, capsys)[0]


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


def patchify_unfold_order(x, p):  # [N, C*p*p, L]: unfold's own layout, not transposed
    return F.unfold(x, p, stride=p)


@pytest.mark.parametrize("func, reason", [
    (patchify_channels_last, "its numbers are in the wrong order: flatten channel by channel"),
    (patchify_column_major, "the patches are in the wrong order: go along the grid row by row"),
    (patchify_reshape_only, "a reshape alone mixes pixels of different patches"),
    (patchify_unfold_order, "the result must be [N, L, C*p*p] = (1, 4, 147), got (1, 147, 4)"),
])
def test_01_4_near_misses_are_explained(func, reason, capsys):
    refused("01.4", func, reason, capsys)


def test_01_4_reference_and_placeholder(capsys):
    assert verdict("01.4", nb01._reference_patchify, capsys)[0]

    def blank(x, p):
        ...

    ok, out = verdict("01.4", blank, capsys)
    assert not ok and "not answered yet" in out


# --- 02.1 predict: one changed value through a ConvMixer layer -----------------------------------------

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
    assert verdict("02.1", [8, 9], capsys)[0]


@pytest.mark.parametrize("answer, reason", [
    ((1, 9), "channels: the depthwise step keeps the change in channel 2, but the pointwise step"),
    ((8, 1), "side: the depthwise 9x9 kernel spreads the value over 9x9 pixels"),
    ((8, 1), "(it would not stay at one pixel)"),
    ((8, 17), "the 1x1 pointwise step adds no width"),
    ((1, 1), "channels: the depthwise step"),
    (8, "predict a pair (output channels changed, side of the changed square in pixels)"),
    ((8, 9, 9), "predict a pair"),
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
    assert f"{gaps[3]:.0%}" == "85%"
    assert exercise("02.2").kind == "experiment" and exercise("02.2").answer == "a"


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
    assert verdict("02.3", 8, capsys)[0]


@pytest.mark.parametrize("answer, reason", [
    (4, "4 layers are enough for the centre patch, which is at most 16 patches from an edge"),
    (7, "after 7 layers the field reaches 7 * 4 = 28 patches to the right"),
    (16, "too many: each 9x9 layer widens the field by (k - 1) / 2 = 4 patches on each side"),
    (2, "too few: each 9x9 layer"),
    ("8", "predict a whole number of layers"),
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


@pytest.mark.parametrize("func, reason", [
    (pointwise_without_bias, "the bias is missing"),
    (pointwise_weight_not_transposed, "the weight is used the wrong way round"),
    (pointwise_channels_last, "got (1, 4, 4, 3) (channels last: move them back with permute(0, 3, 1, 2))"),
    (pointwise_wrong_values, "the values are not a per-pixel linear map"),
])
def test_02_5_near_misses_are_explained(func, reason, capsys):
    refused("02.5", func, reason, capsys)


# --- the numbers the prose states ------------------------------------------------------------------------

def test_numbers_in_notebook_01_prose():
    stats = patch_stats(3, 768, 7, 224)
    assert (stats["grid"], stats["patches"], stats["values_per_patch"]) == (32, 1024, 147)
    assert stats["stem_conv_params"] == 113_664 and stats["stem_macs"] == 115_605_504
    on_patches = conv_macs(768, 768, 9, 32, 32, groups=768) + conv_macs(768, 768, 1, 32, 32)
    on_pixels = conv_macs(768, 768, 9, 224, 224, groups=768) + conv_macs(768, 768, 1, 224, 224)
    assert on_pixels == 49 * on_patches and 224 * 224 == 50_176
    assert (3 * 224 * 224, 768 * 32 * 32) == (150_528, 786_432)


@pytest.mark.slow
def test_numbers_in_notebook_02_prose():
    threads = torch.get_num_threads()
    errors = fit_to_standard(c_in=8, c_out=16, k=3, steps=300, seed=0)  # the notebook's one call
    assert torch.get_num_threads() == threads  # it fits on one thread, then restores the setting
    assert errors["standard"] < 1e-4
    assert f"{errors['separable']:.0%}" == f"{errors['separable_svd']:.0%}" == "85%"
    separable = nn.Sequential(nn.Conv2d(8, 8, 3, groups=8, bias=False), nn.Conv2d(8, 16, 1, bias=False))
    assert count_parameters(separable) == 200 and count_parameters(nn.Conv2d(8, 16, 3, bias=False)) == 1152
    table = combined_weight(torch.randn(8, 1, 3, 3), torch.randn(16, 8, 1, 1))[:, 0].reshape(16, 9)
    assert torch.linalg.matrix_rank(table) == 1


# --- what each notebook must contain ------------------------------------------------------------------------

def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.mark.parametrize("path", [NB01, NB02], ids=lambda p: p.name)
def test_exercises_of_every_kind_and_predictions_before_measurements(path):
    code = [source(c) for c in cells(path) if c["cell_type"] == "code"]
    keys = [k for src in code for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    assert {"predict", "experiment", "why"} <= {EXERCISES[k].kind for k in keys}
    assert set(keys) == {k for k in EXERCISES if k.startswith(path.name[:2] + ".")}
    for key in keys:
        if EXERCISES[key].kind == "predict":  # the prediction is made before the cell that measures
            asked = next(i for i, src in enumerate(code) if f'exercise("{key}")' in src)
            predicted = next(i for i, src in enumerate(code) if i > asked and "ex.predict(" in src)
            revealed = next(i for i, src in enumerate(code) if i > asked and "ex.reveal(" in src)
            assert asked < predicted < revealed


@pytest.mark.parametrize("path", [NB01, NB02], ids=lambda p: p.name)
def test_check_your_understanding_with_answers_for_the_instructor_only(path):
    nb = cells(path)
    at = next(i for i, c in enumerate(nb) if source(c).startswith("## Check your understanding"))
    questions = re.findall(r"^\d+\. ", source(nb[at]), flags=re.M)
    assert 5 <= len(questions) <= 8
    answers = nb[at + 1]
    assert answers["cell_type"] == "markdown" and answers["metadata"].get("tags") == ["instructor"]
    assert len(re.findall(r"^\d+\. ", source(answers), flags=re.M)) == len(questions)
    tagged = [i for i, c in enumerate(nb) if "instructor" in c["metadata"].get("tags", [])]
    assert tagged == [at + 1]
    summary = next(i for i, c in enumerate(nb) if source(c).startswith("## Summary"))
    assert summary < at


@pytest.mark.parametrize("path", [NB01, NB02], ids=lambda p: p.name)
def test_the_smoothie_is_mapped_channels_to_kinds_of_fruit(path):
    intro = " ".join(source(cells(path)[0]).replace("\n>", " ").split())  # one line, no quote marks
    assert "让每种水果块自己先碎掉(空间混合)" in intro and "因为搅动而互相融合在一起(通道混合)" in intro
    assert "each kind of fruit breaks down on its own" in intro
    assert re.search(r"kinds of fruit\**\s+(are|as)\s+(the\s+)?\**channels", intro)
    assert "chop each piece" not in intro


def test_notebook_01_defines_notation_and_macs_before_using_them():
    nb = cells(NB01)
    notation = next(i for i, c in enumerate(nb) if source(c).startswith("## Notation"))
    text = source(nb[notation])
    assert all(s in text for s in ("ConvMixer-h/d", "| h |", "| d |", "| p |", "| k |", "**MACs.**"))
    first_mac_code = next(i for i, c in enumerate(nb)
                          if c["cell_type"] == "code" and re.search(r"conv_macs\(|macs\w* =", source(c)))
    assert notation < first_mac_code
    assert 'highlight=(13, 13)' in "".join(source(c) for c in nb if c["cell_type"] == "code")


def test_notebook_02_no_longer_claims_the_same_outputs():
    text = "\n".join(source(c) for c in cells(NB02) if c["cell_type"] == "markdown")
    assert "reaches the same outputs" not in text and "in two cheap steps" not in text
    assert "restricted" in text and "非常接近" in text
    code = "\n".join(source(c) for c in cells(NB02) if c["cell_type"] == "code")
    assert code.count("fit_to_standard(") == 1  # one call: it takes seconds
