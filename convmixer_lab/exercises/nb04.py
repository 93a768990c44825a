"""Exercises of notebook 04 (the full model); texts in ``texts/nb04.toml``; 04.4 is judged by ``build_check``.
Nothing here runs a model at import time (tests/unit/test_nb04.py and tests/notebooks/test_nb04_stored.py
measure the answers on real modules)."""

from typing import Any

import torch
import torch.nn as nn

from convmixer_lab.counting import total_macs
from convmixer_lab.exercises.build_check import compare_with_package
from convmixer_lab.exercises.core import close_to, define, too_big_or_small
from convmixer_lab.model import ConvMixer, ConvMixerLayer, PatchEmbedding, Residual
from convmixer_lab.texts import Text, t


def _macs(patch_size: int) -> int:
    with torch.device("meta"):
        return total_macs(ConvMixer(1536, 20, kernel_size=9, patch_size=patch_size))


MOMENTUM, STEPS = 0.1, 10
FRACTION = round(1 - (1 - MOMENTUM) ** STEPS, 4)  # test_nb04 checks it on a real BatchNorm2d
LEFT = round((1 - MOMENTUM) ** STEPS, 4)  # the part of the way still to go
MAC_RATIO_P14 = round(_macs(7) / _macs(14), 2)


def _near(target: float, tol: float) -> Any:
    return close_to(target, rel=0, abs_tol=tol)


# --- 04.1 predict: the running mean ----------------------------------------------------------------

def _fraction_feedback(v: Any) -> Text:
    if _near(MOMENTUM, 0.005)(v):
        return t("04.1.after_one_call")
    if _near(1.0, 0.01)(v):
        return t("04.1.never_arrives")
    if _near(LEFT, 0.01)(v):
        return t("04.1.still_left", left=LEFT)
    return too_big_or_small(FRACTION)(v)


define("04.1", kind="predict", answer=FRACTION, is_correct=_near(FRACTION, 0.01), feedback=_fraction_feedback,
       fields=dict(fraction=FRACTION))

# --- 04.2 why: the tutorial's shared BatchNorm; 04.3 experiment: its residual and depth --------------

define("04.2", kind="why", answer="b", options="abcd")
define("04.3", kind="experiment", answer="c", options="abcd")

# --- 04.4 build the model (judged by build_check) ------------------------------------------------------

_PACKAGE_PARTS = (ConvMixer, ConvMixerLayer, PatchEmbedding)

# One answer to 04.4, printed by ex.solution(); the tests check it and compare it with notebook 04.
SOLUTION_CODE = """\
class MyConvMixerLayer(nn.Module):
    def __init__(self, dim, kernel_size):
        super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same")
        self.norm1 = nn.BatchNorm2d(dim)
        self.pointwise = nn.Conv2d(dim, dim, kernel_size=1)
        self.norm2 = nn.BatchNorm2d(dim)

    def forward(self, z):
        z = self.norm1(F.gelu(self.depthwise(z))) + z
        return self.norm2(F.gelu(self.pointwise(z)))


class MyConvMixer(nn.Module):
    def __init__(self, dim, depth, kernel_size=9, patch_size=7, num_classes=1000, in_channels=3):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.stem_norm = nn.BatchNorm2d(dim)
        self.layers = nn.Sequential(*[MyConvMixerLayer(dim, kernel_size) for _ in range(depth)])
        self.classifier = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.layers(self.stem_norm(F.gelu(self.stem(x))))
        return self.classifier(x.mean(dim=(2, 3)))
"""


def paper_listing(dim: int, depth: int, kernel_size: int = 9, patch_size: int = 7,
                  num_classes: int = 1000, in_channels: int = 3) -> nn.Sequential:
    """Reference for 04.4: the paper's model as one nn.Sequential (like the authors' compact code)."""
    def layer() -> nn.Sequential:
        return nn.Sequential(
            Residual(nn.Sequential(nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same"),
                                   nn.GELU(), nn.BatchNorm2d(dim))),
            nn.Conv2d(dim, dim, kernel_size=1), nn.GELU(), nn.BatchNorm2d(dim))
    return nn.Sequential(
        nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size), nn.GELU(),
        nn.BatchNorm2d(dim), *[layer() for _ in range(depth)],
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(dim, num_classes))


_judged: list[Any] = [None, None]  # the last answer checked and what it said: feedback reuses it


def _build_correct(build: Any) -> bool:
    _judged[:] = [build, compare_with_package(build, forbid=_PACKAGE_PARTS)]
    return _judged[1] is None


def _build_feedback(build: Any) -> str | None:
    return _judged[1] if _judged[0] is build else compare_with_package(build, forbid=_PACKAGE_PARTS)


define("04.4", kind="compute", answer=paper_listing, is_correct=_build_correct, feedback=_build_feedback,
       fields=dict(code=SOLUTION_CODE), hints=3)

# --- 04.5 predict: patch size and MACs ----------------------------------------------------------------

def _ratio_feedback(v: Any) -> Text:
    return t("04.5.side_length") if _near(2.0, 0.2)(v) else too_big_or_small(MAC_RATIO_P14)(v)


define("04.5", kind="predict", answer=MAC_RATIO_P14, is_correct=close_to(MAC_RATIO_P14, rel=0.05),
       feedback=_ratio_feedback, fields=dict(ratio=MAC_RATIO_P14))

# --- 04.6 why: ConvMixer-768/32's released checkpoint ------------------------------------------------

define("04.6", kind="why", answer="a", options="abcd")
