"""Self-checking exercises for the notebooks.

Each exercise has a key such as ``"03.1"`` (notebook 03, exercise 1). In a notebook::

    from convmixer_lab.exercises import exercise
    ex = exercise("03.1")
    ex.question()          # prints the task
    answer = ...           # the student's answer replaces the ...
    ex.check(answer)       # prints a verdict; "not answered yet" for a placeholder
    ex.hint()              # a nudge
    ex.solution()          # the worked answer

Solution lines in the instructor notebooks carry the marker ``# SOLUTION`` at the end of the
line; ``convmixer_lab.student`` turns them into placeholders (``...``) for the student copies.
Expected answers are computed from the package (never typed by hand) so they cannot go stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SOLUTION_MARKER = "# SOLUTION"


@dataclass
class Exercise:
    """One exercise: ``is_correct(answer) -> bool`` decides; texts explain."""

    key: str
    text: str
    is_correct: Callable[[Any], bool]
    hint_text: str
    solution_text: str
    feedback: Callable[[Any], str | None] = field(default=lambda answer: None)
    answer: Any = None  # a reference answer ``check`` accepts (a value or a function); tests use it

    def question(self) -> None:
        print(f"Exercise {self.key}: {self.text}")

    def check(self, answer: Any) -> bool:
        """Print a verdict for ``answer`` and return whether it is correct.

        A placeholder (``...`` or ``None``, or a function that returns one) is "not answered yet",
        never an error, so a student copy runs top to bottom.
        """
        not_yet = f"Exercise {self.key}: not answered yet - replace the ... with your answer."
        if answer is ... or answer is None:
            print(not_yet)
            return False
        try:
            ok = bool(self.is_correct(answer))
        except NotAnswered:
            print(not_yet)
            return False
        except Exception as err:  # a wrong type or a broken function is feedback, not a crash
            print(f"Exercise {self.key}: not quite - checking your answer raised "
                  f"{type(err).__name__}: {err}")
            return False
        if ok:
            print(f"Exercise {self.key}: correct!")
        else:
            extra = self.feedback(answer)
            print(f"Exercise {self.key}: not quite{' - ' + extra if extra else ''}. "
                  f"Try again, or call .hint().")
        return ok

    def hint(self) -> None:
        print(f"Hint for {self.key}: {self.hint_text}")

    def solution(self) -> None:
        print(f"Solution for {self.key}: {self.solution_text}")


class NotAnswered(Exception):
    """Raised by a checker when the answer is still a placeholder (e.g. a function that
    returns ``...`` or ``None``)."""


def call_answer(func: Any, *args: Any) -> Any:
    """Call a student's function; a placeholder result (``...`` or ``None``) means not answered."""
    if not callable(func):
        raise TypeError(f"expected a function, got {type(func).__name__}")
    result = func(*args)
    if result is ... or result is None:
        raise NotAnswered
    return result


def equals_int(expected: int) -> Callable[[Any], bool]:
    """Exact integer answers (``1_179_648``); floats that are whole numbers are accepted."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (int, float)) and not isinstance(answer, bool) \
            and float(answer) == float(expected)
    return ok


def close_to(expected: float, rel: float = 1e-3, abs_tol: float = 0.0) -> Callable[[Any], bool]:
    """Numeric answers within a relative tolerance."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (int, float)) and not isinstance(answer, bool) \
            and math.isclose(float(answer), float(expected), rel_tol=rel, abs_tol=abs_tol)
    return ok


def equals_shape(expected: tuple[int, ...]) -> Callable[[Any], bool]:
    """Shapes given as a tuple, list or torch.Size."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (tuple, list)) and tuple(int(a) for a in answer) == tuple(expected)
    return ok


def too_big_or_small(expected: float) -> Callable[[Any], str | None]:
    def say(answer: Any) -> str | None:
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            return "too large" if answer > expected else "too small"
        return f"expected a number, got {type(answer).__name__}"
    return say


EXERCISES: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    if ex.key in EXERCISES:
        raise ValueError(f"exercise key {ex.key!r} is registered twice")
    EXERCISES[ex.key] = ex
    return ex


def exercise(key: str) -> Exercise:
    """The exercise with ``key`` (e.g. "03.1")."""
    try:
        return EXERCISES[key]
    except KeyError:
        raise KeyError(f"no exercise {key!r}; known keys: {sorted(EXERCISES)}") from None


# --- notebook 01: patch embedding ------------------------------------------------------------
import torch as _torch  # noqa: E402
import torch.nn.functional as _F  # noqa: E402

from convmixer_lab import counting as _counting  # noqa: E402
from convmixer_lab import model as _model  # noqa: E402


def _stem_output_shape(image_size: int, patch_size: int, dim: int = 8) -> tuple[int, ...]:
    """Shape the package's PatchEmbedding gives one image (meta device: shapes only)."""
    with _torch.device("meta"):
        return tuple(_model.PatchEmbedding(dim, patch_size)(_torch.empty(1, 3, image_size, image_size)).shape)


def _layers_to_see(side: int, k: int = 3) -> int:
    """Fewest stacked k x k stride-1 layers whose receptive field is at least side x side."""
    n = 0
    while _counting.receptive_field([k] * n) < side:
        n += 1
    return n


def _reference_patchify(x: _torch.Tensor, p: int) -> _torch.Tensor:
    """Reference for 01.4: torch's own unfold, [N, C*p*p, L] -> [N, L, C*p*p]."""
    return _F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)


def _patchify_cases() -> list[tuple[_torch.Tensor, int]]:
    g = _torch.Generator().manual_seed(1)
    return [(_torch.randn(1, 3, 14, 14, generator=g), 7), (_torch.randn(2, 3, 12, 8, generator=g), 4),
            (_torch.randn(1, 1, 6, 6, generator=g), 2), (_torch.randn(2, 2, 9, 9, generator=g), 3)]


def _same_patches(func: Any) -> bool:
    return all(_torch.equal(_torch.as_tensor(call_answer(func, x, p)), _reference_patchify(x, p))
               for x, p in _patchify_cases())


_GRID14 = _stem_output_shape(224, 14)[2]
with _torch.device("meta"):
    _STEM1024 = _counting.count_parameters(_model.PatchEmbedding(1024, 14).proj)
_LAYERS11 = _layers_to_see(11)

register(Exercise(
    key="01.1",
    text="A 224x224 image is cut into 14x14 patches (ConvMixer-1024/20 does this). "
         "How many patches (patch embeddings) does the stem produce?",
    is_correct=equals_int(_GRID14 * _GRID14),
    hint_text="How many patches fit along one side? The grid is square.",
    solution_text=f"224 // 14 = {_GRID14} per side, so {_GRID14} x {_GRID14} = {_GRID14 ** 2:,} patches.",
    feedback=too_big_or_small(_GRID14 * _GRID14),
    answer=_GRID14 * _GRID14,
))
register(Exercise(
    key="01.2",
    text="ConvMixer-1024/20 uses 14x14 patches. How many parameters does its stem convolution "
         "nn.Conv2d(3, 1024, kernel_size=14, stride=14) have, bias included?",
    is_correct=equals_int(_STEM1024),
    hint_text="Each of the 1024 output channels has one 3x14x14 kernel and one bias.",
    solution_text=f"3*14*14*1024 + 1024 = {_STEM1024:,}.",
    feedback=too_big_or_small(_STEM1024),
    answer=_STEM1024,
))
register(Exercise(
    key="01.3",
    text="A VGG-style network starts with 3x3 convolutions, stride 1. How many such layers must be "
         "stacked before one output value sees (at least) an 11x11 square of pixels?",
    is_correct=equals_int(_LAYERS11),
    hint_text="One 3x3 layer sees 3x3; each further 3x3 layer adds 2 pixels to the side "
              "(counting.receptive_field([3] * n)).",
    solution_text=f"1 + 2n >= 11 gives n = {_LAYERS11} layers (receptive_field([3] * {_LAYERS11}) == "
                  f"{_counting.receptive_field([3] * _LAYERS11)}).",
    feedback=too_big_or_small(_LAYERS11),
    answer=_LAYERS11,
))
register(Exercise(
    key="01.4",
    text="Write patchify(x, p) with reshape and permute (no unfold): x is [N, C, H, W] with H and W "
         "multiples of p; return [N, (H/p)*(W/p), C*p*p], patches in row-major order, each patch "
         "flattened channel by channel (as a conv weight [h, C, p, p] is flattened). It must equal "
         "F.unfold(x, p, stride=p).transpose(1, 2) exactly.",
    is_correct=_same_patches,
    hint_text="x.reshape(N, C, H//p, p, W//p, p), then permute so the two grid axes come first and "
              "(C, p, p) last, then reshape to [N, L, C*p*p].",
    solution_text="return x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)"
                  ".reshape(n, (h // p) * (w // p), c * p * p)",
    answer=_reference_patchify,
))

# --- notebook 02: depthwise vs pointwise -----------------------------------------------------
with _torch.device("meta"):
    _DW64_SHAPE = tuple(_torch.nn.Conv2d(64, 64, 5, groups=64).weight.shape)
    _GROUPED96 = _counting.count_parameters(_torch.nn.Conv2d(96, 96, 5, groups=32, bias=False))
_LAYERS224 = next(d for d in range(100) if _counting.convmixer_receptive_field(d, 9, 7)[1] >= 224)


def _reference_pointwise(z: _torch.Tensor, weight: _torch.Tensor, bias: _torch.Tensor) -> _torch.Tensor:
    """Reference for 02.4: torch's own 1x1 convolution."""
    return _F.conv2d(z, weight[:, :, None, None], bias)


def _same_pointwise(func: Any) -> bool:
    g = _torch.Generator().manual_seed(2)
    for n, c, c_out, h, w in [(1, 4, 6, 5, 5), (2, 8, 3, 4, 7), (1, 1, 2, 3, 3)]:
        z = _torch.randn(n, c, h, w, generator=g)
        weight, bias = _torch.randn(c_out, c, generator=g), _torch.randn(c_out, generator=g)
        got = _torch.as_tensor(call_answer(func, z, weight, bias))
        want = _reference_pointwise(z, weight, bias)
        if got.shape != want.shape or not _torch.allclose(got, want, atol=1e-5):
            return False
    return True


register(Exercise(
    key="02.1",
    text="What is the shape of the weight of nn.Conv2d(64, 64, kernel_size=5, groups=64)? "
         "Answer with a tuple.",
    is_correct=equals_shape(_DW64_SHAPE),
    hint_text="A conv weight is [c_out, c_in / groups, k, k].",
    solution_text=f"{_DW64_SHAPE}: 64 kernels, each sees 64/64 = 1 channel, 5x5.",
    feedback=lambda answer: (None if isinstance(answer, (tuple, list)) and len(answer) == 4
                             else "expected 4 numbers [c_out, c_in / groups, k, k]"),
    answer=_DW64_SHAPE,
))
register(Exercise(
    key="02.2",
    text="Between standard (groups=1) and depthwise (groups=channels) lie grouped convolutions. "
         "How many parameters does nn.Conv2d(96, 96, kernel_size=5, groups=32, bias=False) have?",
    is_correct=equals_int(_GROUPED96),
    hint_text="Each of the 96 kernels sees c_in / groups = 3 channels; try it in the explorer above.",
    solution_text=f"5*5*(96/32)*96 = {_GROUPED96:,}.",
    feedback=too_big_or_small(_GROUPED96),
    answer=_GROUPED96,
))
register(Exercise(
    key="02.3",
    text="ConvMixer with 7x7 patches and 9x9 depthwise kernels: after how many layers is the "
         "receptive field of one patch embedding at least 224 pixels wide (the whole image)?",
    is_correct=equals_int(_LAYERS224),
    hint_text="In patches the field is 1 + d*(k-1); multiply by p for pixels "
              "(counting.convmixer_receptive_field).",
    solution_text=f"7 * (1 + 8d) >= 224 first holds for d = {_LAYERS224} "
                  f"({_counting.convmixer_receptive_field(_LAYERS224, 9, 7)[1]} pixels).",
    feedback=too_big_or_small(_LAYERS224),
    answer=_LAYERS224,
))
register(Exercise(
    key="02.4",
    text="Write pointwise_by_hand(z, weight, bias): a 1x1 convolution done as a per-pixel linear map. "
         "z is [N, C, H, W], weight is [C_out, C], bias is [C_out]; return [N, C_out, H, W] "
         "without calling a convolution.",
    is_correct=_same_pointwise,
    hint_text="Move channels last (z.permute(0, 2, 3, 1)), multiply by weight.T, add bias, move "
              "channels back (permute(0, 3, 1, 2)).",
    solution_text="return (z.permute(0, 2, 3, 1) @ weight.T + bias).permute(0, 3, 1, 2)",
    answer=_reference_pointwise,
))

# --- notebook 03: parameter count ------------------------------------------------------------
from convmixer_lab import counting as _counting  # noqa: E402


def _separable_fraction(c_in: int, c_out: int, k: int) -> float:
    """Reference for 03.4: depthwise separable parameters as a fraction of a standard conv's."""
    separable = _counting.depthwise_separable_params(c_in, c_out, k)
    return separable / _counting.standard_conv_params(c_in, c_out, k)


def _same_function(reference: Callable[..., Any], cases: list[tuple[Any, ...]],
                   rel: float = 1e-9) -> Callable[[Any], bool]:
    """A student's function is correct when it agrees with ``reference`` on every case."""
    def ok(func: Any) -> bool:
        return all(close_to(reference(*case), rel=rel)(call_answer(func, *case)) for case in cases)
    return ok


register(Exercise(
    key="03.1",
    text="A standard 5x5 convolution maps 128 channels to 256 channels (no bias). "
         "How many parameters does it have?",
    is_correct=equals_int(_counting.standard_conv_params(128, 256, 5)),
    hint_text="There are c_out kernels, and each one is k x k x c_in.",
    solution_text="5 * 5 * 128 * 256 = 819,200 (standard_conv_params(128, 256, 5)).",
    feedback=too_big_or_small(_counting.standard_conv_params(128, 256, 5)),
    answer=_counting.standard_conv_params(128, 256, 5),
))
register(Exercise(
    key="03.2",
    text="The same job done depthwise separably: a depthwise 5x5 convolution on the 128 channels, "
         "then a pointwise (1x1) convolution from 128 to 256 channels (no bias). "
         "How many parameters in total?",
    is_correct=equals_int(_counting.depthwise_separable_params(128, 256, 5)),
    hint_text="Depthwise: one flat k x k kernel per input channel. Pointwise: c_in x c_out weights.",
    solution_text="5*5*128 + 128*256 = 3,200 + 32,768 = 35,968 "
                  "(depthwise_separable_params(128, 256, 5)).",
    feedback=too_big_or_small(_counting.depthwise_separable_params(128, 256, 5)),
    answer=_counting.depthwise_separable_params(128, 256, 5),
))
register(Exercise(
    key="03.3",
    text="In ConvMixer-1536/20 (k=9) every layer's depthwise 9x9 convolution works on a 32x32 grid "
         "of 1536 channels. How many multiply-accumulates (MACs) does it take for ONE image?",
    is_correct=equals_int(_counting.conv_macs(1536, 1536, 9, 32, 32, groups=1536)),
    hint_text="Each output value costs k*k*(c_in/groups) MACs; there are c_out*H*W output values.",
    solution_text="9*9*1 MACs per output value, 1536*32*32 values: 127,401,984 "
                  "(conv_macs(1536, 1536, 9, 32, 32, groups=1536)).",
    feedback=too_big_or_small(_counting.conv_macs(1536, 1536, 9, 32, 32, groups=1536)),
    answer=_counting.conv_macs(1536, 1536, 9, 32, 32, groups=1536),
))
register(Exercise(
    key="03.4",
    text="Write separable_fraction(c_in, c_out, k): the parameters of a depthwise separable "
         "convolution divided by those of a standard k x k convolution (no bias).",
    is_correct=_same_function(_separable_fraction,
                              [(256, 512, 3), (128, 256, 5), (1536, 1536, 9), (3, 8, 1), (7, 2, 4)]),
    hint_text="Divide (k*k*c_in + c_in*c_out) by k*k*c_in*c_out; it simplifies to 1/c_out + 1/k**2.",
    solution_text="return 1 / c_out + 1 / k**2  (the same as "
                  "depthwise_separable_params(c_in, c_out, k) / standard_conv_params(c_in, c_out, k)).",
    answer=_separable_fraction,
))

# --- notebook 04: full model -----------------------------------------------------------------
import torch as _torch  # noqa: E402

from convmixer_lab import model as _model  # noqa: E402


def _layer_params(h: int, k: int, block: str) -> int:
    """Reference for 04.4: parameters of one layer, counted from a real module (meta device:
    shapes only, no memory, no random initialisation)."""
    layer_class = _model.ConvMixerLayer if block == "paper" else _model.SeedConvMixerLayer
    with _torch.device("meta"):
        return _counting.count_parameters(layer_class(h, k))


def _features_shape(batch: int, image_size: int, *args: int) -> tuple[int, ...]:
    """Shape ``forward_features`` returns, read from the package's stage table (meta device)."""
    with _torch.device("meta"):
        model = _model.ConvMixer(*args)
    rows = _counting.stage_table(model, image_size)
    return (batch,) + rows[-2 if model.config["num_classes"] == 0 else -3].output_shape


_P768 = _counting.convmixer_params(768, 32, kernel_size=7, patch_size=7)
_D1024 = (_counting.convmixer_params(1024, 20, kernel_size=9, patch_size=14)
          - _counting.convmixer_params(1024, 20, kernel_size=9, patch_size=14, block="seed"))
_SHAPE = _features_shape(2, 224, 256, 8, 5, 14)

register(Exercise(
    key="04.1",
    text="How many parameters exactly does ConvMixer-768/32 (p=7, k=7, 1000 classes, paper block) "
         "have? Count them from a model or with the formula.",
    is_correct=equals_int(_P768),
    hint_text="count_parameters(ConvMixer(768, 32, kernel_size=7, patch_size=7)), or add up "
              "stem + 32 * layer + head with the formula in this notebook.",
    solution_text=f"{_P768:,} (convmixer_params(768, 32, kernel_size=7, patch_size=7)); "
                  "the paper reports 21.1M.",
    feedback=too_big_or_small(_P768),
    answer=_P768,
))
register(Exercise(
    key="04.2",
    text="ConvMixer-1024/20 (p=14, k=9): how many FEWER parameters does it have when built with "
         "the tutorial's block (block=\"seed\") instead of the paper's?",
    is_correct=equals_int(_D1024),
    hint_text="The tutorial's layer has one BatchNorm instead of two; a BatchNorm over h channels "
              "has 2*h parameters.",
    solution_text=f"2 * 1024 * 20 = {_D1024:,}: one BatchNorm (weight and bias, 1024 each) per layer.",
    feedback=too_big_or_small(_D1024),
    answer=_D1024,
))
register(Exercise(
    key="04.3",
    text="What shape does model.forward_features(x) return for "
         "model = ConvMixer(256, 8, kernel_size=5, patch_size=14) and x = torch.randn(2, 3, 224, 224)? "
         "Answer with a tuple.",
    is_correct=equals_shape(_SHAPE),
    hint_text="forward_features stops before the pooling: [N, h, H/p, W/p]. What is 224 // 14?",
    solution_text=f"{_SHAPE}: 224 // 14 = 16 patches per side, h = 256 channels.",
    feedback=lambda answer: (f"expected {len(_SHAPE)} numbers [N, h, H/p, W/p]"
                             if not isinstance(answer, (tuple, list)) or len(answer) != len(_SHAPE)
                             else None),
    answer=_SHAPE,
))
register(Exercise(
    key="04.4",
    text="Write layer_params(h, k, block) returning the parameters of ONE ConvMixer layer with h "
         "channels and a k x k depthwise kernel; block is \"paper\" or \"seed\". "
         "Convolutions have biases; a BatchNorm has 2*h parameters.",
    is_correct=_same_function(_layer_params, [(8, 3, "paper"), (8, 3, "seed"), (1536, 9, "paper"),
                                              (1536, 9, "seed"), (5, 4, "paper"), (1, 1, "seed")]),
    hint_text="depthwise k*k*h + h, pointwise h*h + h, then 2*h per BatchNorm: two in the paper's "
              "block, one in the tutorial's.",
    solution_text="return k*k*h + h + h*h + h + (4*h if block == \"paper\" else 2*h)",
    answer=_layer_params,
))

# --- notebook 05: training -------------------------------------------------------------------
from convmixer_lab.presets import MODELS as _MODELS  # noqa: E402

_SMALL = _MODELS["small"]
_SMALL_PARAMS = _counting.convmixer_params(_SMALL["dim"], _SMALL["depth"], _SMALL["kernel_size"],
                                           _SMALL["patch_size"], num_classes=10, in_channels=1)
_SMALL_PATCHES = (28 // _SMALL["patch_size"]) ** 2
_LOGIT_CASES = [(_torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 4.5, 0.0]]),
                 _torch.tensor([0, 1, 0, 0])),
                (_torch.arange(60.0).reshape(6, 10).remainder(7), _torch.tensor([6, 5, 3, 3, 0, 9]))]


def _accuracy(logits: _torch.Tensor, labels: _torch.Tensor) -> float:
    """Reference for 05.3: fraction of rows whose largest logit sits at the label."""
    return (logits.argmax(dim=1) == labels).float().mean().item()


def _same_accuracy(func: Any) -> bool:
    return all(math.isclose(float(call_answer(func, *case)), _accuracy(*case), abs_tol=1e-6)
               for case in _LOGIT_CASES)


register(Exercise(
    key="05.1",
    text=f"The small preset is ConvMixer-{_SMALL['dim']}/{_SMALL['depth']} with "
         f"p={_SMALL['patch_size']}, k={_SMALL['kernel_size']}, 1 input channel (grey images) and 10 "
         "classes. How many parameters does it have?",
    is_correct=equals_int(_SMALL_PARAMS),
    hint_text="count_parameters(ConvMixer(...)) with in_channels=1 and num_classes=10, or the formula "
              "stem + d * layer + head from notebook 04 with c=1 and n=10.",
    solution_text=f"{_SMALL_PARAMS:,} (convmixer_params({_SMALL['dim']}, {_SMALL['depth']}, "
                  f"{_SMALL['kernel_size']}, {_SMALL['patch_size']}, num_classes=10, in_channels=1)).",
    feedback=too_big_or_small(_SMALL_PARAMS),
    answer=_SMALL_PARAMS,
))
register(Exercise(
    key="05.2",
    text=f"A 28x28 Fashion-MNIST image goes through the small preset's stem (p={_SMALL['patch_size']}). "
         "How many patch embeddings does ONE image become?",
    is_correct=equals_int(_SMALL_PATCHES),
    hint_text="The stem makes an (H/p) x (W/p) grid of patches, each a vector of h numbers.",
    solution_text=f"(28 // {_SMALL['patch_size']}) ** 2 = {_SMALL_PATCHES} patches, each with "
                  f"h = {_SMALL['dim']} channels.",
    feedback=too_big_or_small(_SMALL_PATCHES),
    answer=_SMALL_PATCHES,
))
register(Exercise(
    key="05.3",
    text="Write accuracy(logits, labels): logits is a tensor [N, classes], labels a tensor [N] of "
         "class indices; return the fraction (0 to 1) of images whose largest logit is the label's.",
    is_correct=_same_accuracy,
    hint_text="logits.argmax(dim=1) gives the predicted class of each row; compare with labels, then "
              "take the mean of the matches as floats.",
    solution_text="return (logits.argmax(dim=1) == labels).float().mean().item()",
    answer=_accuracy,
))
