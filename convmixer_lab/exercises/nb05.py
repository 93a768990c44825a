"""Exercises of notebook 05 (training a small ConvMixer). The small preset's numbers come from
``convmixer_lab.presets``, so the exercises follow the preset if it changes."""

from __future__ import annotations

import math
from typing import Any

import torch

from convmixer_lab.counting import convmixer_params
from convmixer_lab.exercises.core import call_answer, function_exercise, number_exercise
from convmixer_lab.presets import MODELS, model_config

_SMALL = MODELS["small"]
_SMALL_PARAMS = convmixer_params(**model_config("small"))
_SMALL_PATCHES = (28 // _SMALL["patch_size"]) ** 2
_LOGIT_CASES = [(torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 4.5, 0.0]]),
                 torch.tensor([0, 1, 0, 0])),
                (torch.arange(60.0).reshape(6, 10).remainder(7), torch.tensor([6, 5, 3, 3, 0, 9]))]


def _accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Reference for 05.3: fraction of rows whose largest logit sits at the label."""
    return (logits.argmax(dim=1) == labels).float().mean().item()


def _same_accuracy(func: Any) -> bool:
    return all(math.isclose(float(call_answer(func, *case)), _accuracy(*case), abs_tol=1e-6)
               for case in _LOGIT_CASES)


number_exercise(
    "05.1",
    text=f"The small preset is ConvMixer-{_SMALL['dim']}/{_SMALL['depth']} with "
         f"p={_SMALL['patch_size']}, k={_SMALL['kernel_size']}, 1 input channel (grey images) and 10 "
         "classes. How many parameters does it have?",
    expected=_SMALL_PARAMS,
    hint="count_parameters(ConvMixer(...)) with in_channels=1 and num_classes=10, or the formula "
         "stem + d * layer + head from notebook 04 with c=1 and n=10.",
    solution=f"{_SMALL_PARAMS:,} (convmixer_params({_SMALL['dim']}, {_SMALL['depth']}, "
             f"{_SMALL['kernel_size']}, {_SMALL['patch_size']}, num_classes=10, in_channels=1)).",
)
number_exercise(
    "05.2",
    text=f"A 28x28 Fashion-MNIST image goes through the small preset's stem (p={_SMALL['patch_size']}). "
         "How many patch embeddings does ONE image become?",
    expected=_SMALL_PATCHES,
    hint="The stem makes an (H/p) x (W/p) grid of patches, each a vector of h numbers.",
    solution=f"(28 // {_SMALL['patch_size']}) ** 2 = {_SMALL_PATCHES} patches, each with "
             f"h = {_SMALL['dim']} channels.",
)
function_exercise(
    "05.3",
    text="Write accuracy(logits, labels): logits is a tensor [N, classes], labels a tensor [N] of "
         "class indices; return the fraction (0 to 1) of images whose largest logit is the label's.",
    is_correct=_same_accuracy,
    reference=_accuracy,
    hint="logits.argmax(dim=1) gives the predicted class of each row; compare with labels, then "
         "take the mean of the matches as floats.",
    solution="return (logits.argmax(dim=1) == labels).float().mean().item()",
)
