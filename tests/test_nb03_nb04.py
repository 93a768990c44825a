"""Notebooks 03 and 04: every checker refuses near-miss answers WITH a reason, the expected answers
agree with real modules, the build-the-model check names what differs, and the notebooks have the
shape the course asks for (exercise kinds, blank student bodies, "Check your understanding")."""

import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab import ConvMixer
from convmixer_lab.counting import conv_macs, count_parameters
from convmixer_lab.exercises import EXERCISES, exercise, nb03, nb04
from convmixer_lab.exercises.build_check import CONFIG, compare_with_package
from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import Residual
from convmixer_lab.student import student_source

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NB03, NB04 = NOTEBOOKS / "03_parameter_count.ipynb", NOTEBOOKS / "04_full_model.ipynb"


def refused_with(key: str, answer, capsys) -> str:
    """Check ``answer`` (predict exercises: predict, then reveal the expected value); assert it is
    refused and return the printed reason."""
    ex = exercise(key)
    if ex.kind == "predict":
        ex.predict(answer)
        ok = ex.reveal(ex.answer)
    else:
        ok = ex.check(answer)
    out = capsys.readouterr().out
    assert ok is False and "not quite - " in out, f"{key} accepted {answer!r} or gave no reason: {out!r}"
    return out


def accepted(key: str, answer, capsys) -> None:
    ex = exercise(key)
    if ex.kind == "predict":
        ex.predict(answer)
        ok = ex.reveal(ex.answer)
    else:
        ok = ex.check(answer)
    assert ok is True, capsys.readouterr().out
    capsys.readouterr()


# --- Residual (model.py) --------------------------------------------------------------------------

def test_residual_adds_the_input_and_refuses_a_non_module():
    f = nn.Conv2d(3, 3, 3, padding="same")
    x = torch.randn(2, 3, 5, 5)
    assert torch.equal(Residual(f)(x), f(x) + x)
    assert list(Residual(f).parameters())[0] is f.weight  # f's parameters are the module's
    with pytest.raises(TypeError, match="fn must be a torch.nn.Module"):
        Residual(lambda t: t)


# --- 03: expected answers match real modules; near misses refused with a reason ----------------

def test_03_expected_answers_agree_with_real_modules():
    assert nb03.GROUPED_PARAMS == count_parameters(nn.Conv2d(256, 512, 3, groups=4, bias=False)) == 294_912
    for stride in (1, 2, 4):  # MACs per weight = output positions, measured on a real layer
        out = nn.Conv2d(256, 512, 3, stride=stride, padding=1, bias=False)(torch.zeros(1, 256, 16, 16))
        assert nb03.macs_per_weight(stride) == out.shape[2] * out.shape[3]
    assert EXERCISES["03.2"].answer == 16
    dw, pw = conv_macs(768, 768, 7, 32, 32, groups=768), conv_macs(768, 768, 1, 32, 32)
    assert nb03.DEPTHWISE_MAC_SHARE == round(100 * dw / (dw + pw), 1) == 6.0


@pytest.mark.parametrize("key,answer,reason", [
    ("03.1", 1_179_648, "that is groups=1"),         # ignores groups
    ("03.1", 1_179_648 / 16, "divided by groups twice"),
    ("03.1", 2_304, "depthwise convolution's count"),
    ("03.1", 294_913, "too large"),
    ("03.2", 256, "that is stride 1"),                # ran the cell without changing the stride
    ("03.2", 64, "that is stride 2"),
    ("03.2", 4, "that is the output's side"),
    ("03.2", 17, "too large"),
    ("03.3", 50, "do not cost the same"),
    ("03.3", 94.0, "the pointwise half's share"),
    ("03.3", 12.5, "too large"),
    ("03.3", 5.4, "too small"),
])
def test_03_near_misses_are_refused_with_a_reason(key, answer, reason, capsys):
    assert reason in refused_with(key, answer, capsys)


@pytest.mark.parametrize("key,answer", [("03.1", 294_912), ("03.2", 16.0), ("03.3", 6.0), ("03.3", 6.4)])
def test_03_right_answers_are_accepted(key, answer, capsys):
    accepted(key, answer, capsys)


@pytest.mark.parametrize("key", ["03.4", "03.5", "04.2", "04.3", "04.6"])
def test_choice_questions_explain_every_wrong_letter(key, capsys):
    ex = EXERCISES[key]
    assert len(ex.options) == 4 and set(ex.why_not) == set(ex.options) - {ex.answer}
    for letter, reason in ex.why_not.items():
        assert reason in refused_with(key, letter, capsys)
    assert "choose one of" in refused_with(key, "e", capsys)


def test_03_5_answer_is_what_the_intensities_show():
    """(c): batch 8 -> 64 raises the standard convolution's intensity a lot, not the depthwise one's."""
    assert nb03.intensity(64) > 1.5 * nb03.intensity(8)
    dw8, dw64 = nb03.intensity(8, groups=256, c_out=256), nb03.intensity(64, groups=256, c_out=256)
    assert abs(dw64 - dw8) < 0.01 and round(dw64, 1) == 1.1
    assert EXERCISES["03.5"].answer == "c" and EXERCISES["03.5"].kind == "experiment"


# --- 04: expected answers measured on real modules ------------------------------------------------

def test_04_1_fraction_is_what_a_real_batchnorm_does():
    assert nb04.running_mean_fraction() == pytest.approx(nb04.FRACTION, abs=1e-4)
    assert nb04.running_mean_fraction(steps=1) == pytest.approx(0.1)


@pytest.mark.parametrize("key,answer,reason", [
    ("04.1", 0.1, "after ONE call"),
    ("04.1", 1.0, "never quite arrives"),
    ("04.1", 0.35, "still LEFT"),
    ("04.1", 0.8, "too large"),
    ("04.5", 2, "p is a side length"),
    ("04.5", 16, "too large"),
    ("04.5", 3.0, "too small"),
])
def test_04_near_misses_are_refused_with_a_reason(key, answer, reason, capsys):
    assert reason in refused_with(key, answer, capsys)


@pytest.mark.parametrize("key,answer", [("04.1", 0.65), ("04.1", 0.66), ("04.5", 4), ("04.5", 3.95)])
def test_04_right_answers_are_accepted(key, answer, capsys):
    accepted(key, answer, capsys)


def test_04_3_answer_is_what_the_experiment_shows():
    """(b): the tutorial block's std roughly doubles from depth 8 to 32; the paper's stays at 1."""
    s8, s32 = nb04.seed_stds(8), nb04.seed_stds(32)
    assert s32[:8] == s8  # the same seed builds the same first 8 layers
    assert 1.6 < s32[-1] / s8[-1] < 2.6
    # the stored notebook prints these very numbers at depth = 8
    out = _cell_output(NB04, "for block in (\"paper\", \"seed\")")
    assert f"seed   std after each layer: {' '.join(f'{v:.2f}' for v in s8)}" in out
    assert "paper  std after each layer: " + " ".join(["1.00"] * 8) in out


def test_04_5_ratio_comes_from_total_macs():
    assert nb04.MAC_RATIO_P14 == 3.95


# --- 04.4: build the model; the check says what differs ---------------------------------------------

def make(*, conv_bias=True, pw_bias=True, k=None, act=nn.GELU, bn_first=False, residual="depthwise",
         shared=False, pool="avg", gelu=True, stem_stride=None, padding="same", bn1=True, groups=None,
         depth=None, head_bias=True, softmax=False):
    """A builder of the paper's model (nn.Sequential) with one mistake switched on."""
    def build(dim, depth_, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        def post(norm=None):
            norm = norm or nn.BatchNorm2d(dim)
            return [norm, act()] if bn_first else ([act()] if gelu else []) + [norm]

        def layer():
            dw = nn.Conv2d(dim, dim, k or kernel_size, groups=groups or dim, padding=padding, bias=conv_bias)
            norm = nn.BatchNorm2d(dim)
            spatial = [dw] + (post(norm) if bn1 else [act()])
            pw = [nn.Conv2d(dim, dim, 1, bias=pw_bias)] + post(norm if shared else None)
            if residual == "depthwise":
                return nn.Sequential(Residual(nn.Sequential(*spatial)), *pw)
            if residual == "both":
                return Residual(nn.Sequential(*spatial, *pw))
            if residual == "early":
                return nn.Sequential(Residual(spatial[0]), *spatial[1:], *pw)
            return nn.Sequential(*spatial, *pw)
        head = ([nn.AdaptiveAvgPool2d(1) if pool == "avg" else nn.AdaptiveMaxPool2d(1)] if pool else [])
        return nn.Sequential(
            nn.Conv2d(in_channels, dim, patch_size, stride=stem_stride or patch_size), act(),
            nn.BatchNorm2d(dim),
            *[layer() for _ in range(depth or depth_)], *head, nn.Flatten(),
            nn.Linear(dim if pool else dim * 25, num_classes, bias=head_bias),
            *([nn.Softmax(dim=1)] if softmax else []))

    def with_keywords(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        return build(dim, depth, kernel_size, patch_size, num_classes, in_channels)
    return with_keywords


NEAR_MISSES = {  # name: (builder, words the feedback must contain)
    "residual around both convolutions": (make(residual="both"), "around both convolutions"),
    "no residual": (make(residual="none"), "the residual is missing"),
    "residual before BN1": (make(residual="early"), "added too early"),
    "one BatchNorm shared": (make(shared=True), "used twice"),
    "missing GELU": (make(gelu=False), "GELU is missing"),
    "GELU after BatchNorm": (make(bn_first=True), "GELU comes after"),
    "ReLU for GELU": (make(act=nn.ReLU), "uses GELU"),
    "no bias (depthwise)": (make(conv_bias=False), "has no bias"),
    "no bias (pointwise)": (make(pw_bias=False), "pointwise convolution has no bias"),
    "kernel size fixed at 9": (make(k=9), "use kernel_size"),
    "standard conv for depthwise": (make(groups=1), "groups=dim"),
    "no padding": (make(padding=0), "padding=\"same\""),
    "stem stride 1": (make(stem_stride=1), "has stride (1, 1), expected (3, 3)"),
    "missing BN1": (make(bn1=False), "first BatchNorm (BN1) is missing"),
    "depth ignored": (make(depth=1), "layer 1's depthwise convolution is missing"),
    "max pooling": (make(pool="max"), "AVERAGE pooling"),
    "no pooling": (make(pool=None), "pool the grid first"),
    "classifier without bias": (make(head_bias=False), "bias=True"),
    "softmax after the classifier": (make(softmax=True), "return the logits"),
}


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_build_check_names_what_differs(name, capsys):
    build, words = NEAR_MISSES[name]
    reason = compare_with_package(build)
    assert reason and words in reason, f"{name}: {reason!r}"
    # through the exercise: refused, with the same reason printed
    assert words in refused_with("04.4", build, capsys)


class PaperLayer(nn.Module):  # a correct answer written as classes, with modules declared out of order
    def __init__(self, dim, kernel_size):
        super().__init__()
        self.norm2, self.norm1 = nn.BatchNorm2d(dim), nn.BatchNorm2d(dim)
        self.pointwise = nn.Conv2d(dim, dim, 1)
        self.depthwise = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")

    def forward(self, z):
        z = self.norm1(F.gelu(self.depthwise(z))) + z
        return self.norm2(F.gelu(self.pointwise(z)))


class PaperModel(nn.Module):
    def __init__(self, dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        super().__init__()
        self.head = nn.Linear(dim, num_classes)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, dim, patch_size, stride=patch_size), nn.GELU(),
                                  nn.BatchNorm2d(dim))
        self.layers = nn.Sequential(*[PaperLayer(dim, kernel_size) for _ in range(depth)])

    def forward(self, x):
        return self.head(self.layers(self.stem(x)).mean(dim=(2, 3)))


@pytest.mark.parametrize("build", [make(), nb04.paper_listing, PaperModel],
                         ids=["sequential", "listing", "classes"])
def test_build_check_accepts_correct_models_in_any_form(build, capsys):
    assert compare_with_package(build) is None
    accepted("04.4", build, capsys)


def test_build_check_refuses_the_package_itself_and_odd_answers(capsys):
    assert "package's ConvMixer" in refused_with("04.4", ConvMixer, capsys)
    assert "package's" in refused_with("04.4", lambda **cfg: ConvMixer(**cfg), capsys)
    assert "not an nn.Module" in refused_with("04.4", lambda **cfg: 12345, capsys)
    assert "raised TypeError" in refused_with("04.4", lambda dim, depth: nn.Identity(), capsys)

    class Broken(nn.Module):
        def __init__(self, **cfg):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            raise RuntimeError("boom")
    assert "raised RuntimeError: boom" in refused_with("04.4", Broken, capsys)


def test_build_check_blank_answer_is_not_answered_yet(capsys):
    class Blank(nn.Module):  # what the student copy holds: every body line a placeholder
        def __init__(self, dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
            ...

        def forward(self, x):
            return ...

    def blank_function(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        return ...

    for answer in (Blank, blank_function):
        with pytest.raises(NotAnswered):
            compare_with_package(answer)
        assert exercise("04.4").check(answer) is False
        assert "not answered yet" in capsys.readouterr().out


def test_build_check_on_the_notebooks_cell_and_its_student_copy():
    """The instructor's class passes; the student copy of the same cell (placeholders) is "not answered"."""
    (src,) = ["".join(c["source"]) for c in _cells(NB04) if c["cell_type"] == "code"
              and "class MyConvMixer(" in "".join(c["source"])]
    src = src.replace("ex.check(MyConvMixer)", "")
    for source, answered in ((src, True), (student_source(src), False)):
        namespace = {"nn": nn, "F": F}
        exec(source, namespace)
        if answered:
            assert compare_with_package(namespace["MyConvMixer"]) is None
        else:
            assert "self.stem = ..." in source
            with pytest.raises(NotAnswered):
                compare_with_package(namespace["MyConvMixer"])


def test_build_check_leaves_the_random_state_alone():
    state = torch.get_rng_state()
    compare_with_package(make(residual="both"))
    compare_with_package(nb04.paper_listing)
    assert torch.equal(torch.get_rng_state(), state)
    assert CONFIG["depth"] >= 2  # layer 0's residual placement is judged by layer 1's input


# --- the notebooks' shape ---------------------------------------------------------------------------

def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _cell_output(path: Path, marker: str) -> str:
    (cell,) = [c for c in _cells(path) if c["cell_type"] == "code" and marker in "".join(c["source"])]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


@pytest.mark.parametrize("path", [NB03, NB04], ids=lambda p: p.name)
def test_exercises_of_every_kind_and_predictions_before_measurements(path):
    sources = ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    assert {"predict", "experiment", "why"} <= {EXERCISES[k].kind for k in keys}
    for key in (k for k in keys if EXERCISES[k].kind == "predict"):
        start = next(i for i, s in enumerate(sources) if f'exercise("{key}")' in s)
        predict = next(i for i, s in enumerate(sources) if i > start and "ex.predict(" in s)
        reveal = next(i for i, s in enumerate(sources) if i > start and "ex.reveal(" in s)
        assert start < predict < reveal, f"{path.name} {key}: predict before the measuring cell"


@pytest.mark.parametrize("path", [NB03, NB04], ids=lambda p: p.name)
def test_check_your_understanding_then_instructor_answers(path):
    cells = _cells(path)
    i = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Check your understanding"))
    questions = re.findall(r"^\d+\. ", "".join(cells[i]["source"]), flags=re.M)
    assert 5 <= len(questions) <= 8
    answers = cells[i + 1]
    assert answers["cell_type"] == "markdown" and answers["metadata"].get("tags") == ["instructor"]
    assert len(re.findall(r"^\d+\. ", "".join(answers["source"]), flags=re.M)) == len(questions)
    assert sum("instructor" in c["metadata"].get("tags", []) for c in cells) == 1
    assert any("".join(c["source"]).startswith("## Summary") for c in cells[:i])


def test_04_build_exercise_leaves_every_body_line_blank_in_the_student_copy():
    (src,) = ["".join(c["source"]) for c in _cells(NB04) if c["cell_type"] == "code"
              and "class MyConvMixer(" in "".join(c["source"])]
    def in_a_body(line: str) -> bool:  # inside a method: deeper than the `def` lines
        return line.startswith("        ")
    body = [line for line in src.splitlines() if in_a_body(line)]
    assert len(body) >= 12 and all(line.rstrip().endswith("# SOLUTION") for line in body if line.strip())
    assert "ex.check(MyConvMixer)" in src


def test_04_has_one_big_run():
    """ConvMixer-1536/20 is built with real weights (and run) once; the shape trace uses the meta device."""
    sources = ["".join(c["source"]) for c in _cells(NB04) if c["cell_type"] == "code"]
    big = [s for s in sources if "ConvMixer(dim=1536" in s or "ConvMixer(1536" in s]
    assert sum("meta" not in s for s in big) == 1
