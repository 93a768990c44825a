"""Exercises of notebook 05 (training a small ConvMixer). Expected answers come from the package
(torch's own cross-entropy and BatchNorm, ``counting``, ``presets``), so they follow the preset.

    05.1  predict     the lowest loss label smoothing allows (10 classes, smoothing 0.1)
    05.2  predict     the share of the shared BatchNorm's running statistics that comes from its 1st input
    05.3  why         why the running training accuracy trails the validation accuracy in epoch 1
    05.4  experiment  p = 2 and k = 7 against the small preset: cost and accuracy after a short run
    05.5  why         why the number of epochs must not be chosen by watching the test accuracy
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.counting import count_parameters, total_macs
from convmixer_lab.exercises.core import ChoiceExercise, choice_exercise, close_to, prediction_exercise
from convmixer_lab.i18n import tr
from convmixer_lab.presets import MODELS, fashion_convmixer

CLASSES, SMOOTHING = 10, 0.1  # Fashion-MNIST's classes; fit's label smoothing
_SMALL = MODELS["small"]


def smoothing_floor(classes: int = CLASSES, smoothing: float = SMOOTHING) -> float:
    """The lowest cross-entropy with label smoothing: torch's loss for a model whose probabilities
    ARE the smoothed target (1 - eps + eps/K on the true class, eps/K elsewhere)."""
    target = torch.full((classes,), smoothing / classes, dtype=torch.float64)
    target[0] += 1 - smoothing
    return F.cross_entropy(target.log()[None], torch.tensor([0]), label_smoothing=smoothing).item()


def shared_norm_weight(steps: int = 300) -> float:
    """The weight of the 1st input in the running mean of ONE BatchNorm called twice per training
    step (1st input, then 2nd), as ``nn.BatchNorm2d`` computes it: feed it batches whose mean is 0
    (1st call) and 1 (2nd call) until it settles; the running mean is then the 2nd input's weight."""
    norm = nn.BatchNorm2d(1).train()
    first, second = torch.zeros(4, 1, 2, 2), torch.ones(4, 1, 2, 2)
    with torch.no_grad():
        for _ in range(steps):
            norm(first)
            norm(second)
    return 1 - norm.running_mean.item()


FLOOR = smoothing_floor()
WEIGHT = shared_norm_weight()
WEIGHT_TOLERANCE = 0.012  # 05.2 accepts 0.47 and 0.48 around 9/19, not 0.45 or "half each"


def _experiment(ex: ChoiceExercise) -> ChoiceExercise:
    """A multiple-choice question about what an experiment showed (``choice_exercise`` registers
    kind "why"; this one is answered by running the experiment)."""
    ex.kind = "experiment"
    return ex


# --- 05.1: the lowest loss with label smoothing --------------------------------------------------

_TRUE_P = 1 - SMOOTHING + SMOOTHING / CLASSES  # the smoothed target on the true class (0.91)
_OTHER_P = SMOOTHING / CLASSES                   # ... and on each other class (0.01)
PLAIN_LOSS = -math.log(_TRUE_P)  # -ln 0.91: the cross-entropy WITHOUT smoothing of a model saying 0.91
TRUE_TERM = -_TRUE_P * math.log(_TRUE_P)                      # the floor's true-class term alone
OTHER_TERMS = -(CLASSES - 1) * _OTHER_P * math.log(_OTHER_P)  # the floor's other-class terms together

# (value, tolerance, why): natural wrong answers to 05.1, checked in this order
_FLOOR_NEAR_MISSES = [
    (0.0, 0.004, "0 is the floor WITHOUT label smoothing; with it the target itself is uncertain "
                 f"({_TRUE_P:.2f} on the true class, {_OTHER_P:.2f} on each other one), and a loss that "
                 "compares with an uncertain target cannot reach 0"),
    (TRUE_TERM, 0.003, f"{TRUE_TERM:.3f} is only the true class's term, {_TRUE_P:.2f} * ln(1/{_TRUE_P:.2f}); "
                       f"the {CLASSES - 1} other classes' terms, {_OTHER_P:.2f} * ln(1/{_OTHER_P:.2f}) each, "
                       "add the rest"),
    (PLAIN_LOSS, 0.005, f"-ln {_TRUE_P:.2f} = {PLAIN_LOSS:.3f} is the plain cross-entropy, with the whole "
                        "target on the true class; the loss against the smoothed target also has "
                        f"{CLASSES - 1} terms {_OTHER_P:.2f} * ln(1/p) for the other classes, and they add "
                        "the most"),
    (SMOOTHING, 0.004, f"{SMOOTHING} is the smoothing eps, the share of the target moved off the true class; "
                       "the loss is a cross-entropy, -sum(target * ln(probabilities)), measured in nats "
                       "(units of the natural logarithm ln)"),
    (OTHER_TERMS, 0.006, f"{OTHER_TERMS:.3f} is only the {CLASSES - 1} other classes' terms; the true "
                         f"class's term, {_TRUE_P:.2f} * ln(1/{_TRUE_P:.2f}), adds a little more"),
    (round(math.log(CLASSES), 2), 0.004, f"ln {CLASSES} = {math.log(CLASSES):.2f} is the loss of a uniform "
                                         "guess, where training starts, not its floor"),
]


def _floor_feedback(answer: Any) -> str:
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return tr("predict one number (a loss), got {type}", type=type(answer).__name__)
    for value, tolerance, why in _FLOOR_NEAR_MISSES:
        if math.isclose(answer, value, abs_tol=tolerance):
            return why
    side = tr("too large" if answer > FLOOR else "too small")
    return tr("{side}: the loss is lowest when the model's probabilities equal the smoothed target; "
              "it is then the target's entropy", side=side)


prediction_exercise(
    "05.1",
    text=f"Predict, then run. fit trains with label smoothing {SMOOTHING} over {CLASSES} classes: the "
         f"target of an image is {_TRUE_P:.2f} on its class and {_OTHER_P:.2f} on each of the others. "
         "What is the LOWEST training loss a model can reach, whatever its weights? Predict a number "
         "(2 decimals are enough).",
    expected=round(FLOOR, 2),
    is_correct=close_to(FLOOR, rel=0, abs_tol=0.03),
    feedback=_floor_feedback,
    hint="Cross-entropy -sum(q * log p) is smallest when the model's probabilities p equal the target "
         "q; the smallest value is then -sum(q * log q). Two kinds of terms: one for the true class, "
         f"{CLASSES - 1} equal ones for the others.",
    solution=f"-(0.91 * ln 0.91 + 9 * 0.01 * ln 0.01) = {FLOOR:.3f}. A model that puts more than 0.91 on "
             "the true class is penalised again (the cell shows 0.99 and 0.999), so label smoothing keeps "
             "the model from becoming over-confident, and a loss near 0.7 can go with about 90% accuracy.",
)

# --- 05.2: the shared BatchNorm's running statistics -----------------------------------------------


def _weight_feedback(answer: Any) -> str:
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return tr("predict one number between 0 and 1, got {type}", type=type(answer).__name__)
    if math.isclose(answer, 0.1, abs_tol=0.02):
        return "0.1 is the momentum: the weight of ONE update; the stored value has taken many updates"
    if math.isclose(answer, 0.9, abs_tol=0.02):
        return ("0.9 is what each update keeps of the old value; follow two updates in a row: the 1st "
                "input goes in with 0.1, then everything is multiplied by 0.9 before the 2nd goes in")
    if math.isclose(answer, 0.5, abs_tol=0.005):
        return ("close, but not half each: the two updates are not symmetric. Which input is written "
                "last, and so has been shrunk by 0.9 fewer times?")
    if math.isclose(answer, 1 - WEIGHT, abs_tol=0.02):
        return ("that is the 2nd input's weight: it is written last, so it weighs a little more; "
                "the 1st input's share is the rest")
    if answer <= 0.02 or answer >= 0.98:
        return ("the running statistic keeps 90% of its old value at every call, so it remembers "
                "many calls back, of both inputs")
    side = tr("too large" if answer > WEIGHT else "too small")
    return tr("{side}: write the stored value after one 1st-input update and one 2nd-input update", side=side)


prediction_exercise(
    "05.2",
    text="Predict, then run. The tutorial's shared BatchNorm updates its running statistics twice in "
         "every training step, with momentum 0.1: running = 0.9 * running + 0.1 * batch statistic, first "
         "with the 1st input's batch (after the depthwise convolution), then with the 2nd input's (after "
         "the pointwise one). Once they settle, the stored value is about w * (1st input's statistic) + "
         "(1 - w) * (2nd input's). Predict w (a number between 0 and 1).",
    expected=round(WEIGHT, 2),
    is_correct=close_to(WEIGHT, rel=0, abs_tol=WEIGHT_TOLERANCE),
    feedback=_weight_feedback,
    hint="Settled means unchanged after a whole step: r = 0.9 * (0.9 * r + 0.1 * a) + 0.1 * b. "
         "Solve for r and read off the factor in front of a.",
    solution=f"r = 0.81 r + 0.09 a + 0.1 b, so r = (0.09 a + 0.1 b) / 0.19: w = 9/19 = {WEIGHT:.3f}. About "
             "half each, slightly less for the 1st input because the 2nd is written last. The stored "
             "statistics match neither input: in eval mode both calls are normalised with a blend.",
)

# --- 05.3: why the running training accuracy trails in epoch 1 -------------------------------------

choice_exercise(
    "05.3",
    text="In the first epoch of the training run, the training accuracy printed is BELOW the validation "
         "accuracy, although the model never trains on the validation images. Why?",
    options={"a": "The validation images are easier: the split was chosen to hold the clearest, most "
                  "typical images of each of the 10 classes.",
             "b": "The model overfits from the first epoch on: it memorises its training images, and that "
                  "lowers its accuracy on those images.",
             "c": "Label smoothing lowers the training accuracy: with only 0.91 of the target on the true "
                  "class, fewer answers count as right.",
             "d": "Training accuracy is counted while the model learns, early batches by a barely trained "
                  "model; validation scores the final model."},
    answer="d",
    why_not={"a": "the validation split is 500 images of each class drawn at random (with a fixed seed) "
                  "from the same 60,000 training images: the same kind of images, balanced like the "
                  "training set.",
             "b": "overfitting shows the other way round: a model that memorises its training images "
                  "scores HIGHER on them than on held-out images.",
             "c": "label smoothing changes the loss's target, not which logit is largest; in both "
                  "accuracies an answer counts as right when the true class has the largest logit."},
    hint="When, and by which version of the model, is each of the two accuracies measured?",
    solution="(d). fit's training accuracy is a running count over the epoch's batches (train_one_epoch "
             "adds up the correct predictions as it trains), so epoch 1 averages over a model that starts "
             "at chance; the validation accuracy is measured after the epoch (in eval mode), by the model "
             "as it ends the epoch. Later epochs change less within the epoch, and the gap closes.",
)

# --- 05.4: the p and k experiment ----------------------------------------------------------------


def _macs(**changes: int) -> int:
    with torch.device("meta"):
        return total_macs(fashion_convmixer("small", **changes), 28)


def _params(**changes: int) -> int:
    with torch.device("meta"):
        return count_parameters(fashion_convmixer("small", **changes))


_P2, _K7 = dict(patch_size=2), dict(kernel_size=7)
MAC_RATIO_P2, MAC_RATIO_K7 = _macs(**_P2) / _macs(), _macs(**_K7) / _macs()
_GRID2, _GRID4 = 28 // 2, 28 // _SMALL["patch_size"]

_experiment(choice_exercise(
    "05.4",
    text=f"Experiment. The experiment cell trains the small preset (p={_SMALL['patch_size']}, "
         f"k={_SMALL['kernel_size']}) and two variants that each change ONE thing, p=2 or k=7, once each "
         "(seed 0), for one epoch on the same few thousand images, and prints their parameters, MACs per "
         "image and validation accuracy, then the seed spread of section 5 (the cell after it, their "
         "training time on your machine). Which statement does the experiment support?",
    options={"a": f"p=2 has slightly fewer parameters yet about {MAC_RATIO_P2:.1f}x the MACs and scored "
                  "lowest in this one run; k=7's lead over k=3 is about the seed spread.",
             "b": "p=2 is the better choice: smaller patches keep more detail, and in this one run it "
                  "reached the highest validation accuracy of the three.",
             "c": "p=2 needs more MACs because it has more parameters than p=4: more weights to multiply "
                  "for every image, and so more work per image.",
             "d": f"k=7 costs 49/9 = {49 / 9:.1f}x the MACs of k=3, since every depthwise kernel has 49 "
                  "weights instead of 9, and it is the most accurate setting."},
    answer="a",
    why_not={"b": "read the accuracy column: after one short epoch p=2 is below p=4. Detail may pay off "
                  "with longer training (the reference model uses p=2), but this run does not show it.",
             "c": f"the parameters column says the opposite: the stem's filters shrink from "
                  f"{_SMALL['patch_size']}x{_SMALL['patch_size']} to 2x2 pixels ({_params(**_P2):,} vs "
                  f"{_params():,} parameters); the cost comes from the number of patches every layer "
                  "processes.",
             "d": f"only the depthwise convolution grows with k (k=7 costs {MAC_RATIO_K7:.1f}x in all); the "
                  "pointwise convolution, h x h MACs at every patch, does not change and is most of the "
                  "work. And one run per setting cannot crown the most accurate one."},
    hint="Compare the columns one by one: what grows with p=2, what with k=7? The grid is 28/p patches on "
         "a side, and every mixer layer works at every patch. Then compare the accuracy gaps with the "
         "seed spread printed beside them.",
    solution=f"(a). Parameters do not set the cost: p=2 has fewer ({_params(**_P2):,} vs {_params():,}) "
             f"but {_GRID2 * _GRID2} patches instead of {_GRID4 * _GRID4}, so about {MAC_RATIO_P2:.1f}x "
             f"the MACs; k=7 grows only the depthwise part ({MAC_RATIO_K7:.1f}x in all). The accuracies "
             "come from one run each: in section 5 the seed alone moved the small preset's eval-mode "
             "accuracy by several points, so a gap of that size ranks nothing. One epoch on a few thousand "
             "images is also a short run: what p=2 buys in detail is not visible yet, and a longer run, or "
             "more seeds, could rank them differently.",
))

# --- 05.5: choosing the number of epochs by the test set -------------------------------------------

choice_exercise(
    "05.5",
    text="A classmate trains a model for 40 epochs, scores the TEST set after every epoch, and reports the "
         "epoch with the highest test accuracy, and that accuracy, as the result. No test image was ever "
         "trained on. What is wrong with the reported number?",
    options={"a": "Nothing: no test image was trained on, so each epoch's test score, the highest one "
                  "included, is a fair estimate for new images.",
             "b": "It is the best of 40 noisy scores on the same images, so it likely overstates the "
                  "accuracy on new images; let validation pick the epoch.",
             "c": "Scoring the test set after every epoch leaks it into training: BatchNorm's running "
                  "statistics take in the test images each time.",
             "d": "Nothing, as long as the test set is large: with 10,000 images each test score is exact, "
                  "so the best epoch really is the best one."},
    answer="b",
    why_not={"a": "each score alone would be fair if nothing were chosen by it; the reported one was kept "
                  "BECAUSE it was the highest on these images, so part of its height is luck on exactly "
                  "these images.",
             "c": "evaluate scores in eval mode, without gradients: BatchNorm reads its running statistics "
                  "and does not update them, and no weight changes. The harm is in the choice, not in the "
                  "weights.",
             "d": "10,000 images make each score less noisy, not exact; and the highest of many noisy "
                  "scores is biased upward however small the noise, so the best epoch's score still "
                  "overstates."},
    hint="Suppose the model stopped improving after epoch 20 and later epochs differ only by chance. "
         "Which epoch's score gets reported, and why is it high?",
    solution="(b). Watching the test set to pick the epoch is choosing by test accuracy, like choosing p or "
             "k by it: the reported score is the highest of 40 noisy measurements on the same 10,000 "
             "images, partly luck, so it overstates the accuracy on new images, and the test set no longer "
             "measures anything independently. Pick the epoch (or fix the number of epochs in advance) with "
             "the validation split, then score the test set once, at the end.",
)
