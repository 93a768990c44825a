"""Notebook 04 as stored: its printed numbers are what the exercises compute, its build-the-model cell
passes the check (and its student copy is not answered), and it has the parts a lesson needs."""

import inspect
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab import ConvMixer
from convmixer_lab.counting import (
    convmixer_params,
    depthwise_separable_params,
    stage_table,
    standard_conv_params,
)
from convmixer_lab.exercises import EXERCISES, exercise, nb04
from convmixer_lab.exercises.build_check import SETTINGS, compare_with_package
from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import BLOCKS
from convmixer_lab.separable import fit_to_standard
from convmixer_lab.texts import set_language
from convmixer_lab.tools.student import student_source
from tests.helpers import assert_check_your_understanding, cell_output, cells, code_sources

NB04 = Path(__file__).resolve().parents[2] / "notebooks" / "04_full_model.ipynb"








def tutorial_stds(depth: int, dim: int = 16) -> list[float]:
    """Std of each tutorial layer's output, exactly as notebook 04's experiment cell."""
    x = torch.randn(4, dim, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = ConvMixer(dim, depth, kernel_size=3, patch_size=1, num_classes=0, in_channels=dim,
                        block="tutorial")
    stds = []
    with torch.no_grad():
        z = net.patch_embedding(x)
        for layer in net.mixer_layers:
            z = layer(z)
            stds.append(z.std().item())
    return stds


def test_04_3_answer_is_what_the_experiment_shows():
    """(c): the tutorial block's std grows a little more than twice from depth 8 to 32; the paper's: 1."""
    s8, s32 = tutorial_stds(8), tutorial_stds(32)
    assert s32[:8] == s8  # the same seed builds the same first 8 layers
    assert 2.0 < s32[-1] / s8[-1] < 2.4  # 04.3.solution: "a little more than twice"
    assert (s32[-1] / s8[-1]) ** 2 > 4  # "a bit faster" than variance in proportion to depth
    # 04.3.wrong.d: near 0.2 to 0.3, drifting down
    steps = [round(b, 2) - round(a, 2) for a, b in zip(s8, s8[1:])]
    assert all(0.18 < step < 0.33 for step in steps) and steps[-1] < steps[0]
    # the stored notebook prints these very numbers at depth = 8
    out = cell_output(NB04, f'for block in ("paper", "{BLOCKS[1]}")')
    assert re.search(rf"{BLOCKS[1]} +std after each layer: {' '.join(f'{v:.2f}' for v in s8)}", out)
    assert "paper    std after each layer: " + " ".join(["1.00"] * 8) in out


def _solution_lines(src: str) -> list[str]:
    marker = " # SOLUTION"
    return [line.rstrip()[: -len(marker)].rstrip() for line in src.splitlines()
            if line.rstrip().endswith(marker)]


def test_04_4_solution_prints_a_whole_answer_that_passes(capsys):
    namespace = {"nn": nn, "F": F}
    exec(nb04.SOLUTION_CODE, namespace)
    assert compare_with_package(namespace["MyConvMixer"]) is None
    for language in ("en", "zh"):  # the code is a field: printed as it is in both languages
        set_language(language)
        exercise("04.4").solution()
    set_language("en")
    out = capsys.readouterr().out
    assert out.count(nb04.SOLUTION_CODE) == 2 and "一种答案，写成两个类" in out
    # the notebook's solution lines are the printed solution's lines, in the same order
    (src,) = [c for c in code_sources(NB04) if "class MyConvMixer(" in c]
    code_lines = iter(line.rstrip() for line in nb04.SOLUTION_CODE.splitlines())
    wanted = _solution_lines(src)
    assert len(wanted) >= 12 and all(line in code_lines for line in wanted)  # a subsequence


def test_build_check_on_the_notebooks_cell_and_its_student_copy():
    """The instructor's class passes; the student copy of the same cell (placeholders) is "not answered"."""
    (src,) = [c for c in code_sources(NB04) if "class MyConvMixer(" in c]
    src = src.replace("ex.check(MyConvMixer)", "")
    for source, answered in ((src, True), (student_source(src), False)):
        namespace = {"nn": nn, "F": F}
        exec(source, namespace)
        if answered:
            assert compare_with_package(namespace["MyConvMixer"]) is None
        else:
            assert "self.stem = ..." in source and "super().__init__()" not in source
            assert source.count("# first, as in every nn.Module: call nn.Module's own __init__") == 2
            with pytest.raises(NotAnswered):
                compare_with_package(namespace["MyConvMixer"])


def test_exercises_of_every_kind_and_predictions_before_measurements():
    sources = code_sources(NB04)
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    assert {"predict", "experiment", "why"} <= {EXERCISES[k].kind for k in keys}
    for key in (k for k in keys if EXERCISES[k].kind == "predict"):
        start = next(i for i, s in enumerate(sources) if f'exercise("{key}")' in s)
        predict = next(i for i, s in enumerate(sources) if i > start and "ex.predict(" in s)
        reveal = next(i for i, s in enumerate(sources) if i > start and "ex.reveal(" in s)
        assert start < predict < reveal, f"{key}: predict before the measuring cell"


def test_check_your_understanding_then_instructor_answers():
    assert_check_your_understanding(NB04)


def test_04_build_exercise_leaves_every_body_line_blank_in_the_student_copy():
    (src,) = [c for c in code_sources(NB04) if "class MyConvMixer(" in c]
    body = [line for line in src.splitlines()  # inside a method: deeper than the `def` lines
            if line.startswith("        ") and not line.strip().startswith("#")]
    assert len(body) >= 12 and all(line.rstrip().endswith("# SOLUTION") for line in body if line.strip())
    assert "ex.check(MyConvMixer)" in src


def test_04_has_one_big_run():
    """ConvMixer-1536/20 is built with real weights (and run) once; the shape trace uses the meta device."""
    big = [s for s in code_sources(NB04) if "ConvMixer(dim=1536" in s or "ConvMixer(1536" in s]
    assert sum("meta" not in s for s in big) == 1


def test_04_describes_the_checks_two_settings():
    text = "\n".join("".join(c["source"]) for c in cells(NB04) if c["cell_type"] == "markdown")
    for config, _ in SETTINGS:
        assert (f"h = {config['dim']}, d = {config['depth']}, k = {config['kernel_size']}, "
                f"p = {config['patch_size']}, {config['num_classes']} classes, {config['in_channels']} input "
                "channel") in text


def test_04_shows_the_pointwise_half_has_no_skip_and_draws_both_blocks_where_it_compares_them():
    assert cell_output(NB04, "half_off.norm2.weight.zero_()") == (
        "BN2 with gamma = 0: the layer outputs all zeros: True\n")
    nb = cells(NB04)
    text = ["".join(c["source"]) for c in nb]
    section = {n: next(i for i, s in enumerate(text) if f"\n## {n}." in "\n" + s) for n in (4, 5, 6, 7)}
    assert "has no skip, so it cannot turn itself\n   off" in text[section[4]]
    assert section[5] < next(i for i, s in enumerate(text) if "half_off" in s) < section[6]
    assert section[6] < next(i for i, s in enumerate(text) if "plot.block_diagrams()" in s) < section[7]
    assert "the tutorial's one shared `norm` pale red and hatched" in text[section[6]]
    assert text[section[6]].index("**activations**") < text[section[6]].index("| BatchNorms |")
    assert '"layer 2 (index 1)" is the second layer' in text[next(i for i in range(section[7], len(text))
                                                                   if 'exercise("04.4")' in text[i]) - 1]


def _markdown(nb_path: Path, cell_id: str) -> str:
    return "".join(next(c["source"] for c in cells(nb_path) if c.get("id") == cell_id))


def test_04_prose_numbers_not_printed_by_a_cell():
    """The numbers sections 9 to 11, the summary and answer 5 state beyond what the cells print."""
    # answer 5: |GELU - ReLU| = |x| Phi(-|x|), largest 0.17 at x = -0.75 and +0.75; 0.159 at x = -1 and +1
    xs = torch.linspace(-4, 4, 801, dtype=torch.float64)
    gap = (F.gelu(xs) - F.relu(xs)).abs()
    for side in (xs < 0, xs > 0):
        i = gap[side].argmax()
        assert f"{gap[side][i].item():.2f}" == "0.17" and f"{abs(xs[side][i].item()):.2f}" == "0.75"
    assert all(f"{(F.relu(v) - F.gelu(v)).abs().item():.3f}" == "0.159" for v in torch.tensor([-1.0, 1.0]))
    assert "by up to about 0.17 at $x \\approx \\pm 0.75$" in _markdown(NB04, "c07804")
    # section 9: even 10 operations per value for each of the 5 element-wise steps: about 3% of a layer
    values = 1536 * 32 * 32
    layer_macs = stage_table(ConvMixer(1536, 20, kernel_size=9, patch_size=7).to("meta"), 224)[2].macs
    assert round(100 * 10 * 5 * values / layer_macs) == 3
    text = _markdown(NB04, "fbec929d")
    assert "even 10 operations\nper value for each step would be about 3% of a layer" in text
    # summary: p = 14 barely changes the parameters (52.3M instead of 51.6M)
    assert f"{convmixer_params(1536, 20, kernel_size=9, patch_size=14) / 1e6:.1f}M" == "52.3M"
    assert f"{convmixer_params(1536, 20, kernel_size=9, patch_size=7) / 1e6:.1f}M" == "51.6M"
    # section 11: fit_to_standard's layers (8 -> 16 channels, 3x3) have 200 and 1,152 weights
    defaults = inspect.signature(fit_to_standard).parameters
    c_in, c_out, k = (defaults[n].default for n in ("c_in", "c_out", "k"))
    assert (c_in, c_out, k) == (8, 16, 3)
    assert depthwise_separable_params(c_in, c_out, k) == 200 and standard_conv_params(c_in, c_out, k) == 1152
    assert "has 200 weights where a standard one has\n  1,152" in _markdown(NB04, "c07504")
