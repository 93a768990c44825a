"""The course's Fashion-MNIST ConvMixers: model shapes and training recipes, kept apart.

A preset name selects both a model (``MODELS``: the ConvMixer's h, d, k, p) and a recipe
(``RECIPES``: how to train it). ``fashion_convmixer`` is the one place a Fashion-MNIST ConvMixer is
built (1 input channel for grey images, 10 classes); the command line, the exercises and the
notebooks all call it.

- "small": ConvMixer-64/4, k=3, p=4 (22,090 parameters). p=4 makes a 7x7 patch grid, so a CPU
  epoch is short; 3 epochs reach about 90% test accuracy (benchmarks/train_small.py times it).
- "reference": ConvMixer-256/8, k=7, p=2 (641,290 parameters), the recipe meant for a GPU
  (benchmarks/train_reference_gpu.sh; data/checkpoints/README.md).
"""

from __future__ import annotations

from typing import Any

from convmixer_lab.checks import check_choice
from convmixer_lab.model import ConvMixer

# Fashion-MNIST: grey 28x28 images in 10 classes.
FASHION_MNIST = dict(in_channels=1, num_classes=10)

MODELS: dict[str, dict[str, int]] = {
    "small": dict(dim=64, depth=4, kernel_size=3, patch_size=4),
    "reference": dict(dim=256, depth=8, kernel_size=7, patch_size=2),
}
RECIPES: dict[str, dict[str, Any]] = {
    "small": dict(epochs=3, batch_size=128, lr=0.01, augment=False),
    "reference": dict(epochs=60, batch_size=128, lr=0.005, augment=True),
}
PRESET_NAMES = tuple(MODELS)


def model_config(preset: str = "small", **overrides: Any) -> dict[str, Any]:
    """The full ``ConvMixer`` keyword arguments of ``preset`` for Fashion-MNIST, with
    ``overrides`` (dim, depth, kernel_size, patch_size, block) applied."""
    check_choice("preset", preset, PRESET_NAMES)
    unknown = set(overrides) - {"dim", "depth", "kernel_size", "patch_size", "block"}
    if unknown:
        raise TypeError(f"unknown model argument(s) {sorted(unknown)}; a preset's model takes "
                        "dim, depth, kernel_size, patch_size and block (the recipe is in RECIPES)")
    return {**MODELS[preset], **FASHION_MNIST, "block": "paper", **overrides}


def recipe(preset: str = "small", **overrides: Any) -> dict[str, Any]:
    """The training recipe of ``preset`` (epochs, batch_size, lr, augment), with ``overrides``."""
    check_choice("preset", preset, PRESET_NAMES)
    unknown = set(overrides) - set(RECIPES[preset])
    if unknown:
        raise TypeError(f"unknown recipe setting(s) {sorted(unknown)}; a recipe has "
                        f"{sorted(RECIPES[preset])}")
    return {**RECIPES[preset], **overrides}


def fashion_convmixer(preset: str = "small", **overrides: Any) -> ConvMixer:
    """A new ConvMixer for Fashion-MNIST built from ``preset``'s model, e.g.
    ``fashion_convmixer("small")`` or ``fashion_convmixer("small", patch_size=2, block="seed")``.
    Seed first (``train.seed_everything``) for the same initial weights every time."""
    return ConvMixer(**model_config(preset, **overrides))
