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
from convmixer_lab.exercises.build_check import CONFIG, SETTINGS, compare_with_package
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
    said = "not what you predicted - " if ex.kind == "predict" else "not quite - "
    assert ok is False and said in out, f"{key} accepted {answer!r} or gave no reason: {out!r}"
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
    assert EXERCISES["03.2"].answer == 36  # stride 3: a 6 x 6 output
    dw, pw = conv_macs(768, 768, 7, 32, 32, groups=768), conv_macs(768, 768, 1, 32, 32)
    assert nb03.DEPTHWISE_MAC_SHARE == round(100 * dw / (dw + pw), 1) == 6.0


@pytest.mark.parametrize("key,answer,reason", [
    ("03.1", 1_179_648, "that is groups=1"),         # ignores groups
    ("03.1", 1_179_648 / 16, "divided by groups twice"),
    ("03.1", 2_304, "depthwise convolution's count"),
    ("03.1", 294_913, "too large"),
    ("03.2", 256, "that is stride 1"),                # ran the cell without changing the stride
    ("03.2", 64, "that is stride 2"),
    ("03.2", 16, "that is stride 4"),
    ("03.2", 25, "without padding"),                  # (16 - 3) // 3 + 1 = 5
    ("03.2", 28.44, "not 16 / 3"),                    # 256 / 9
    ("03.2", 6, "that is the output's side"),
    ("03.2", 37, "too large"),
    ("03.3", 50, "do not cost the same"),
    ("03.3", 94.0, "the pointwise half's share"),
    ("03.3", 12.5, "too large"),
    ("03.3", 5.4, "too small"),
    ("03.3", 0.06, "give a percentage, not a fraction"),
    ("03.3", 0.94, "give a percentage, not a fraction"),
])
def test_03_near_misses_are_refused_with_a_reason(key, answer, reason, capsys):
    assert reason in refused_with(key, answer, capsys)


@pytest.mark.parametrize("key,answer", [("03.1", 294_912), ("03.2", 36.0), ("03.3", 6.0), ("03.3", 6.4)])
def test_03_right_answers_are_accepted(key, answer, capsys):
    accepted(key, answer, capsys)


@pytest.mark.parametrize("key", ["03.4", "03.5", "04.2", "04.3", "04.6"])
def test_choice_questions_explain_every_wrong_letter(key, capsys):
    ex = EXERCISES[key]
    assert len(ex.options) == 4 and set(ex.why_not) == set(ex.options) - {ex.answer}
    for letter, reason in ex.why_not.items():
        assert reason in refused_with(key, letter, capsys)
    assert "choose one of" in refused_with(key, "e", capsys)


CHOICES = ["03.4", "03.5", "04.2", "04.3", "04.6"]


@pytest.mark.parametrize("key", CHOICES)
def test_choice_options_do_not_give_the_answer_away_by_length(key):
    """The right option is neither much longer than the wrong ones nor the only one with an explanation
    (the explanation goes into the solution)."""
    ex = EXERCISES[key]
    right = len(ex.options[ex.answer])
    wrong = [len(text) for letter, text in ex.options.items() if letter != ex.answer]
    assert 0.8 * min(wrong) <= right <= 1.1 * max(wrong), (key, right, wrong)
    assert "(" not in ex.options[ex.answer]  # no parenthesised explanation in the right option


def test_choice_answers_are_not_always_the_same_letter():
    letters = [EXERCISES[key].answer for key in CHOICES]
    assert max(letters.count(letter) for letter in letters) <= 2, letters


def test_03_5_answer_is_what_the_intensities_show():
    """(a): batch 8 -> 64 raises the standard convolution's intensity a lot, not the depthwise one's."""
    assert nb03.intensity(64) > 1.5 * nb03.intensity(8)
    dw8, dw64 = nb03.intensity(8, groups=256, c_out=256), nb03.intensity(64, groups=256, c_out=256)
    assert abs(dw64 - dw8) < 0.01 and round(dw64, 1) == 1.1
    assert EXERCISES["03.5"].answer == "a" and EXERCISES["03.5"].kind == "experiment"


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
    """(c): the tutorial block's std roughly doubles from depth 8 to 32; the paper's stays at 1."""
    s8, s32 = nb04.seed_stds(8), nb04.seed_stds(32)
    assert s32[:8] == s8  # the same seed builds the same first 8 layers
    assert 1.6 < s32[-1] / s8[-1] < 2.6
    # the stored notebook prints these very numbers at depth = 8
    out = _cell_output(NB04, "for block in (\"paper\", \"tutorial\")")
    assert f"tutorial std after each layer: {' '.join(f'{v:.2f}' for v in s8)}" in out
    assert "paper    std after each layer: " + " ".join(["1.00"] * 8) in out


def test_04_5_ratio_comes_from_total_macs():
    assert nb04.MAC_RATIO_P14 == 3.95


# --- 04.4: build the model; the check says what differs ---------------------------------------------

def make(*, conv_bias=True, pw_bias=True, k=None, act=nn.GELU, bn_first=False, residual="depthwise",
         shared=False, pool="avg", gelu=True, stem_stride=None, padding="same", bn1=True, groups=None,
         depth=None, head_bias=True, softmax=False, flatten=True, head_in=None, norm=nn.BatchNorm2d,
         stem_in=None):
    """A builder of the paper's model (nn.Sequential) with one mistake switched on."""
    def build(dim, depth_, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        def post(bn=None):
            bn = bn or norm(dim)
            return [bn, act()] if bn_first else ([act()] if gelu else []) + [bn]

        def layer():
            dw = nn.Conv2d(dim, dim, k or kernel_size, groups=groups or dim, padding=padding, bias=conv_bias)
            bn = norm(dim)
            spatial = [dw] + (post(bn) if bn1 else [act()])
            pw = [nn.Conv2d(dim, dim, 1, bias=pw_bias)] + post(bn if shared else None)
            placements = {
                "depthwise": lambda: nn.Sequential(Residual(nn.Sequential(*spatial)), *pw),
                "both": lambda: Residual(nn.Sequential(*spatial, *pw)),
                "early": lambda: nn.Sequential(Residual(spatial[0]), *spatial[1:], *pw),
                "pointwise": lambda: nn.Sequential(*spatial, Residual(nn.Sequential(*pw))),
                "extra z'": lambda: nn.Sequential(Residual(nn.Sequential(*spatial)),
                                                  Residual(nn.Sequential(*pw))),
                "extra z": lambda: Residual(nn.Sequential(Residual(nn.Sequential(*spatial)), *pw)),
                "none": lambda: nn.Sequential(*spatial, *pw),
            }
            return placements[residual]()
        head = ([nn.AdaptiveAvgPool2d(1) if pool == "avg" else nn.AdaptiveMaxPool2d(1)] if pool else [])
        return nn.Sequential(
            nn.Conv2d(stem_in or in_channels, dim, patch_size, stride=stem_stride or patch_size), act(),
            norm(dim),
            *[layer() for _ in range(depth or depth_)], *head, *([nn.Flatten()] if flatten else []),
            nn.Linear(head_in(dim) if head_in else dim if pool else dim * 25, num_classes, bias=head_bias),
            *([nn.Softmax(dim=1)] if softmax else []))

    def with_keywords(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        return build(dim, depth, kernel_size, patch_size, num_classes, in_channels)
    return with_keywords


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
        self.layers = self.make_layers(dim, depth, kernel_size)

    def make_layers(self, dim, depth, kernel_size):
        return nn.Sequential(*[PaperLayer(dim, kernel_size) for _ in range(depth)])

    def forward(self, x):
        z = self.stem(x)
        for layer in self.layers:
            z = layer(z)
        return self.head(z.mean(dim=(2, 3)))


class ListModel(PaperModel):  # the layers in a plain Python list: invisible to PyTorch
    def make_layers(self, dim, depth, kernel_size):
        return [PaperLayer(dim, kernel_size) for _ in range(depth)]


class RepeatedModel(PaperModel):  # [layer] * depth: one layer object, depth times
    def make_layers(self, dim, depth, kernel_size):
        return nn.Sequential(*([PaperLayer(dim, kernel_size)] * depth))


class NoSuperLayer(PaperLayer):
    def __init__(self, dim, kernel_size):  # forgets super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")


class NoSuperModel(PaperModel):
    def make_layers(self, dim, depth, kernel_size):
        return nn.Sequential(*[NoSuperLayer(dim, kernel_size) for _ in range(depth)])


class LayersInForward(PaperModel):  # builds a new depthwise convolution at every call
    def forward(self, x):
        z = self.stem(x)
        for layer in self.layers:
            z = nn.Conv2d(z.shape[1], z.shape[1], 3, padding=1, groups=z.shape[1])(z)
            z = layer(z)
        return self.head(z.mean(dim=(2, 3)))


NEAR_MISSES = {  # name: (builder, words the feedback must contain)
    "residual around both convolutions": (make(residual="both"), "around both convolutions"),
    "no residual": (make(residual="none"), "the residual is missing"),
    "residual before BN1": (make(residual="early"), "added too early"),
    "residual around the pointwise half": (make(residual="pointwise"), "goes around the pointwise half"),
    "extra residual z' after BN2": (make(residual="extra z'"), "layer 0 adds z' (the pointwise"),
    "extra residual z after BN2": (make(residual="extra z"), "an extra residual: layer 0 adds its input z"),
    "one BatchNorm shared": (make(shared=True), "used twice"),
    "missing GELU": (make(gelu=False), "GELU is missing"),
    "GELU after BatchNorm": (make(bn_first=True), "GELU comes after"),
    "ReLU for GELU": (make(act=nn.ReLU), "uses GELU"),
    "no bias (depthwise)": (make(conv_bias=False), "has no bias"),
    "no bias (pointwise)": (make(pw_bias=False), "pointwise convolution has no bias"),
    "kernel size fixed at 9": (make(k=9), "use kernel_size"),
    "standard conv for depthwise": (make(groups=1), "groups=dim"),
    "no padding": (make(padding=0), "padding=\"same\""),
    "padding 3 for k = 5": (make(padding=3), "turns the 5x5 grid into 7x7"),
    "stem stride 1": (make(stem_stride=1), "has stride (1, 1), expected (3, 3)"),
    "missing BN1": (make(bn1=False), "first BatchNorm (BN1) is missing"),
    "depth ignored": (make(depth=1), "layer 1's depthwise convolution is missing"),
    "depth fixed at 2": (make(depth=2), "second setting (dim=6, depth=3"),
    "max pooling": (make(pool="max"), "AVERAGE pooling"),
    "no pooling, Linear sized for it": (make(pool=None), "pool the grid first"),
    "no pooling": (make(pool=None, head_in=lambda dim: dim),
                   "the classifier received shape [2, 200]; expected [2, 8]: average each channel"),
    "no pooling, no flatten": (make(pool=None, flatten=False, head_in=lambda dim: dim),
                               "received shape [2, 8, 5, 5]"),
    "pooling without flatten": (make(flatten=False), "flatten the pooled features"),
    "classifier without bias": (make(head_bias=False), "bias=True"),
    "softmax after the classifier": (make(softmax=True), "no softmax"),
    "BatchNorm1d": (make(norm=nn.BatchNorm1d), "use nn.BatchNorm2d(dim)"),
    "in_channels fixed at 3": (make(stem_in=3), "built for 3 input channels but receives 1"),
    "layers in a Python list": (ListModel, "layers kept in a Python list are invisible to PyTorch"),
    "[layer] * depth": (RepeatedModel, "the same layer object is used 2 times"),
    "no super().__init__()": (NoSuperModel, "make super().__init__() the first line"),
    "a layer created in forward": (LayersInForward, "not part of the model as PyTorch sees it"),
    "an instance, not the class": (PaperModel(**CONFIG), "pass the class itself"),
}


class Apply(nn.Module):  # a function between the layers, e.g. x * 2
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def edited(edit):
    """A builder of the paper's model as make() builds it (an nn.Sequential: stem conv, GELU, BN, the
    layers, pooling, flatten, Linear), with its list of modules changed by ``edit(modules, dim)``: it
    returns the new list, or None after changing the modules in place."""
    def build(dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        modules = list(make()(dim, depth, kernel_size, patch_size, num_classes, in_channels))
        return nn.Sequential(*(edit(modules, dim) or modules))
    return build


def _double(x):
    return 2 * x


def _dict_in_layer_0(m, dim):
    m[3].extra = {"a": nn.Conv2d(dim, dim, 1)}


def _pointwise(conv):
    def edit(m, dim):
        m[3][1] = conv(dim)
    return edit


def _dilated_depthwise(m, dim):
    m[3][0].fn[0] = nn.Conv2d(dim, dim, 5, groups=dim, padding="same", dilation=2)


NEAR_MISSES.update({  # the checker's other sentences (each is printed, so each has its Chinese)
    "not callable": (42, "expected a class or function that builds the model, got int"),
    "a plain dict in a layer": (edited(_dict_in_layer_0), "self.extra (in 3) is a plain Python dict"),
    "BatchNorm on the images first": (edited(lambda m, dim: [nn.BatchNorm2d(m[0].in_channels), *m]),
                                      "the stem convolution is missing: expected a convolution, found a "
                                      "BatchNorm"),
    "stem only": (edited(lambda m, dim: m[:3]), "found nothing more"),
    "a second Linear": (edited(lambda m, dim: [*m, nn.Linear(m[-1].out_features, 2)]), "runs another Linear"),
    "stem kernel 1": (edited(lambda m, dim: [nn.Conv2d(m[0].in_channels, dim, 1, stride=m[0].stride),
                                             *m[1:]]), "expected (8, 3, 3, 3): the stem is nn.Conv2d("),
    "pointwise kernel 3": (edited(_pointwise(lambda dim: nn.Conv2d(dim, dim, 3, padding=1))),
                           "a pointwise convolution is nn.Conv2d(dim, dim"),
    "pointwise in_channels dim + 1": (edited(_pointwise(lambda dim: nn.Conv2d(dim + 1, dim, 1))),
                                      "built for 9 input channels but receives 8 (input shape [2, 8, 5, 5]): "
                                      "every convolution after the stem maps dim channels to dim"),
    "BatchNorm2d(dim + 1)": (make(norm=lambda dim: nn.BatchNorm2d(dim + 1)),
                             "the stem BatchNorm is BatchNorm2d(9) but receives 8 channels"),
    "BatchNorm without affine": (make(norm=lambda dim: nn.BatchNorm2d(dim, affine=False)),
                                 "BatchNorm2d(8, affine=False), expected BatchNorm2d(8)"),
    "a GroupNorm too": (edited(lambda m, dim: [*m[:3], nn.GroupNorm(1, dim), *m[3:]]),
                        "parameters in GroupNorm"),
    "dilated depthwise": (edited(_dilated_depthwise), "gives a different output"),
    "images doubled": (edited(lambda m, dim: [Apply(_double), *m]), "should receive the images as they are"),
    "layer 0's input doubled": (edited(lambda m, dim: [*m[:3], Apply(_double), *m[3:]]),
                                "receives a different input than in the package's model; compare the order"),
    "pooled features doubled": (edited(lambda m, dim: [*m[:-1], Apply(_double), m[-1]]),
                                "should receive the average of each channel"),
    "classifier gets 3 numbers": (edited(lambda m, dim: [*m[:-1], Apply(lambda x: x[:, :3]), m[-1]]),
                                  "received shape [2, 3]; expected [2, 8], one vector of dim numbers"),
    "extra residual in the last layer": (edited(lambda m, dim: [*m[:-4], Residual(m[-4]), *m[-3:]]),
                                         "the last layer adds its input z again"),
})


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_build_check_names_what_differs(name, capsys):
    build, words = NEAR_MISSES[name]
    reason = compare_with_package(build)
    assert reason and words in reason, f"{name}: {reason!r}"
    # through the exercise: refused, with the same reason printed
    assert words in refused_with("04.4", build, capsys)


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


def test_04_4_hints_say_more_at_each_call(capsys):
    ex = exercise("04.4")
    ex.given = 0
    printed = []
    for _ in range(4):
        ex.hint()
        printed.append(capsys.readouterr().out)
    assert [p.splitlines()[0][:21] for p in printed] == [
        "Hint 1 of 3 for 04.4:", "Hint 2 of 3 for 04.4:", "Hint 3 of 3 for 04.4:", "Hint 3 of 3 for 04.4:"]
    assert "again for hint 2" in printed[0] and "last hint" in printed[2] and printed[3] == printed[2]
    # a nudge first (parts and shapes), the order inside a layer next, the full specification last
    assert "groups=dim" not in printed[0] + printed[1] and "groups=dim" in printed[2]
    assert "[N, dim, H/p, W/p]" in printed[0] and "GELU" not in printed[0] and "GELU" in printed[1]
    ex.given = 0


def _solution_lines(src: str) -> list[str]:
    marker = " # SOLUTION"
    return [line.rstrip()[: -len(marker)].rstrip() for line in src.splitlines()
            if line.rstrip().endswith(marker)]


def test_04_4_solution_prints_a_whole_answer_that_passes(capsys):
    namespace = {"nn": nn, "F": F}
    exec(nb04.SOLUTION_CODE, namespace)
    assert compare_with_package(namespace["MyConvMixer"]) is None
    exercise("04.4").solution()
    assert nb04.SOLUTION_CODE in capsys.readouterr().out
    # the notebook's solution lines are the printed solution's lines, in the same order
    (src,) = [c for c in _code_sources(NB04) if "class MyConvMixer(" in c]
    code_lines = iter(line.rstrip() for line in nb04.SOLUTION_CODE.splitlines())
    wanted = _solution_lines(src)
    assert len(wanted) >= 12 and all(line in code_lines for line in wanted)  # a subsequence


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
            assert "self.stem = ..." in source and "super().__init__()" not in source
            assert source.count("# first, as in every nn.Module: call nn.Module's own __init__") == 2
            with pytest.raises(NotAnswered):
                compare_with_package(namespace["MyConvMixer"])


def test_build_check_leaves_the_random_state_and_the_threads_alone():
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    compare_with_package(make(residual="both"))
    compare_with_package(nb04.paper_listing)
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == threads
    assert CONFIG["depth"] >= 2  # layer 0's residual placement is judged by layer 1's input


# --- the notebooks' shape ---------------------------------------------------------------------------

def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _code_sources(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]


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
    body = [line for line in src.splitlines() if in_a_body(line) and not line.strip().startswith("#")]
    assert len(body) >= 12 and all(line.rstrip().endswith("# SOLUTION") for line in body if line.strip())
    assert "ex.check(MyConvMixer)" in src


def test_04_has_one_big_run():
    """ConvMixer-1536/20 is built with real weights (and run) once; the shape trace uses the meta device."""
    sources = ["".join(c["source"]) for c in _cells(NB04) if c["cell_type"] == "code"]
    big = [s for s in sources if "ConvMixer(dim=1536" in s or "ConvMixer(1536" in s]
    assert sum("meta" not in s for s in big) == 1


def test_04_describes_the_checks_two_settings():
    text = "\n".join("".join(c["source"]) for c in _cells(NB04) if c["cell_type"] == "markdown")
    for config, _ in SETTINGS:
        assert (f"h = {config['dim']}, d = {config['depth']}, k = {config['kernel_size']}, "
                f"p = {config['patch_size']}, {config['num_classes']} classes, {config['in_channels']} input "
                "channel") in text
