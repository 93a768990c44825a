"""Notebooks 01 and 02 as stored: the numbers in the prose hold, and each notebook has the parts a lesson
needs (exercises of every kind, predictions before measurements, instructor-only answers)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.counting import conv_macs, count_parameters, patch_stats
from convmixer_lab.data import sample_photo
from convmixer_lab.exercises import EXERCISES, nb01, nb02  # noqa: F401  (importing them registers their exercises)
from convmixer_lab.model import ConvMixer
from convmixer_lab.receptive import convmixer_receptive_field, inputs_seen
from convmixer_lab.separable import combined_weight, fit_to_standard
from tests.helpers import cell_output

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


NB01, NB02 = NOTEBOOKS / "01_patch_embedding.ipynb", NOTEBOOKS / "02_depthwise_vs_pointwise.ipynb"


def photo_tensor() -> torch.Tensor:
    return torch.from_numpy(sample_photo()).permute(2, 0, 1).float().div(255).unsqueeze(0)


def test_numbers_in_notebook_01_prose():
    stats = patch_stats(3, 768, 7, 224)
    assert (stats["grid"], stats["patches"], stats["values_per_patch"]) == (32, 1024, 147)
    assert stats["stem_conv_params"] == 113_664 and stats["stem_macs"] == 115_605_504
    on_patches = conv_macs(768, 768, 9, 32, 32, groups=768) + conv_macs(768, 768, 1, 32, 32)
    on_pixels = conv_macs(768, 768, 9, 224, 224, groups=768) + conv_macs(768, 768, 1, 224, 224)
    assert on_pixels == 49 * on_patches and 224 * 224 == 50_176
    assert (3 * 224 * 224, 768 * 32 * 32) == (150_528, 786_432)
    assert [round(v, 3) for v in F.gelu(torch.tensor([-3.0, -1.0, 0.0, 1.0, 3.0])).tolist()] == [
        -0.004, -0.159, 0.0, 0.841, 2.996]


def test_notebook_02_receptive_field_is_clipped_by_the_photo_from_d_4():
    torch.manual_seed(0)
    net = ConvMixer(8, 4, kernel_size=9, patch_size=7, num_classes=0).eval()
    widths = [int(inputs_seen(nn.Sequential(net.patch_embedding, *net.mixer_layers[:d]), photo_tensor(),
                              16, 16).any(dim=0).sum()) for d in (3, 4)]
    assert widths == [175, 224] and convmixer_receptive_field(4, 9, 7) == (33, 231)


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
def test_exercise_mechanics_are_explained_before_the_first_exercise(path):
    nb = cells(path)
    first = next(i for i, c in enumerate(nb) if c["cell_type"] == "code" and "exercise(" in source(c))
    before = "\n".join(source(c) for c in nb[:first] if c["cell_type"] == "markdown")
    assert "ex.predict(" in before and "ex.hint()" in before and "ex.solution()" in before


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


def test_notebook_02_shows_why_weights_and_outputs_are_apart_by_about_the_same():
    """The weight gap of 02.2's cell and the fit's output gap both read 85% at k = 3: the notebook prints
    both for the fit's own target and inputs, and the output gap is the fit's SVD line, recomputed."""
    out = cell_output(NB02, "x_fit = torch.randn(")
    weights, outputs = re.findall(r"(\d+\.\d)% apart", out)
    svd = re.search(r"the fit's SVD line above: (\d+\.\d)%", out).group(1)
    assert outputs == svd and weights != outputs and abs(float(weights) - float(outputs)) < 1
    fit = cell_output(NB02, "fit_to_standard(c_in=8")
    assert f"separable, closest weights by SVD: {svd}% error" in fit
    trained = re.search(r"separable layer, trained: +(\d+\.\d)% error", fit).group(1)
    why = " ".join(source(next(c for c in cells(NB02) if "on average the square" in source(c))).split())
    assert float(trained) < float(svd) and f"{trained}% against {svd}%" in why  # fitted to the outputs
    assert trained == weights and f"the weight gap's {weights}% is a coincidence" in why
    assert f"misses the standard weight by {round(float(weights))}%" in cell_output(NB02, "k_try = 3")
    nb = cells(NB02)
    order = [next(i for i, c in enumerate(nb) if marker in source(c))
             for marker in ("fit_to_standard(c_in=8", "x_fit = torch.randn(",
                            "on average the square", "k_try = 3")]
    assert order == sorted(order)  # measured, explained, then the exercise uses it
    assert f"that cell's {weights}% rounded to {round(float(weights))}%" in " ".join(
        source(next(c for c in nb if source(c).startswith("**Exercise 02.2"))).split())


def test_notebook_02_draws_the_rank_1_kernels_and_checks_them_against_a_standard_conv():
    out = cell_output(NB02, "plot.rank_one_kernels(")
    assert out.splitlines() == ["drawn kernels == the standard conv's weight[:, 0]: True",
                                "each drawn kernel == P[o, 0] * D[0]: True",
                                "standard conv built from them == depthwise then pointwise: True"]
    nb = cells(NB02)
    figure = next(i for i, c in enumerate(nb) if "plot.rank_one_kernels(" in source(c))
    rank = next(i for i, c in enumerate(nb) if "matrix_rank" in source(c))
    combined = next(i for i, c in enumerate(nb) if "W_sep = combined_weight(" in source(c))
    assert combined < figure < rank  # drawn once W_sep exists, before the rank is measured
