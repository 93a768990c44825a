"""The course's Fashion-MNIST ConvMixers: a preset names a model (``MODELS``: h, d, k, p) and a recipe
(``RECIPES``); "small" trains on a CPU, "reference" on a GPU (benchmarks/train_reference_gpu.sh)."""

from typing import Any

from convmixer_lab.checks import check_choice
from convmixer_lab.model import ConvMixer

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
    """``preset``'s ``ConvMixer`` keyword arguments, with ``overrides`` (dim, depth, kernel_size, ...)."""
    check_choice("preset", preset, PRESET_NAMES)
    unknown = set(overrides) - {"dim", "depth", "kernel_size", "patch_size", "block"}
    if unknown:
        raise TypeError(f"unknown model argument(s) {sorted(unknown)}; a preset's model takes "
                        "dim, depth, kernel_size, patch_size and block (the recipe is in RECIPES)")
    return {**MODELS[preset], **FASHION_MNIST, "block": "paper", **overrides}


def recipe(preset: str = "small", **overrides: Any) -> dict[str, Any]:
    check_choice("preset", preset, PRESET_NAMES)
    unknown = set(overrides) - set(RECIPES[preset])
    if unknown:
        raise TypeError(f"unknown recipe setting(s) {sorted(unknown)}; a recipe has "
                        f"{sorted(RECIPES[preset])}")
    return {**RECIPES[preset], **overrides}


def fashion_convmixer(preset: str = "small", **overrides: Any) -> ConvMixer:
    """A new ConvMixer of ``preset``'s model, e.g. ``fashion_convmixer("small", patch_size=2)``."""
    return ConvMixer(**model_config(preset, **overrides))
