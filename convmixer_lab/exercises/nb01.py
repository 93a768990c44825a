"""Exercises of notebook 01 (patch embedding). Expected answers come from the package.

    01.1  predict   the stem's MACs at p = 14 relative to p = 7 (then a cell measures them)
    01.2  experiment  shift the photo by a few pixels: what happens to the embedding?
    01.3  why       what three stacked 3x3 layers can do that the patch embedding cannot
    01.4  compute   write patchify(x, p) with reshape and permute
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from convmixer_lab.counting import patch_stats, receptive_field
from convmixer_lab.exercises.core import (
    ChoiceExercise,
    call_answer,
    choice_exercise,
    close_to,
    function_exercise,
    prediction_exercise,
)

# --- 01.1: the stem's MACs when p goes from 7 to 14 (h = 768, a 224x224 image) ------------------

_P7, _P14 = patch_stats(3, 768, 7, 224), patch_stats(3, 768, 14, 224)
MAC_RATIO = _P14["stem_macs"] / _P7["stem_macs"]
_PER_VALUE = _P14["values_per_patch"] // _P7["values_per_patch"]  # MACs per output value: x4
_FEWER = _P7["patches"] // _P14["patches"]                         # output values: 4x fewer


def _is_number(answer: Any) -> bool:
    return isinstance(answer, (int, float)) and not isinstance(answer, bool)


def _mac_ratio_feedback(answer: Any) -> str:
    if not _is_number(answer):
        return f"predict one number, MACs at p = 14 divided by MACs at p = 7, got {type(answer).__name__}"
    if math.isclose(answer, MAC_RATIO * _PER_VALUE):
        return (f"each output value does cost {_PER_VALUE} times more MACs (3*14*14 instead of 3*7*7), "
                f"but there are {_FEWER} times fewer patches ({_P14['grid']}x{_P14['grid']} instead of "
                f"{_P7['grid']}x{_P7['grid']})")
    if math.isclose(answer, MAC_RATIO / _FEWER):
        return (f"there are {_FEWER} times fewer patches, but each output value costs {_PER_VALUE} times "
                f"more MACs (3*14*14 instead of 3*7*7 numbers to multiply)")
    side = "too large" if answer > MAC_RATIO else "too small"
    return (f"{side}: MACs = (MACs per output value) x (number of output values); work out how each "
            f"factor changes from p = 7 to p = 14")


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
             "3 * 224 * 224 * h MACs, whatever p.",
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
         "you see?",
    options={"a": "Any shift moves the embedding along with the photo: every patch keeps its numbers.",
             "b": "A shift by a multiple of p moves the embedding along by whole patches; any other "
                  "shift gives (nearly) every patch new numbers.",
             "c": "Only the patches at the left edge change, whatever the shift.",
             "d": "Nothing changes: each patch's numbers depend only on the average colour of the "
                  "patch."},
    answer="b",
    why_not={"a": "with shift = 3 the cell finds no column that merely moved: every 7x7 window now holds "
                  "pixels of two old patches, so its numbers change.",
             "c": "with shift = 3 every window straddles two old patches, so the change is everywhere, "
                  "not only at the edge.",
             "d": f"the stem gives each of the {_P7['values_per_patch']} numbers of a patch its own "
                  "weight, so moving pixels inside a window changes its output; only whole-patch "
                  "shifts keep each window's pixels."},
    hint="Look at the printed count for each shift: which shifts keep whole patch columns intact?",
    solution="(b). The stride-p grid is fixed to the image: a shift by 7 or 14 pixels moves every "
             "patch's pixels into the next window (the embedding moves by 1 or 2 columns), while a "
             "3-pixel shift cuts every patch differently. A stride-1 convolution's output moves along "
             "with any shift; the patch grid's only with multiples of p.",
))

# --- 01.3: why a stack of 3x3 layers is not the same as one patch embedding ---------------------

_STACK_SIDE = receptive_field([3, 3, 3])
choice_exercise(
    "01.3",
    text=f"Three stacked 3x3 convolutions with a GELU after each also see a {_STACK_SIDE}x{_STACK_SIDE} "
         "square, like one 7x7 patch. What can such a stack compute that the patch embedding "
         "Conv2d(3, h, 7, stride=7) followed by GELU cannot?",
    options={"a": "Non-linear combinations inside the square: later layers combine GELU-ed features "
                  "of smaller windows, while each stem output is one weighted sum of the 147 numbers, "
                  "then a GELU.",
             "b": "It sees more of the image than the patch embedding does.",
             "c": "It needs fewer multiply-accumulates (MACs).",
             "d": "Nothing: any stack of convolutions equals one bigger convolution."},
    answer="a",
    why_not={"b": f"receptive_field([3, 3, 3]) == {_STACK_SIDE}: both see the same 7x7 square.",
             "c": "the cell in section 4 printed the opposite: the 3x3 stack at full resolution costs "
                  "far more MACs than the stem.",
             "d": "only without the non-linearities: a stack of purely linear convolutions is one "
                  "linear map, but a GELU between layers breaks that."},
    hint="Write out what one output channel of the stem computes from one patch. Is it linear in "
         "the pixels before the GELU?",
    solution="(a). One stem output is GELU(w . patch + b): one linear 'detector' per channel. A 3x3 "
             "stack can first detect small things (edges) in 3x3 windows and then combine those "
             "detections non-linearly. The patch embedding gives that up for a cheap first step; the "
             "ConvMixer layers after it add non-linear processing, but between patches.",
)

# --- 01.4: patchify by hand -------------------------------------------------------------------------


def _reference_patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """Reference for 01.4: torch's own unfold, [N, C*p*p, L] -> [N, L, C*p*p]."""
    return F.unfold(x, kernel_size=p, stride=p).transpose(1, 2)


def _patchify_cases() -> list[tuple[torch.Tensor, int]]:
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(1, 3, 14, 14, generator=g), 7), (torch.randn(2, 3, 12, 8, generator=g), 4),
            (torch.randn(1, 1, 6, 6, generator=g), 2), (torch.randn(2, 2, 9, 9, generator=g), 3)]


def _same_patches(func: Any) -> bool:
    return all(torch.equal(torch.as_tensor(call_answer(func, x, p)), _reference_patchify(x, p))
               for x, p in _patchify_cases())


def _rows(t: torch.Tensor) -> list[tuple[float, ...]]:
    return sorted(tuple(row.tolist()) for row in t.reshape(-1, t.shape[-1]))


def _patchify_mistake(got: torch.Tensor, want: torch.Tensor, x: torch.Tensor, p: int) -> str:
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
            got = torch.as_tensor(call_answer(func, x, p))
        except Exception:  # check() already reported the error
            return None
        want = _reference_patchify(x, p)
        if got.shape != want.shape:
            return (f"for x of shape {tuple(x.shape)} and p = {p} the result must be [N, L, C*p*p] = "
                    f"{tuple(want.shape)}, got {tuple(got.shape)}")
        if not torch.equal(got, want):
            return _patchify_mistake(got, want, x, p)
    return None


function_exercise(
    "01.4",
    text="Write patchify(x, p) with reshape and permute (no unfold): x is [N, C, H, W] with H and W "
         "multiples of p; return [N, (H/p)*(W/p), C*p*p], patches in row-major order, each patch "
         "flattened channel by channel (as a conv weight [h, C, p, p] is flattened). It must equal "
         "F.unfold(x, p, stride=p).transpose(1, 2) exactly.",
    is_correct=_same_patches,
    reference=_reference_patchify,
    feedback=_patchify_feedback,
    hint="x.reshape(N, C, H//p, p, W//p, p), then permute so the two grid axes come first and "
         "(C, p, p) last, then reshape to [N, L, C*p*p].",
    solution="return x.reshape(n, c, h // p, p, w // p, p).permute(0, 2, 4, 1, 3, 5)"
             ".reshape(n, (h // p) * (w // p), c * p * p)",
)
