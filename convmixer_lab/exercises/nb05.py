"""Exercises of notebook 05 (training a small ConvMixer); texts in ``convmixer_lab/texts/nb05.toml``.
Expected answers come from the package (torch's own cross-entropy and BatchNorm, ``counting``,
``presets``), so they follow the preset.

    05.1  predict     the lowest loss label smoothing allows (10 classes, smoothing 0.1)
    05.2  why         why the running training accuracy trails the validation accuracy in epoch 1
    05.3  predict     the share of the shared BatchNorm's running statistics that comes from its 1st input
    05.4  experiment  p = 2 and k = 7 against the small preset: parameters, MACs and accuracy of a short run
    05.5  why         why the number of epochs must not be chosen by watching the test accuracy
"""

import math
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from convmixer_lab.counting import count_parameters, total_macs
from convmixer_lab.exercises.core import as_number, close_to, define, not_a_number
from convmixer_lab.presets import MODELS, fashion_convmixer
from convmixer_lab.texts import Text, t

CLASSES, SMOOTHING = 10, 0.1  # Fashion-MNIST's classes; fit's label smoothing


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
WEIGHT_TOLERANCE = 0.012  # 05.3 accepts 0.47 and 0.48 around 9/19, not 0.45 or "half each"


def _around(value: float, tolerance: float) -> tuple[float, float]:
    return value - tolerance, value + tolerance


def _beside(answer: Any, expected: float, near_misses: list[tuple[float, float, str]], side: str,
            fields: dict[str, Any]) -> Text:
    """The text of the first near miss (lowest, highest, text id) that ``answer`` lies in, else
    "too large/too small" in the text ``side``; not a number: core's reason."""
    value = as_number(answer)
    if value is None:
        return not_a_number(answer)
    for low, high, key in near_misses:
        if low <= value <= high:
            return t(key, **fields)
    return t(side, side=t("core.too_large" if value > expected else "core.too_small"))


# --- 05.1: the lowest loss with label smoothing --------------------------------------------------

_TRUE_P = 1 - SMOOTHING + SMOOTHING / CLASSES  # the smoothed target on the true class (0.91)
_OTHER_P = SMOOTHING / CLASSES                   # ... and on each other class (0.01)
PLAIN_LOSS = -math.log(_TRUE_P)  # -ln 0.91: the cross-entropy WITHOUT smoothing of a model saying 0.91
TRUE_TERM = -_TRUE_P * math.log(_TRUE_P)                      # the floor's true-class term alone
OTHER_TERMS = -(CLASSES - 1) * _OTHER_P * math.log(_OTHER_P)  # the floor's other-class terms together
FLOOR_FIELDS = dict(smoothing=SMOOTHING, classes=CLASSES, others=CLASSES - 1, true_p=_TRUE_P,
                    other_p=_OTHER_P, floor=FLOOR, plain=PLAIN_LOSS, true_term=TRUE_TERM,
                    other_terms=OTHER_TERMS, uniform=math.log(CLASSES))

# (lowest, highest, text id): natural wrong answers to 05.1, checked in this order
FLOOR_NEAR_MISSES = [
    (*_around(0.0, 0.004), "05.1.zero"),
    (*_around(TRUE_TERM, 0.003), "05.1.true_term"),
    (*_around(PLAIN_LOSS, 0.005), "05.1.plain"),
    (*_around(SMOOTHING, 0.004), "05.1.smoothing"),
    (*_around(OTHER_TERMS, 0.006), "05.1.other_terms"),
    (*_around(round(math.log(CLASSES), 2), 0.004), "05.1.uniform"),
]

define("05.1", kind="predict", answer=round(FLOOR, 2), fields=FLOOR_FIELDS,
       is_correct=close_to(FLOOR, rel=0, abs_tol=0.03),
       feedback=lambda answer: _beside(answer, FLOOR, FLOOR_NEAR_MISSES, "05.1.side", FLOOR_FIELDS))

# --- 05.2: why the running training accuracy trails in epoch 1 -------------------------------------

define("05.2", kind="why", answer="d", options="abcd",
       fields=dict(true_p=_TRUE_P))

# --- 05.3: the shared BatchNorm's running statistics -----------------------------------------------

# (lowest, highest, text id): natural wrong answers to 05.3, checked in this order
WEIGHT_NEAR_MISSES = [
    (*_around(0.1, 0.02), "05.3.momentum"),
    (*_around(0.9, 0.02), "05.3.keeps"),
    (*_around(0.5, 0.005), "05.3.half"),
    (*_around(1 - WEIGHT, 0.02), "05.3.second"),
    (-math.inf, 0.02, "05.3.extreme"),
    (0.98, math.inf, "05.3.extreme"),
]

define("05.3", kind="predict", answer=round(WEIGHT, 2), fields=dict(weight=WEIGHT),
       is_correct=close_to(WEIGHT, rel=0, abs_tol=WEIGHT_TOLERANCE),
       feedback=lambda answer: _beside(answer, WEIGHT, WEIGHT_NEAR_MISSES, "05.3.side", {}))

# --- 05.4: the p and k experiment ----------------------------------------------------------------


def _macs(**changes: int) -> int:
    with torch.device("meta"):
        return total_macs(fashion_convmixer("small", **changes), 28)


def _params(**changes: int) -> int:
    with torch.device("meta"):
        return count_parameters(fashion_convmixer("small", **changes))


_P, _K = MODELS["small"]["patch_size"], MODELS["small"]["kernel_size"]
MAC_RATIO_P2, MAC_RATIO_K7 = _macs(patch_size=2) / _macs(), _macs(kernel_size=7) / _macs()

define("05.4", kind="experiment", answer="b", options="abcd", fields=dict(
    p=_P, k=_K, k_weights=_K * _K, naive=49 / (_K * _K), mac_p2=MAC_RATIO_P2, mac_k7=MAC_RATIO_K7,
    params_p2=_params(patch_size=2), params=_params(), patches_p2=(28 // 2) ** 2, patches=(28 // _P) ** 2))

# --- 05.5: choosing the number of epochs by the test set -------------------------------------------

define("05.5", kind="why", answer="c", options="abcd")
