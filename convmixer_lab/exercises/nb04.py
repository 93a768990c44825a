"""Exercises of notebook 04 (the full model). Expected answers come from the package; models are
built on the meta device (shapes only: no memory, no random initialisation)."""

from __future__ import annotations

import torch

from convmixer_lab.counting import convmixer_params, count_parameters, stage_table
from convmixer_lab.exercises.core import function_exercise, number_exercise, same_function, shape_exercise
from convmixer_lab.model import ConvMixer, ConvMixerLayer, SeedConvMixerLayer


def _layer_params(h: int, k: int, block: str) -> int:
    """Reference for 04.4: parameters of one layer, counted from a real module (meta device)."""
    layer_class = ConvMixerLayer if block == "paper" else SeedConvMixerLayer
    with torch.device("meta"):
        return count_parameters(layer_class(h, k))


def _features_shape(batch: int, image_size: int, *args: int) -> tuple[int, ...]:
    """Shape ``forward_features`` returns, read from the package's stage table (meta device)."""
    with torch.device("meta"):
        model = ConvMixer(*args)
    rows = stage_table(model, image_size)
    return (batch,) + rows[-2 if model.config["num_classes"] == 0 else -3].output_shape


_P768 = convmixer_params(768, 32, kernel_size=7, patch_size=7)
_D1024 = (convmixer_params(1024, 20, kernel_size=9, patch_size=14)
          - convmixer_params(1024, 20, kernel_size=9, patch_size=14, block="seed"))
_SHAPE = _features_shape(2, 224, 256, 8, 5, 14)

number_exercise(
    "04.1",
    text="How many parameters exactly does ConvMixer-768/32 (p=7, k=7, 1000 classes, paper block) "
         "have? Count them from a model or with the formula.",
    expected=_P768,
    hint="count_parameters(ConvMixer(768, 32, kernel_size=7, patch_size=7)), or add up "
         "stem + 32 * layer + head with the formula in this notebook.",
    solution=f"{_P768:,} (convmixer_params(768, 32, kernel_size=7, patch_size=7)); "
             "the paper reports 21.1M.",
)
number_exercise(
    "04.2",
    text="ConvMixer-1024/20 (p=14, k=9): how many FEWER parameters does it have when built with "
         "the tutorial's block (block=\"seed\") instead of the paper's?",
    expected=_D1024,
    hint="The tutorial's layer has one BatchNorm instead of two; a BatchNorm over h channels "
         "has 2*h parameters.",
    solution=f"2 * 1024 * 20 = {_D1024:,}: one BatchNorm (weight and bias, 1024 each) per layer.",
)
shape_exercise(
    "04.3",
    text="What shape does model.forward_features(x) return for "
         "model = ConvMixer(256, 8, kernel_size=5, patch_size=14) and x = torch.randn(2, 3, 224, 224)? "
         "Answer with a tuple.",
    expected=_SHAPE,
    names="[N, h, H/p, W/p]",
    hint="forward_features stops before the pooling: [N, h, H/p, W/p]. What is 224 // 14?",
    solution=f"{_SHAPE}: 224 // 14 = 16 patches per side, h = 256 channels.",
)
function_exercise(
    "04.4",
    text="Write layer_params(h, k, block) returning the parameters of ONE ConvMixer layer with h "
         "channels and a k x k depthwise kernel; block is \"paper\" or \"seed\". "
         "Convolutions have biases; a BatchNorm has 2*h parameters.",
    is_correct=same_function(_layer_params, [(8, 3, "paper"), (8, 3, "seed"), (1536, 9, "paper"),
                                             (1536, 9, "seed"), (5, 4, "paper"), (1, 1, "seed")]),
    reference=_layer_params,
    hint="depthwise k*k*h + h, pointwise h*h + h, then 2*h per BatchNorm: two in the paper's "
         "block, one in the tutorial's.",
    solution="return k*k*h + h + h*h + h + (4*h if block == \"paper\" else 2*h)",
)
