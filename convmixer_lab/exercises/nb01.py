"""Exercises of notebook 01 (patch embedding); texts in ``texts/nb01.toml``, answers from the package."""

import math
from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import conv_macs, mixer_layer_macs, patch_stats
from convmixer_lab.exercises.calls import CONVOLUTIONS, UNFOLD, call_recording, forbidden_used
from convmixer_lab.exercises.core import as_number, close_to, define, not_a_number
from convmixer_lab.receptive import receptive_field
from convmixer_lab.texts import Text, t

# 01.1: the stem's MACs when p goes from 7 to 14 (h = 768, a 224x224 image)
_P7, _P14 = patch_stats(3, 768, 7, 224), patch_stats(3, 768, 14, 224)
MAC_RATIO = _P14["stem_macs"] / _P7["stem_macs"]
LAYER_RATIO = mixer_layer_macs(768, 9, _P7["grid"]) // mixer_layer_macs(768, 9, _P14["grid"])  # 4
_F1 = {"ratio": MAC_RATIO, "layer_ratio": LAYER_RATIO, "grid": _P7["grid"], "grid14": _P14["grid"],
       "patches": _P7["patches"], "patches14": _P14["patches"],
       "per_value": _P14["values_per_patch"] // _P7["values_per_patch"],  # MACs per output value: x4
       "fewer": _P7["patches"] // _P14["patches"]}                         # output values: 4x fewer


def _mac_ratio_feedback(answer: Any) -> Text:
    value = as_number(answer)
    if value is None:  # NaN gets core's reason, anything else 01.1's own
        return not_a_number(answer, "01.1.one_number")
    if math.isclose(value, MAC_RATIO * _F1["per_value"]):
        return t("01.1.per_value", **_F1)
    if math.isclose(value, MAC_RATIO / _F1["fewer"]):
        return t("01.1.fewer", **_F1)
    return t("01.1.factors", side=t("core.too_large" if value > MAC_RATIO else "core.too_small"))


define("01.1", "predict", MAC_RATIO, is_correct=close_to(MAC_RATIO, rel=1e-6), feedback=_mac_ratio_feedback,
       fields=_F1)

# 01.2: the shift experiment; 01.3: a stack of 3x3 layers against one patch embedding
define("01.2", "experiment", "c", options="abcd", fields={"values_per_patch": _P7["values_per_patch"]})

_STACK_MACS = conv_macs(3, 64, 3, 224, 224) + 2 * conv_macs(64, 64, 3, 224, 224)  # section 4's stack
define("01.3", "why", "b", options="abcd",
       fields={"side": receptive_field([3, 3, 3]), "stack_ratio": _STACK_MACS / _P7["stem_macs"]})

# 01.4: patchify(x, p) by hand, with reshape and permute (unfold and convolutions refused)
def _reference_patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """A correct answer to 01.4, with reshape and permute only."""
    n, c, height, width = x.shape
    grid = x.reshape(n, c, height // p, p, width // p, p).permute(0, 2, 4, 1, 3, 5)
    return grid.reshape(n, (height // p) * (width // p), c * p * p)


def _rows(x: torch.Tensor) -> list[tuple[float, ...]]:
    return sorted(tuple(row.tolist()) for row in x.reshape(-1, x.shape[-1]))


def _patchify_mistake(got: torch.Tensor, want: torch.Tensor) -> Text:
    """What is wrong with ``got`` (right shape, wrong values) compared with ``want``."""
    if _rows(got) == _rows(want):
        return t("01.4.patch_order")
    if torch.equal(got.sort(dim=-1).values, want.sort(dim=-1).values):
        return t("01.4.number_order")
    return t("01.4.not_patches")


def _patchify_problem(func: Any) -> Text | None:
    """What is wrong with the student's ``patchify`` (None: nothing). Each reference is computed
    before the call and the call gets a copy, so an answer that changes ``x`` in place cannot pass."""
    g = torch.Generator().manual_seed(1)
    for x, p in [(torch.randn(1, 3, 14, 14, generator=g), 7), (torch.randn(2, 3, 12, 8, generator=g), 4),
                 (torch.randn(1, 1, 6, 6, generator=g), 2), (torch.randn(2, 2, 9, 9, generator=g), 3)]:
        want = F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)  # torch's own: [N, L, C*p*p]
        got, used = call_recording(func, x.clone(), p)
        if shortcuts := forbidden_used(used, UNFOLD | CONVOLUTIONS):  # reshape, permute only
            return t("01.4.shortcut", calls=", ".join(shortcuts))
        got = torch.as_tensor(got).to(want.dtype)  # judged by value: a float64 result counts
        if got.shape != want.shape:
            return t("01.4.shape", x_shape=tuple(x.shape), p=p, want=tuple(want.shape), got=tuple(got.shape))
        if not torch.equal(got, want):
            return _patchify_mistake(got, want)
    return None


define("01.4", "compute", _reference_patchify, is_correct=lambda func: _patchify_problem(func) is None,
       feedback=_patchify_problem)
