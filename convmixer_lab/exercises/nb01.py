"""Exercises of notebook 01 (patch embedding). Expected answers come from the package.

    01.1  predict     the stem's MACs at p = 14 relative to p = 7 (then a cell measures them)
    01.2  experiment  shift the photo by a few pixels: what happens to the embedding?
    01.3  why         what three stacked 3x3 layers can do that the patch embedding cannot
    01.4  compute     write patchify(x, p) with reshape and permute (unfold and convolutions refused)
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import conv_macs, patch_stats
from convmixer_lab.exercises.calls import CONVOLUTIONS, UNFOLD, call_recording, forbidden_used
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    choice_exercise,
    close_to,
    function_exercise,
    prediction_exercise,
)
from convmixer_lab.i18n import tr
from convmixer_lab.receptive import receptive_field

# --- 01.1: the stem's MACs when p goes from 7 to 14 (h = 768, a 224x224 image) ------------------

_P7, _P14 = patch_stats(3, 768, 7, 224), patch_stats(3, 768, 14, 224)
MAC_RATIO = _P14["stem_macs"] / _P7["stem_macs"]
_PER_VALUE = _P14["values_per_patch"] // _P7["values_per_patch"]  # MACs per output value: x4
_FEWER = _P7["patches"] // _P14["patches"]                         # output values: 4x fewer


def _layer_macs(dim: int, kernel_size: int, grid: int) -> int:
    """MACs of one ConvMixer layer (depthwise k x k + pointwise 1x1, h = dim) on a grid x grid map."""
    return (conv_macs(dim, dim, kernel_size, grid, grid, groups=dim)
            + conv_macs(dim, dim, 1, grid, grid))


LAYER_RATIO = _layer_macs(768, 9, _P7["grid"]) // _layer_macs(768, 9, _P14["grid"])  # 4: p = 7 vs 14
_AFTER = (f"a larger p does make the network faster, but through the layers after the stem: on the "
          f"{_P14['grid']}x{_P14['grid']} grid each ConvMixer layer needs {LAYER_RATIO} times fewer MACs")


def _is_number(answer: Any) -> bool:
    return isinstance(answer, (int, float)) and not isinstance(answer, bool)


def _mac_ratio_feedback(answer: Any) -> str:
    if not _is_number(answer):
        return tr("predict one number, MACs at p = 14 divided by MACs at p = 7, got {type}",
                  type=type(answer).__name__)
    if math.isclose(answer, MAC_RATIO * _PER_VALUE):
        return (f"each output value does cost {_PER_VALUE} times more MACs (3*14*14 instead of 3*7*7), "
                f"but there are {_FEWER} times fewer patches ({_P14['grid']}x{_P14['grid']} instead of "
                f"{_P7['grid']}x{_P7['grid']})")
    if math.isclose(answer, MAC_RATIO / _FEWER):
        return (f"there are {_FEWER} times fewer patches, but each output value costs {_PER_VALUE} times "
                f"more MACs (3*14*14 instead of 3*7*7 numbers to multiply). {_AFTER[0].upper()}{_AFTER[1:]}")
    side = tr("too large" if answer > MAC_RATIO else "too small")
    return tr("{side}: MACs = (MACs per output value) x (number of output values); work out how each "
              "factor changes from p = 7 to p = 14", side=side)


prediction_exercise(
    "01.1",
    text="Predict, then run. The stem Conv2d(3, 768, kernel_size=p, stride=p) on a 224x224 image: "
         "how many times as many MACs does p = 14 need as p = 7? (A number: 2 means twice as many, "
         "0.5 half as many.)",
    expected=MAC_RATIO,
    is_correct=close_to(MAC_RATIO, rel=1e-6),
    feedback=_mac_ratio_feedback,
    hint="Two things change with p: how many numbers each output value multiplies (3*p*p), and how "
         "many output values there are (768 per patch, (224/p)^2 patches).",
    solution=f"{MAC_RATIO:g}: each output value costs {_PER_VALUE}x more (3*14*14 vs 3*7*7 MACs), and "
             f"there are {_FEWER}x fewer of them ({_P14['patches']:,} vs {_P7['patches']:,} patches). "
             "Whenever p divides the image side, every pixel is used once per output channel: "
             f"3 * 224 * 224 * h MACs, whatever p. {_AFTER[0].upper()}{_AFTER[1:]}.",
)

# --- 01.2: the shift experiment -------------------------------------------------------------------

def _experiment(ex: ChoiceExercise) -> ChoiceExercise:
    """A multiple-choice question about what an experiment showed (``choice_exercise`` registers
    kind "why"; this one is answered by running the experiment)."""
    ex.kind = "experiment"
    return ex


_experiment(choice_exercise(
    "01.2",
    text="Experiment. Run the cell above with shift = 7, then shift = 3, then shift = 14. What do "
         "you see for the patch embedding?",
    options={"a": "Any shift moves it along: every patch column reappears, shifted, as at stride 1.",
             "b": "Only the columns at the left edge change, where torch.roll wraps pixels around.",
             "c": "Shifts by a multiple of p move it along; any other shift changes every column.",
             "d": "A 3-pixel shift changes little: most of each patch's pixels stay in its window."},
    answer="c",
    why_not={"a": "that is what the stride-1 line shows. For the patch embedding, shift = 3 leaves 0 "
                  "columns unchanged: its windows are fixed to the image, so they now cut it elsewhere.",
             "b": "with shift = 3 the count is 0 of 32: every column changes, not only the edge. Each "
                  "7x7 window now holds pixels of two old patches.",
             "d": "the cell counts columns that reappear unchanged, and with shift = 3 there are none: "
                  "each window now holds 4 pixel columns of one old patch and 3 of its left neighbour, "
                  f"and each of the {_P7['values_per_patch']} numbers has its own weight, so the "
                  "weighted sum changes."},
    hint="Compare the counts for the three shifts. Which shifts put every old patch whole into a "
         "window of the fixed grid?",
    solution="(c). The stride-p grid is fixed to the image: a shift by 7 or 14 pixels moves every "
             "patch's pixels into the next window whole (the embedding moves by 1 or 2 columns), while a "
             "3-pixel shift cuts every patch differently. The same kernels at stride 1 have a window at "
             "every pixel, so their output moves along with any shift.",
))

# --- 01.3: why a stack of 3x3 layers is not the same as one patch embedding ---------------------

_STACK_SIDE = receptive_field([3, 3, 3])
_STACK_MACS = conv_macs(3, 64, 3, 224, 224) + 2 * conv_macs(64, 64, 3, 224, 224)  # section 4's stack
choice_exercise(
    "01.3",
    text=f"Three stacked 3x3 convolutions with a GELU after each also see a {_STACK_SIDE}x{_STACK_SIDE} "
         "square, like one 7x7 patch. What can such a stack compute that the patch embedding "
         "Conv2d(3, h, 7, stride=7) followed by GELU cannot?",
    options={"a": "It sees a larger square of the photo: each 3x3 layer widens what one output sees.",
             "b": "Non-linear mixes of small-window features; a stem output is GELU of one sum.",
             "c": "It needs fewer multiply-accumulates (MACs) than the stem to cover the same square.",
             "d": "Nothing: with the right weights, three stacked convolutions equal one bigger one."},
    answer="b",
    why_not={"a": f"receptive_field([3, 3, 3]) == {_STACK_SIDE}: both see the same 7x7 square.",
             "c": f"section 4 printed the opposite: three 3x3 layers at full resolution cost "
                  f"{_STACK_MACS / _P7['stem_macs']:.1f}x the stem's MACs.",
             "d": "that holds only without the non-linearities: stacked linear convolutions are one "
                  "linear map, but a GELU between them breaks that."},
    hint="Write out what one output channel of the stem computes from one patch. Is it linear in "
         "the pixels before the GELU? And the stack's third layer: what are its inputs?",
    solution="(b). One stem output is GELU(w . patch + b): one weighted sum of the 147 numbers, then "
             "GELU. A 3x3 stack can first detect small things (edges) in 3x3 windows and then combine "
             "those detections non-linearly. The patch embedding gives that up for a cheap first step; "
             "the ConvMixer layers after it add non-linear processing, but between patches.",
)

# --- 01.4: patchify by hand -------------------------------------------------------------------------

_SHORTCUTS = UNFOLD | CONVOLUTIONS  # the exercise asks for reshape and permute


def _unfold_patches(x: torch.Tensor, p: int) -> torch.Tensor:
    """What 01.4 must equal: torch's own unfold, [N, C*p*p, L] -> [N, L, C*p*p]."""
    return F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)


def _reference_patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """A correct answer to 01.4, with reshape and permute only."""
    n, c, height, width = x.shape
    grid = x.reshape(n, c, height // p, p, width // p, p).permute(0, 2, 4, 1, 3, 5)
    return grid.reshape(n, (height // p) * (width // p), c * p * p)


def _patchify_cases() -> list[tuple[torch.Tensor, int]]:
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(1, 3, 14, 14, generator=g), 7), (torch.randn(2, 3, 12, 8, generator=g), 4),
            (torch.randn(1, 1, 6, 6, generator=g), 2), (torch.randn(2, 2, 9, 9, generator=g), 3)]


def _same_patches(func: Any) -> bool:
    for x, p in _patchify_cases():
        got, used = call_recording(func, x, p)
        if forbidden_used(used, _SHORTCUTS) or not torch.equal(torch.as_tensor(got), _unfold_patches(x, p)):
            return False
    return True


def _rows(t: torch.Tensor) -> list[tuple[float, ...]]:
    return sorted(tuple(row.tolist()) for row in t.reshape(-1, t.shape[-1]))


def _patchify_mistake(got: torch.Tensor, want: torch.Tensor) -> str:
    """What is wrong with ``got`` (right shape, wrong values) compared with ``want``."""
    if _rows(got) == _rows(want):
        return ("each patch is right, but the patches are in the wrong order: go along the grid row by "
                "row (row-major: patch (0, 0), (0, 1), ...), as unfold does")
    if torch.equal(got.sort(dim=-1).values, want.sort(dim=-1).values):
        return ("each row holds the right patch, but its numbers are in the wrong order: flatten channel "
                "by channel (all of channel 0 row by row, then channel 1, ...), as a conv weight "
                "[h, C, p, p] is flattened, not pixel by pixel")
    return ("the shape is right but the rows are not x's patches: a reshape alone mixes pixels of "
            "different patches; split H and W into (grid, p) and permute the axes before the last reshape")


def _patchify_feedback(func: Any) -> str | None:
    for x, p in _patchify_cases():
        try:
            got, used = call_recording(func, x, p)
        except Exception:  # check() already reported it (or the answer is a placeholder)
            return None
        if shortcuts := forbidden_used(used, _SHORTCUTS):
            return tr("your function calls {calls}: the exercise asks you to cut the patches yourself, "
                      "with reshape and permute (unfold is what your result is compared with)",
                      calls=", ".join(shortcuts))
        got, want = torch.as_tensor(got), _unfold_patches(x, p)
        if got.shape != want.shape:
            return tr("for x of shape {x_shape} and p = {p} the result must be [N, L, C*p*p] = {want}, "
                      "got {got}", x_shape=tuple(x.shape), p=p, want=tuple(want.shape), got=tuple(got.shape))
        if not torch.equal(got, want):
            return _patchify_mistake(got, want)
    return None


function_exercise(
    "01.4",
    text="Write patchify(x, p) with reshape and permute (no unfold, no convolution): x is [N, C, H, W] "
         "with H and W multiples of p; return [N, (H/p)*(W/p), C*p*p], patches in row-major order, each "
         "patch flattened channel by channel (as a conv weight [h, C, p, p] is flattened). It must "
         "equal F.unfold(x, p, stride=p).transpose(1, 2) exactly.",
    is_correct=_same_patches,
    reference=_reference_patchify,
    feedback=_patchify_feedback,
    hint="A reshape can split one axis into two: H into (H/p, p), that is (which patch row, which pixel "
         "row inside the patch); W likewise. Then ask which axes must come first in the result, and in "
         "what order the C*p*p numbers of one patch must be listed.",
    solution="n, c, H, W = x.shape; return x.reshape(n, c, H // p, p, W // p, p).permute(0, 2, 4, 1, 3, 5)"
             ".reshape(n, (H // p) * (W // p), c * p * p): the permute puts the two grid axes "
             "(H/p, W/p) first and (C, p, p) last, in the order a conv weight is flattened.",
)
