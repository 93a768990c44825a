"""Counting parameters and multiply-accumulates (MACs), by formula and from real modules.

Formulas use the paper's symbols: h (dim), d (depth), k (kernel size), p (patch size),
c (input channels), n (classes). A convolution layer's bias is one parameter per output channel;
a BatchNorm has two learnable parameters (weight and bias) per channel.

Every convolution function takes ``(c_in, c_out, k, ...)``: ``conv_counts(c_in, c_out, k, groups)``,
``conv_macs(c_in, c_out, k, out_h, out_w, groups)``, and for the stem (a convolution from c to h
channels with k = p) ``patch_stats(in_channels, dim, patch_size, image_size)``. Arguments are
checked as ``ConvMixer`` checks its own: a clear error that names the argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn

from convmixer_lab.checks import check_choice, check_int, check_positive_int
from convmixer_lab.i18n import pad, tr
from convmixer_lab.model import BLOCKS, ConvMixer
from convmixer_lab.threads import one_thread


def _positive_ints(**values: object) -> None:
    for name, value in values.items():
        check_positive_int(name, value)


def _common_divisors(a: int, b: int, most: int = 8) -> str:
    """Numbers that divide both a and b, smallest first, as text (found without a long search)."""
    n = math.gcd(a, b)
    small = [g for g in range(1, min(math.isqrt(n), 10_000) + 1) if n % g == 0]
    divisors = sorted(set(small) | {n // g for g in small})
    return ", ".join(map(str, divisors[:most])) + (", ..." if len(divisors) > most else "")


def _check_conv(c_in: object, c_out: object, k: object, groups: object = 1) -> None:
    _positive_ints(c_in=c_in, c_out=c_out, k=k, groups=groups)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out} (PyTorch "
                         f"refuses it too); choose one of {_common_divisors(c_in, c_out)}")


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``module`` (each shared tensor counted once)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def grouped_conv_params(c_in: int, c_out: int, k: int, groups: int = 1, bias: bool = False) -> int:
    """A k x k convolution from c_in to c_out channels in ``groups`` groups: c_out kernels of
    size k*k*(c_in/groups). groups=1 is a standard convolution, groups=c_in=c_out a depthwise one."""
    _check_conv(c_in, c_out, k, groups)
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


def standard_conv_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """A k x k convolution from c_in to c_out channels: c_out kernels of size k*k*c_in.

    standard_conv_params(256, 512, 3) == 1_179_648 (no bias, as in the tutorial).
    """
    return grouped_conv_params(c_in, c_out, k, 1, bias)


def depthwise_params(c: int, k: int, bias: bool = False) -> int:
    """A depthwise k x k convolution (groups=c): one flat k x k kernel per channel."""
    _positive_ints(c=c, k=k)
    return grouped_conv_params(c, c, k, c, bias)


def pointwise_params(c_in: int, c_out: int, bias: bool = False) -> int:
    """A 1x1 convolution: a c_in -> c_out linear map applied at every pixel."""
    return standard_conv_params(c_in, c_out, 1, bias)


def depthwise_separable_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """Depthwise k x k on c_in channels, then pointwise c_in -> c_out.

    depthwise_separable_params(256, 512, 3) == 2_304 + 131_072 == 133_376.
    """
    _positive_ints(c_in=c_in, c_out=c_out, k=k)
    return depthwise_params(c_in, k, bias) + pointwise_params(c_in, c_out, bias)


def conv_counts(c_in: int = 256, c_out: int = 512, k: int = 3, groups: int = 1) -> dict[str, int]:
    """Parameters (no bias) of a k x k convolution from c_in to c_out channels done four ways,
    and as a grouped convolution with ``groups`` groups (g must divide both c_in and c_out)::

        standard   k*k*c_in*c_out       depthwise  k*k*c_in        pointwise  c_in*c_out
        separable  depthwise + pointwise             grouped    k*k*(c_in/g)*c_out
    """
    _check_conv(c_in, c_out, k, groups)
    return {
        "standard": standard_conv_params(c_in, c_out, k),
        "depthwise": depthwise_params(c_in, k),
        "pointwise": pointwise_params(c_in, c_out),
        "separable": depthwise_separable_params(c_in, c_out, k),
        "grouped": grouped_conv_params(c_in, c_out, k, groups),
    }


def conv_macs(c_in: int, c_out: int, k: int, out_h: int, out_w: int, groups: int = 1) -> int:
    """Multiply-accumulates of one convolution for one image: each output value costs
    k*k*(c_in/groups) MACs, and there are c_out*out_h*out_w of them."""
    _check_conv(c_in, c_out, k, groups)
    _positive_ints(out_h=out_h, out_w=out_w)
    return (c_in // groups) * k * k * c_out * out_h * out_w


def mixer_layer_macs(dim: int, kernel_size: int, grid: int) -> int:
    """MACs of one ConvMixer layer (depthwise k x k + pointwise 1x1, h = dim) on a grid x grid map
    of patch embeddings, for one image: (k*k + h) * h * grid * grid."""
    return conv_macs(dim, dim, kernel_size, grid, grid, groups=dim) + conv_macs(dim, dim, 1, grid, grid)


def patch_stats(in_channels: int = 3, dim: int = 768, patch_size: int = 7,
                image_size: int = 224) -> dict[str, object]:
    """What the stem ``Conv2d(c, h, kernel_size=p, stride=p)`` + GELU + BatchNorm does to an
    ``image_size`` x ``image_size`` image: grid side (image_size // p), number of patches, values
    per patch (c*p*p), embedding shape [1, h, grid, grid], pixels ignored per side, stem parameters
    (conv weights and bias: c*p*p*h + h; whole stem with BatchNorm: + 2h) and MACs per image."""
    _positive_ints(in_channels=in_channels, dim=dim, patch_size=patch_size, image_size=image_size)
    if patch_size > image_size:
        raise ValueError(f"patch_size={patch_size} is larger than the {image_size}-pixel image: "
                         f"the stem needs at least one whole patch; choose patch_size <= {image_size}")
    grid = image_size // patch_size
    conv = standard_conv_params(in_channels, dim, patch_size, bias=True)
    return {
        "grid": grid,
        "patches": grid * grid,
        "values_per_patch": in_channels * patch_size * patch_size,
        "embedding_shape": (1, dim, grid, grid),
        "ignored_pixels": image_size - grid * patch_size,
        "stem_conv_params": conv,
        "stem_params": conv + 2 * dim,  # + BatchNorm weight and bias
        "stem_macs": conv_macs(in_channels, dim, patch_size, grid, grid),
    }


def convmixer_params(dim: int, depth: int, kernel_size: int = 9, patch_size: int = 7,
                     num_classes: int = 1000, in_channels: int = 3, block: str = "paper") -> int:
    """Closed-form parameter count of ``ConvMixer(...)`` with the same arguments.

        stem  = c*p*p*h + h (conv + bias)  + 2h (BatchNorm)
        layer = k*k*h + h   (depthwise)    + h*h + h (pointwise) + 2h per BatchNorm
                (two BatchNorms in the paper block, one in the tutorial's "seed" block)
        head  = h*n + n     (Linear; nothing when n = 0)
    """
    h, d, k, p, c, n = dim, depth, kernel_size, patch_size, in_channels, num_classes
    _positive_ints(dim=h, depth=d, kernel_size=k, patch_size=p, in_channels=c)
    check_int("num_classes", n, minimum=0, hint="0 means no classifier")
    check_choice("block", block, BLOCKS)
    norms = 2 if block == "paper" else 1
    stem = standard_conv_params(c, h, p, bias=True) + 2 * h
    layer = depthwise_params(h, k, bias=True) + pointwise_params(h, h, bias=True) + norms * 2 * h
    head = h * n + n if n > 0 else 0
    return stem + d * layer + head


@dataclass(frozen=True)
class Stage:
    """One row of a stage table: what a part of the network outputs and what it costs."""

    name: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


def _image_hw(image_size: object) -> tuple[int, int]:
    """(H, W) from an int or a pair of ints, each checked."""
    if isinstance(image_size, Sequence) and not isinstance(image_size, str):
        if len(image_size) != 2:
            raise ValueError(f"image_size must be an int or a pair (H, W), got {len(image_size)} "
                             f"values {tuple(image_size)!r}")
        return (check_positive_int("image_size[0]", image_size[0]),
                check_positive_int("image_size[1]", image_size[1]))
    side = check_positive_int("image_size", image_size, hint="give one int or a pair (H, W)")
    return side, side


def _check_model(model: object) -> ConvMixer:
    if not isinstance(model, ConvMixer):
        raise TypeError(f"model must be a ConvMixer, got {type(model).__name__}")
    return model


def stage_table(model: ConvMixer, image_size: int | tuple[int, int] = 224) -> list[Stage]:
    """Per-stage table for one image: name, output shape (no batch dim), parameters, MACs.

    Parameters are counted from the modules; MACs are counted by formula for the convolutions
    and the Linear head (GELU, BatchNorm and pooling are not multiply-accumulates and are left out).
    """
    cfg = _check_model(model).config
    hw = _image_hw(image_size)
    h, k, p, c, n = (cfg["dim"], cfg["kernel_size"], cfg["patch_size"], cfg["in_channels"],
                     cfg["num_classes"])
    if min(hw) < p:
        raise ValueError(f"image_size {hw} is smaller than one patch (patch_size={p}); "
                         f"use an image_size of at least {p}")
    gh, gw = hw[0] // p, hw[1] // p
    rows = [Stage("input", (c, hw[0], hw[1]), 0, 0),
            Stage("patch_embedding", (h, gh, gw), count_parameters(model.patch_embedding),
                  conv_macs(c, h, p, gh, gw))]
    layer_macs = conv_macs(h, h, k, gh, gw, groups=h) + conv_macs(h, h, 1, gh, gw)
    for i, layer in enumerate(model.mixer_layers):
        rows.append(Stage(f"mixer_layers.{i}", (h, gh, gw), count_parameters(layer), layer_macs))
    rows.append(Stage("global_avg_pool+flatten", (h,), 0, 0))
    if n > 0:
        rows.append(Stage("classifier", (n,), count_parameters(model.classifier), h * n))
    return rows


def total_macs(model: ConvMixer, image_size: int | tuple[int, int] = 224) -> int:
    """MACs for one image through the whole network (sum of ``stage_table``)."""
    return sum(s.macs for s in stage_table(model, image_size))


def _check_rows(rows: object) -> list[Stage]:
    if (isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows
            or not all(isinstance(r, Stage) for r in rows)):
        raise TypeError(f"rows must be a non-empty list of Stage rows, as stage_table(model) returns, "
                        f"got {type(rows).__name__}")
    return list(rows)


def _numbered(name: str) -> tuple[str, int] | None:
    """("mixer_layers", 3) for "mixer_layers.3"; None for a name without a trailing index."""
    prefix, dot, index = name.rpartition(".")
    return (prefix, int(index)) if dot and index.isdigit() else None


def group_repeats(rows: list[Stage]) -> list[tuple[Stage, int]]:
    """Consecutive numbered stages that are identical but for their index (``mixer_layers.0``,
    ``mixer_layers.1``, ...: same output shape, parameters and MACs) as one ``(stage, count)`` pair,
    the stage named by its index range (``mixer_layers.0-19``) and holding ONE stage's numbers.
    Every other stage comes with count 1. Totals: ``sum(stage.params * count)``."""
    groups: list[tuple[Stage, int]] = []
    for row in _check_rows(rows):
        if groups and _continues(groups[-1], row):
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((row, 1))
    return [(_renamed(first, count), count) for first, count in groups]


def _continues(group: tuple[Stage, int], row: Stage) -> bool:
    """Is ``row`` the next numbered stage of ``group`` (same prefix, next index, same numbers)?"""
    first, count = group
    a, b = _numbered(first.name), _numbered(row.name)
    same = (row.output_shape, row.params, row.macs) == (first.output_shape, first.params, first.macs)
    return bool(a and b and a[0] == b[0] and b[1] == a[1] + count and same)


def _renamed(first: Stage, count: int) -> Stage:
    """A group's stage, named by its index range: mixer_layers.0 x 20 -> mixer_layers.0-19."""
    if count == 1:
        return first
    prefix, index = _numbered(first.name)
    return Stage(f"{prefix}.{index}-{index + count - 1}", first.output_shape, first.params, first.macs)


def format_table(rows: list[Stage], group: bool = True) -> str:
    """The stage table as fixed-width text (what notebook 04 prints). With ``group`` (the default),
    identical consecutive layers share one row: ``mixer_layers.0-19, each ... x 20``; the total
    still counts every layer. Headings and the words among the stage names are in the current
    language (``i18n.tr``), padded by display width so the columns line up in Chinese too."""
    rows = _check_rows(rows)
    pairs = group_repeats(rows) if group else [(r, 1) for r in rows]
    lines = [pad(tr("stage"), 26) + pad(tr("output shape"), 16, ">") + pad(tr("params"), 14, ">")
             + f"{'MACs':>16}"]
    for r, n in pairs:
        name = tr("{name}, each", name=r.name) if n > 1 else tr("input") if r.name == "input" else r.name
        shape = "x".join(str(s) for s in r.output_shape)
        repeat = f"  x {n}" if n > 1 else ""
        lines.append(pad(name, 26) + f"{shape:>16}{r.params:>14,}{r.macs:>16,}{repeat}")
    lines.append(pad(tr("total"), 26) + f"{'':>16}{sum(r.params for r in rows):>14,}"
                 f"{sum(r.macs for r in rows):>16,}")
    return "\n".join(lines)


def measured_shapes(model: ConvMixer, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``x`` through ``model`` stage by stage (no hooks) and return each output shape."""
    _check_model(model).check_input(x)
    shapes = [("input", tuple(x.shape))]
    with torch.no_grad():
        z = model.patch_embedding(x)
        shapes.append(("patch_embedding", tuple(z.shape)))
        for i, layer in enumerate(model.mixer_layers):
            z = layer(z)
            shapes.append((f"mixer_layers.{i}", tuple(z.shape)))
        out = model.forward_head(z)
        shapes.append(("head", tuple(out.shape)))
    return shapes


# --- receptive fields (notebooks 01 and 02) ----------------------------------------------------

def _int_list(name: str, values: object) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of ints, one per layer (e.g. [3, 3, 3]), "
                        f"got {type(values).__name__}")
    return [check_positive_int(f"{name}[{i}]", v) for i, v in enumerate(values)]


def receptive_field(kernel_sizes: list[int], strides: list[int] | None = None) -> int:
    """Side length, in input pixels, of the square one output value of a stack of convolutions
    sees (padding does not change it)::

        r = 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1})

    ``receptive_field([3, 3, 3]) == 7``: three 3x3 stride-1 layers see one 7x7 patch.
    ``strides`` defaults to 1 for every layer.
    """
    kernels = _int_list("kernel_sizes", kernel_sizes)
    steps = [1] * len(kernels) if strides is None else _int_list("strides", strides)
    if len(steps) != len(kernels):
        raise ValueError(f"strides must have one entry per kernel: got {len(steps)} strides for "
                         f"{len(kernels)} kernel_sizes")
    r, jump = 1, 1
    for k, s in zip(kernels, steps):
        r += (k - 1) * jump
        jump *= s
    return r


def convmixer_receptive_field(depth: int, kernel_size: int = 9, patch_size: int = 7) -> tuple[int, int]:
    """(patches, pixels): the receptive field of one patch embedding after the stem and ``depth``
    ConvMixer layers (only the k x k depthwise convolutions widen it; 1x1 convolutions do not)::

        patches = 1 + d * (k - 1)        pixels = p * patches

    Not capped at the image: a value wider than the image means every output sees all of it.
    """
    d = check_int("depth", depth, minimum=0, hint="0 means the stem alone")
    _positive_ints(kernel_size=kernel_size, patch_size=patch_size)
    patches = 1 + d * (kernel_size - 1)
    return patches, patch_size * patches


def layers_to_see(side: int, kernel_size: int = 3, patch_size: int = 1) -> int:
    """Fewest stacked k x k stride-1 layers, after a p x p patch stem (p = 1: no stem), whose
    receptive field is at least ``side`` pixels wide: the least d with p * (1 + d * (k - 1)) >= side.

    layers_to_see(11, 3) == 5 (a VGG-style stack); layers_to_see(224, 9, 7) == 4 (ConvMixer).
    """
    _positive_ints(side=side, kernel_size=kernel_size, patch_size=patch_size)
    patches = -(-side // patch_size)  # patches the field must span: ceil(side / p)
    if patches > 1 and kernel_size == 1:
        raise ValueError(f"kernel_size=1 never widens the receptive field beyond one {patch_size}-pixel "
                         f"patch, so no depth reaches side={side}; use kernel_size >= 2")
    return 0 if patches <= 1 else -(-(patches - 1) // (kernel_size - 1))


def same_padding_reach(kernel_size: int) -> tuple[int, int]:
    """(before, after): how many positions before and after its own one output of a stride-1
    k x k convolution with ``padding="same"`` sees along each axis. PyTorch pads (k - 1) // 2
    before and the rest after, so an odd k reaches (k - 1) / 2 both ways: (4, 4) for k = 9."""
    k = check_positive_int("kernel_size", kernel_size)
    return (k - 1) // 2, k - 1 - (k - 1) // 2


def _check_patch(grid: object, row: object, col: object) -> tuple[int, int, int]:
    g = check_positive_int("grid", grid)
    hint = f"the grid has {g} rows and columns, numbered 0 to {g - 1}"
    return g, check_int("row", row, minimum=0, maximum=g - 1, hint=hint), check_int(
        "col", col, minimum=0, maximum=g - 1, hint=hint)


def receptive_field_box(depth: int, kernel_size: int, row: int, col: int,
                        grid: int) -> tuple[int, int, int, int]:
    """(first_row, first_col, last_row, last_col), inclusive: the patches of a ``grid`` x ``grid``
    map that the embedding at (row, col) depends on after ``depth`` ConvMixer layers with k x k
    depthwise kernels (padding "same"), clipped to the map. After d layers it reaches d * before
    patches up and left and d * after patches down and right (``same_padding_reach``)."""
    d = check_int("depth", depth, minimum=0, hint="0 means the stem alone")
    g, r, c = _check_patch(grid, row, col)
    before, after = same_padding_reach(kernel_size)
    return (max(r - d * before, 0), max(c - d * before, 0),
            min(r + d * after, g - 1), min(c + d * after, g - 1))


def layers_to_see_all(grid: int, kernel_size: int = 9, row: int | None = None,
                      col: int | None = None) -> int:
    """Fewest ConvMixer layers (k x k depthwise, padding "same") after which the embedding at
    (row, col) depends on every patch of a ``grid`` x ``grid`` map; (row, col) defaults to the
    centre patch (grid // 2, grid // 2). It must reach the farthest edge: for k = 9 on a 32 x 32
    grid the centre patch needs ceil(16 / 4) = 4 layers, the corner patch (0, 0) ceil(31 / 4) = 8."""
    g = check_positive_int("grid", grid)
    g, r, c = _check_patch(g, g // 2 if row is None else row, g // 2 if col is None else col)
    before, after = same_padding_reach(kernel_size)
    needs = [(r, before), (c, before), (g - 1 - r, after), (g - 1 - c, after)]  # (distance, reach)
    if any(distance and not reach for distance, reach in needs):
        raise ValueError(f"kernel_size={kernel_size} never widens the receptive field towards every "
                         f"edge of the grid, so patch ({r}, {c}) never sees the whole grid; "
                         f"use kernel_size >= 3")
    return max((-(-distance // reach) if distance else 0) for distance, reach in needs)


def inputs_seen(module: nn.Module, x: torch.Tensor, row: int, col: int) -> torch.Tensor:
    """Which positions of ``x`` [N, C, H, W] the output of ``module`` at (row, col) depends on,
    measured with autograd: a bool map [H, W], True where the gradient of the output vector at
    (row, col) (all channels of the first image, summed) is non-zero. The module is used as it is
    (put it in eval mode first if it holds BatchNorm)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"x must be a tensor [N, C, H, W], got {getattr(x, 'shape', type(x).__name__)}")
    with torch.enable_grad(), one_thread():  # tiny tensors: see convmixer_lab/threads.py
        leaf = x[:1].detach().clone().requires_grad_(True)
        out = module(leaf)
        check_int("row", row, minimum=0, maximum=out.shape[2] - 1, hint="a row of the output grid")
        check_int("col", col, minimum=0, maximum=out.shape[3] - 1, hint="a column of the output grid")
        out[0, :, row, col].sum().backward()
    return leaf.grad.abs().sum(dim=(0, 1)) > 0
