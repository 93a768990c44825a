"""Exercises of notebook 04 (the full model). Expected answers come from the package: MACs from
``counting.total_macs`` on meta-device models; the running-mean fraction from the momentum (and the
tests measure it on a real nn.BatchNorm2d, ``running_mean_fraction``); the growth of the tutorial
block's activations is measured in the tests with ``seed_stds``, the very computation of the
notebook's experiment cell. Nothing here runs a model at import time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from convmixer_lab.counting import total_macs
from convmixer_lab.exercises.build_check import compare_with_package
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    Exercise,
    NotAnswered,
    choice_exercise,
    close_to,
    prediction_exercise,
    register,
    too_big_or_small,
)
from convmixer_lab.i18n import tr
from convmixer_lab.model import ConvMixer, ConvMixerLayer, PatchEmbedding, Residual


def running_mean_fraction(steps: int = 10, momentum: float = 0.1) -> float:
    """How far (a fraction of the batch's mean) a fresh BatchNorm's running mean has moved after
    ``steps`` training-mode calls on one batch, measured on an nn.BatchNorm2d."""
    g = torch.Generator().manual_seed(0)
    shift = torch.tensor([2.0, -1.0, 5.0], dtype=torch.float64).view(1, 3, 1, 1)  # channel means
    x = torch.randn(4, 3, 5, 5, generator=g, dtype=torch.float64) + shift
    norm = nn.BatchNorm2d(3, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        for _ in range(steps):
            norm(x)
    return (norm.running_mean / x.mean((0, 2, 3))).mean().item()


def seed_stds(depth: int, dim: int = 16) -> list[float]:
    """Std of the activations after each layer of a stack of the tutorial's layers (training mode),
    measured exactly as notebook 04's experiment cell does (same seeds, same input)."""
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


def _macs(patch_size: int) -> int:
    with torch.device("meta"):
        return total_macs(ConvMixer(1536, 20, kernel_size=9, patch_size=patch_size))


MOMENTUM, STEPS = 0.1, 10
FRACTION = round(1 - (1 - MOMENTUM) ** STEPS, 4)  # tests check it against running_mean_fraction()
MAC_RATIO_P14 = round(_macs(7) / _macs(14), 2)


def _experiment(ex: ChoiceExercise) -> ChoiceExercise:
    """A multiple-choice question about what an experiment showed (``choice_exercise`` registers
    kind "why"; this one is answered by running the experiment)."""
    ex.kind = "experiment"
    return ex


def _near(value: Any, target: float, tol: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value - target) <= tol


# --- 04.1 predict: the running mean ----------------------------------------------------------------

def _fraction_feedback(v: Any) -> str | None:
    if _near(v, 0.1, 0.005):
        return "0.1 is where it is after ONE call; each call moves it 10% of the way that is still left"
    if _near(v, 1.0, 0.01):
        return "it never quite arrives: each call covers only 10% of the remaining distance"
    if _near(v, 0.9 ** 10, 0.01):
        return "0.9^10 = 0.35 is the part of the way still LEFT after 10 calls, not the part covered"
    return too_big_or_small(FRACTION)(v)


prediction_exercise(
    "04.1",
    text="Predict: a fresh nn.BatchNorm2d (running mean 0, momentum 0.1) is called 10 times in "
         "training mode on the SAME batch. What fraction of the batch's channel means has its running "
         "mean reached? (A number between 0 and 1, to two decimals.)",
    expected=FRACTION,
    is_correct=close_to(FRACTION, rel=0, abs_tol=0.01),
    feedback=_fraction_feedback,
    hint="After one call: 0.9 * 0 + 0.1 * m = 0.1 m. What is left is 0.9 m; the next call covers 10% "
         "of that. What is left after n calls?",
    solution=f"1 - 0.9^10 = {FRACTION:.2f}: the distance still to go shrinks by a factor 0.9 per call. "
             "The running statistics are an exponential moving average: recent batches weigh most.",
)

# --- 04.2 why: the tutorial's shared BatchNorm ------------------------------------------------------

choice_exercise(
    "04.2",
    text="The tutorial's layer uses ONE BatchNorm after both convolutions. In training mode each of its "
         "two outputs is still normalised (mean 0, std 1 per channel while gamma = 1, beta = 0); in "
         "eval mode they are not. Why?",
    options={"a": "In eval mode BatchNorm leaves out gamma and beta.",
             "b": "Eval mode uses running statistics averaged over both tensors.",
             "c": "The second call overwrites the gamma and beta set by the first.",
             "d": "GELU behaves differently in eval mode than in training mode."},
    answer="b",
    why_not={"a": "Eval mode still applies gamma and beta; only the mean and variance change: running "
                  "statistics instead of the batch's (section 1, BatchNorm by hand).",
             "c": "Calling a BatchNorm never changes gamma and beta: only the optimizer does. What a "
                  "training-mode call changes is the running mean and variance.",
             "d": "GELU has no state and no mode: x * Phi(x) in training and eval alike (which is why "
                  "reusing one GELU module is harmless)."},
    solution="(b) In training mode BatchNorm normalises with the statistics of the tensor it is given at "
             "that very call, so each use is normalised. Eval mode uses the running statistics, and "
             "sharing a module shares them: the tutorial's running mean and variance blend the depthwise "
             "and the pointwise activations, and eval mode normalises both with that blend.",
    hint="What does a BatchNorm use for the mean and variance in each mode (section 1, BatchNorm by hand)?",
)

# --- 04.3 experiment: the tutorial's residual and depth ---------------------------------------------

_experiment(choice_exercise(
    "04.3",
    text="Experiment: in the cell above set depth = 32 and run it. Compare the tutorial block's std "
         "after the last layer with the one at depth = 8. Which describes it?",
    options={"a": "About the same: BatchNorm keeps each layer's output at std 1.",
             "b": "About four times: the std grows in proportion to the depth.",
             "c": "About twice: four times the layers give twice the std.",
             "d": "Astronomically larger: the std doubles with every layer."},
    answer="c",
    why_not={"a": "BatchNorm normalises what it is given, but the tutorial adds the layer's input z "
                  "AFTER the last BatchNorm, so nothing normalises the sum that leaves the layer.",
             "b": "Quadrupling the depth does not quadruple the std: the terms add up like independent "
                  "noise, whose variances (not stds) add.",
             "d": "Each layer adds one new term to the sum it receives; it does not multiply the sum."},
    solution="(c): the printout roughly doubles from depth 8 to depth 32. Each tutorial layer adds a freshly "
             "normalised (std 1) tensor to its input, so after d layers the activations are a sum of about "
             "d roughly independent unit-variance terms: the variance grows like d, the std like sqrt(d). "
             "The paper's block ends every layer with BN2, so its activations stay at std 1 however deep.",
    hint="Each tutorial layer adds the input z to a freshly normalised (std 1) tensor. For independent "
         "terms, variances add.",
))

# --- 04.4 build the model ---------------------------------------------------------------------------

_PACKAGE_PARTS = (ConvMixer, ConvMixerLayer, PatchEmbedding)

# One answer to 04.4, printed by ex.solution(); the tests run it through the check and compare it
# with the solution lines of notebook 04's exercise cell.
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
    """Reference for 04.4: the paper's model as one nn.Sequential (the shape of the authors' compact code)."""
    def layer() -> nn.Sequential:
        return nn.Sequential(
            Residual(nn.Sequential(nn.Conv2d(dim, dim, kernel_size, groups=dim, padding="same"),
                                   nn.GELU(), nn.BatchNorm2d(dim))),
            nn.Conv2d(dim, dim, kernel_size=1), nn.GELU(), nn.BatchNorm2d(dim))
    return nn.Sequential(
        nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size), nn.GELU(),
        nn.BatchNorm2d(dim), *[layer() for _ in range(depth)],
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(dim, num_classes))


def _build_feedback(build: Any) -> str | None:
    try:
        return compare_with_package(build, forbid=_PACKAGE_PARTS)
    except NotAnswered:
        return None


def _build_correct(build: Any) -> bool:
    return compare_with_package(build, forbid=_PACKAGE_PARTS) is None


@dataclass
class GradedHintsExercise(Exercise):
    """An exercise whose ``hint()`` says more at each call: ``hints`` go from a nudge to the full
    specification; after the last one, it is repeated with a pointer to ``solution()``."""

    hints: tuple[str, ...] = ()
    given: int = 0

    def hint(self) -> None:
        level = min(self.given, len(self.hints) - 1)
        self.given += 1
        print(tr("Hint {n} of {total} for {key}: {text}", n=level + 1, total=len(self.hints), key=self.key,
                 text=tr(self.hints[level])))
        if level == len(self.hints) - 1:
            print(tr("That was the last hint for {key}; ex.solution() prints a whole answer.", key=self.key))
        else:
            print(tr("Call ex.hint() again for hint {n}.", n=level + 2))


BUILD_HINTS = (
    "Three parts. The stem turns [N, in_channels, H, W] into [N, dim, H/p, W/p]; each of the depth "
    "layers keeps [N, dim, H/p, W/p]; the head turns that into [N, num_classes]. Keep the layers in "
    "nn.Sequential or nn.ModuleList, a new layer object for each position.",
    "Inside a layer, in this order: depthwise convolution, GELU, BatchNorm (BN1); add the layer's "
    "input z (the residual); then pointwise convolution, GELU, BatchNorm (BN2), with nothing added "
    "after it. The stem is convolution, GELU, BatchNorm too; the head averages over the grid, "
    "flattens, and ends in nn.Linear.",
    "Stem: Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size) -> GELU -> "
    "BatchNorm2d(dim). Each layer: z' = BN1(GELU(DWConv(z))) + z with "
    "Conv2d(dim, dim, kernel_size, groups=dim, padding='same'), then BN2(GELU(PWConv(z'))) with "
    "Conv2d(dim, dim, kernel_size=1). Head: AdaptiveAvgPool2d(1) -> Flatten -> Linear(dim, "
    "num_classes).",
)

register(GradedHintsExercise(
    key="04.4",
    text="Write the whole ConvMixer: MyConvMixer(dim, depth, kernel_size=9, patch_size=7, "
         "num_classes=1000, in_channels=3), a class (an nn.Module) or a function returning one, built "
         "from torch.nn parts (nn.Conv2d, nn.GELU, nn.BatchNorm2d, nn.AdaptiveAvgPool2d, nn.Flatten, "
         "nn.Linear, and Residual if you like): the stem, depth ConvMixer layers, global average "
         "pooling and a linear classifier. The check copies the package model's weights into yours "
         "and compares the outputs. ex.hint() gives three hints, one more at each call.",
    is_correct=_build_correct,
    hint_text=BUILD_HINTS[0],
    solution_text="one answer, as two classes (the notebook then shows the authors' compact version, "
                  f"one nn.Sequential):\n\n{SOLUTION_CODE}",
    feedback=_build_feedback,
    answer=paper_listing,
    hints=BUILD_HINTS,
))

# --- 04.5 predict: patch size and MACs ----------------------------------------------------------------

def _ratio_feedback(v: Any) -> str | None:
    if _near(v, 2.0, 0.2):
        return ("p is a side length: doubling it halves the grid's side, so the number of patches "
                "(and of positions every layer works on) drops 4x")
    return too_big_or_small(MAC_RATIO_P14)(v)


prediction_exercise(
    "04.5",
    text="Predict: ConvMixer-1536/20 (k = 9) with patch size p = 14 instead of 7, on the same 224x224 "
         "images. How many times fewer MACs per image does it need? (A number such as 1.5.)",
    expected=MAC_RATIO_P14,
    is_correct=close_to(MAC_RATIO_P14, rel=0.05),
    feedback=_ratio_feedback,
    hint="The layers work on every position of the (224/p) x (224/p) grid. What happens to the stem's "
         "MACs (notebook 01) and to the classifier's?",
    solution=f"About {MAC_RATIO_P14}: the 20 layers' MACs drop 4x (a 16x16 grid instead of 32x32); the "
             "stem costs the same whatever p (every pixel is used once per output channel) and the "
             "classifier is tiny, so the total drops a little less than 4x.",
)


# --- 04.6 why: ConvMixer-768/32's released checkpoint ------------------------------------------------

choice_exercise(
    "04.6",
    text="The official README says the released ConvMixer-768/32 checkpoint uses ReLU instead of GELU. "
         "Its weights have exactly the shapes of ConvMixer(768, 32, kernel_size=7, patch_size=7)'s. "
         "What happens if you load them into that model (matching the parameter names) and classify "
         "images?",
    options={"a": "The weights load, but the outputs are not the released model's.",
             "b": "It behaves exactly like the released model: activations have no weights.",
             "c": "Loading fails: the parameter counts of the two models differ.",
             "d": "Only the stem changes; the mixer layers have no activation."},
    answer="a",
    why_not={"b": "No weights, but part of the function: GELU(x) and ReLU(x) differ for every x other "
                  "than 0 (GELU(-1) is about -0.16, ReLU(-1) = 0), and the weights were trained for ReLU.",
             "c": "ReLU and GELU have no parameters: the shapes and the count are the same, so the "
                  "weights load.",
             "d": "Every convolution is followed by the activation: the stem's and both of each "
                  "layer's, 65 in ConvMixer-768/32."},
    solution="(a) The weights load (activations have no parameters), but every layer then computes a "
             "different function from the one the weights were trained in, so the predictions are not "
             "the released model's until the activations are switched to ReLU. The architecture is part "
             "of what was trained: same shapes is not same model.",
    hint="Are ReLU and GELU the same function?",
)
