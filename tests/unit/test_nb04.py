"""Notebook 04: every checker refuses near-miss answers WITH a reason and judges answers by their value,
the expected answers agree with real modules, the build-the-model check (04.4) names what differs, and
the notebook has the shape the course asks for (exercise kinds, blank student bodies, "Check your
understanding")."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab import ConvMixer
from convmixer_lab.exercises import EXERCISES, exercise, nb04
from convmixer_lab.exercises.build_check import CONFIG, SETTINGS, compare_with_package, reference, trace
from convmixer_lab.exercises.core import NotAnswered
from convmixer_lab.model import Residual
from convmixer_lab.texts import set_language, t
from tests.helpers import accepted, refused_with

CHOICES = ["04.2", "04.3", "04.6"]








# --- choice questions ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", CHOICES)
def test_choice_questions_explain_every_wrong_letter(key, capsys):
    ex = EXERCISES[key]
    assert ex.options == "abcd" and ex.kind == {"04.3": "experiment"}.get(key, "why")
    for letter in ex.options.replace(ex.answer, ""):
        assert t(f"{key}.wrong.{letter}").rstrip(".") in refused_with(key, letter, capsys)
    accepted(key, f"({ex.answer.upper()})", capsys)
    for odd in ("e", [ex.answer], {ex.answer: 1}):  # not a letter: one line, no crash
        out = refused_with(key, odd, capsys)
        assert "choose one of a, b, c, d" in out and out.count("\n") == 1


@pytest.mark.parametrize("key", CHOICES)
def test_choice_options_do_not_give_the_answer_away_by_length(key):
    """The right option is neither much longer than the wrong ones nor the only one with an explanation
    (the explanation goes into the solution)."""
    ex = EXERCISES[key]
    right = len(t(f"{key}.option.{ex.answer}"))
    wrong = [len(t(f"{key}.option.{letter}")) for letter in ex.options if letter != ex.answer]
    assert 0.8 * min(wrong) <= right <= 1.1 * max(wrong), (key, right, wrong)
    assert "(" not in t(f"{key}.option.{ex.answer}")  # no parenthesised explanation in the right option


def test_choice_answers_are_not_always_the_same_letter():
    letters = [EXERCISES[key].answer for key in CHOICES]
    assert len(set(letters)) == len(letters), letters



def test_04_6_what_its_options_rest_on():
    """A state_dict names tensors, not module types, so weights load across GELU and ReLU (c is false);
    the outputs then differ (b is false); an eval-mode pass updates no running statistic (d is false)."""
    torch.manual_seed(0)
    released = ConvMixer(8, 2, kernel_size=3, patch_size=2, num_classes=4)
    for module in list(released.modules()):  # the released checkpoint's activations: ReLU
        for name, child in module.named_children():
            if isinstance(child, nn.GELU):
                setattr(module, name, nn.ReLU())
    released.train()(torch.randn(8, 3, 8, 8))  # running statistics measured with ReLU
    ours = ConvMixer(8, 2, kernel_size=3, patch_size=2, num_classes=4)
    assert not any("act" in key for key in released.state_dict())
    ours.load_state_dict(released.state_dict())  # strict: every name and shape matches
    x = torch.randn(4, 3, 8, 8)
    with torch.no_grad():
        before = {k: v.clone() for k, v in ours.state_dict().items()}
        assert not torch.allclose(ours.eval()(x), released.eval()(x))
        ours(x)
    assert all(torch.equal(before[k], v) for k, v in ours.state_dict().items())

# --- 04.1, 04.3, 04.5: expected answers measured on real modules; judged by value -------------------

def running_mean_fraction(steps: int = 10, momentum: float = 0.1) -> float:
    """The fraction of the batch mean a fresh BatchNorm2d's running mean reaches after ``steps`` calls."""
    g = torch.Generator().manual_seed(0)
    shift = torch.tensor([2.0, -1.0, 5.0], dtype=torch.float64).view(1, 3, 1, 1)  # channel means
    x = torch.randn(4, 3, 5, 5, generator=g, dtype=torch.float64) + shift
    norm = nn.BatchNorm2d(3, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        for _ in range(steps):
            norm(x)
    return (norm.running_mean / x.mean((0, 2, 3))).mean().item()


def test_04_1_fraction_is_what_a_real_batchnorm_does():
    assert running_mean_fraction() == pytest.approx(nb04.FRACTION, abs=1e-4)
    assert running_mean_fraction(steps=1) == pytest.approx(0.1)
    assert nb04.FRACTION + nb04.LEFT == pytest.approx(1)


@pytest.mark.parametrize("key,answer,reason", [
    ("04.1", 0.1, "0.1 is where it is after ONE call"),
    ("04.1", np.float32(0.1), "after ONE call"),
    ("04.1", 1.0, "never quite arrives"),
    ("04.1", 1, "never quite arrives"),
    ("04.1", 0.35, "0.9^10 = 0.35 is the part of the way still LEFT"),
    ("04.1", torch.tensor(0.35), "still LEFT"),
    ("04.1", 0.8, "too large"),
    ("04.1", 0.63, "too small"),
    ("04.1", float("nan"), "got NaN (not a number)"),
    ("04.1", "0.65", "expected a number, got str"),
    ("04.1", True, "expected a number, got bool"),
    ("04.5", 2, "p is a side length"),
    ("04.5", Fraction(2), "p is a side length"),
    ("04.5", 16, "too large"),
    ("04.5", 3.0, "too small"),
    ("04.5", np.array([3.95, 4.0]), "expected a number, got ndarray"),
])
def test_04_near_misses_are_refused_with_a_reason(key, answer, reason, capsys):
    assert reason in refused_with(key, answer, capsys)


@pytest.mark.parametrize("key,answer", [
    ("04.1", 0.65), ("04.1", 0.66), ("04.1", 0.6513), ("04.1", np.float64(0.65)), ("04.1", np.float32(0.65)),
    ("04.1", torch.tensor(0.65)), ("04.1", Fraction(13, 20)), ("04.1", Decimal("0.65")),
    ("04.5", 4), ("04.5", 3.95), ("04.5", np.int64(4)), ("04.5", torch.tensor(3.95, dtype=torch.float32)),
    ("04.5", np.array(3.95)),
])
def test_04_right_answers_are_accepted(key, answer, capsys):
    accepted(key, answer, capsys)


def test_04_1_and_04_5_tolerances():
    """04.1 is judged to two decimals (0.01), 04.5 within 5%: the edges on both sides."""
    ex1, ex5 = EXERCISES["04.1"], EXERCISES["04.5"]
    assert ex1.is_correct(nb04.FRACTION - 0.0099) and ex1.is_correct(nb04.FRACTION + 0.0099)
    assert not ex1.is_correct(nb04.FRACTION - 0.0101) and not ex1.is_correct(nb04.FRACTION + 0.0101)
    assert ex5.is_correct(3.95 * 0.96) and ex5.is_correct(3.95 * 1.04)
    assert not ex5.is_correct(3.95 * 0.94) and not ex5.is_correct(3.95 * 1.06)


def test_04_texts_show_the_computed_numbers(capsys):
    exercise("04.1").solution()
    exercise("04.5").solution()
    out = capsys.readouterr().out
    assert f"1 - 0.9^10 = {nb04.FRACTION:.2f}:" in out and f"About {nb04.MAC_RATIO_P14}:" in out


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
    "extra residual z' after BN2": (make(residual="extra z'"), "layer 1 (index 0) adds z' (the pointwise"),
    "extra residual z after BN2": (make(residual="extra z"), "residual: layer 1 (index 0) adds its input z"),
    "one BatchNorm shared": (make(shared=True), "used twice"),
    "missing GELU": (make(gelu=False), "GELU is missing"),
    "GELU after BatchNorm": (make(bn_first=True), "GELU comes after"),
    "ReLU for GELU": (make(act=nn.ReLU), "uses GELU"),
    "no bias (depthwise)": (make(conv_bias=False), "has no bias"),
    "no bias (pointwise)": (make(pw_bias=False), "pointwise convolution of layer 1 (index 0) has no bias"),
    "kernel size fixed at 9": (make(k=9), "use kernel_size"),
    "standard conv for depthwise": (make(groups=1), "groups=dim"),
    "no padding": (make(padding=0), "padding=\"same\""),
    "padding 3 for k = 5": (make(padding=3), "turns the 5x5 grid into 7x7"),
    "stem stride 1": (make(stem_stride=1), "has stride (1, 1), expected (3, 3)"),
    "missing BN1": (make(bn1=False), "the first BatchNorm (BN1) of layer 1 (index 0) is missing"),
    "depth ignored": (make(depth=1), "the depthwise convolution of layer 2 (index 1) is missing"),
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
    "layer 1's input doubled": (edited(lambda m, dim: [*m[:3], Apply(_double), *m[3:]]),
                                "receives a different input than in the package's model; compare the order"),
    "pooled features doubled": (edited(lambda m, dim: [*m[:-1], Apply(_double), m[-1]]),
                                "should receive the average of each channel"),
    "classifier gets 3 numbers": (edited(lambda m, dim: [*m[:-1], Apply(lambda x: x[:, :3]), m[-1]]),
                                  "received shape [2, 3]; expected [2, 8], one vector of dim numbers"),
    "extra residual in the last layer": (edited(lambda m, dim: [*m[:-4], Residual(m[-4]), *m[-3:]]),
                                         "the last layer adds its input z again"),
})


class AfterClassifier(nn.Module):  # the classifier's output as a 1 x 1 grid, then one more module
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x[:, :, None, None]).flatten(1)


def _after_classifier(module):
    return edited(lambda m, dim: [*m, AfterClassifier(module(m[-1].out_features))])


NEAR_MISSES.update({  # the texts that name a call beyond the paper's last one
    "a convolution after the classifier": (_after_classifier(lambda n: nn.Conv2d(n, n, 1)),
                                           "after the classifier your model runs another convolution"),
    "a BatchNorm after the classifier": (_after_classifier(lambda n: nn.BatchNorm2d(n)),
                                         "after the classifier your model runs another BatchNorm"),
    "a wrong BatchNorm after the classifier": (_after_classifier(lambda n: nn.BatchNorm2d(n + 1)),
                                               "an nn.BatchNorm2d is BatchNorm2d(5) but receives 4 channels"),
})


@pytest.mark.parametrize("name", sorted(NEAR_MISSES))
def test_build_check_names_what_differs(name, capsys):
    build, words = NEAR_MISSES[name]
    reason = compare_with_package(build)
    assert reason and words in reason, f"{name}: {reason!r}"
    # through the exercise: refused, with the same reason printed
    assert words in refused_with("04.4", build, capsys)


def refused_with_zh(build, capsys) -> str:
    assert exercise("04.4").check(build) is False
    out = capsys.readouterr().out
    assert out.startswith("练习 04.4：还不对——"), out
    return out


@pytest.mark.parametrize("name,words", [
    ("residual around both convolutions", "残差绕过了两个卷积（教程的放法）"),
    ("depth ignored", "第 2 层（下标 1）的深度卷积缺失：第 1 层（下标 0）的第二个批归一化层（BN2）之后"),
    ("depth fixed at 2", "用检查程序的第二组设置（dim=6, depth=3"),
    ("a convolution after the classifier", "在分类器之后，你的模型还运行了另一个卷积"),
    ("a BatchNorm after the classifier", "还运行了另一个批归一化层"),
    ("a wrong BatchNorm after the classifier", "一个 nn.BatchNorm2d是 BatchNorm2d(5)，收到的却是 4 个通道"),
])
def test_build_check_speaks_chinese(name, words, capsys):
    set_language("zh")
    try:
        out = refused_with_zh(NEAR_MISSES[name][0], capsys)
    finally:
        set_language("en")
    assert words in out, out


class HandGELU(nn.Module):  # GELU written out by its formula: the same function, other roundings
    def forward(self, x):
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


class Scaled(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def test_build_check_value_tolerance_is_float64_rounding():
    """The value check accepts a model that computes the paper's function with other roundings (not bit
    for bit the package's outputs) and refuses one that is off by a relative 1e-7 (float32's precision
    is about 1e-7, so a check loosened to float32 tolerances would let it through)."""
    config, batch = SETTINGS[0]
    x = torch.randn(batch, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    model = make(act=HandGELU)(**config).double().eval()
    ref = reference(config)
    for mine, theirs in zip(trace(model, x)[0], trace(ref, x)[0]):
        mine.module.load_state_dict(theirs.module.state_dict())
    out, ref_out = trace(model, x)[1], trace(ref, x)[1]
    assert not torch.equal(out, ref_out) and torch.allclose(out, ref_out, rtol=1e-12, atol=0)
    assert compare_with_package(make(act=HandGELU)) is None
    off = edited(lambda m, dim: [*m[:-1], Scaled(1 + 1e-7), m[-1]])
    assert "should receive the average of each channel" in compare_with_package(off)


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
    ex.hints_given = 0
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
    ex.hints_given = 0


def test_build_check_leaves_the_random_state_and_the_threads_alone():
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    compare_with_package(make(residual="both"))
    compare_with_package(nb04.paper_listing)
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == threads
    assert CONFIG["depth"] >= 2  # layer 1's residual placement is judged by layer 2's input
