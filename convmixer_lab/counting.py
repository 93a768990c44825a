"""Counting parameters and multiply-accumulates (MACs), by formula and from real modules.

Symbols as in the paper: h (dim), d (depth), k (kernel size), p (patch size), c (input channels),
n (classes). A convolution's bias is one parameter per output channel, a BatchNorm has two per
channel. Convolution functions take ``(c_in, c_out, k, ...)``; bad arguments get ConvMixer's errors."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
import torch.nn as nn

from convmixer_lab.checks import check_choice, check_int, check_positive_int, check_positive_ints
from convmixer_lab.model import BLOCKS, ConvMixer


def common_divisors(a: int, b: int, most: int = 8) -> str:
    """Numbers that divide both a and b, smallest first, as text (found without a long search)."""
    n = math.gcd(a, b)
    small = [g for g in range(1, min(math.isqrt(n), 10_000) + 1) if n % g == 0]
    divisors = sorted(set(small) | {n // g for g in small})
    return ", ".join(map(str, divisors[:most])) + (", ..." if len(divisors) > most else "")


def _check_conv(c_in: object, c_out: object, k: object, groups: object = 1) -> None:
    check_positive_ints(c_in=c_in, c_out=c_out, k=k, groups=groups)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out} (PyTorch "
                         f"refuses it too); choose one of {common_divisors(c_in, c_out)}")


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``module`` (each shared tensor counted once)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def grouped_conv_params(c_in: int, c_out: int, k: int, groups: int = 1, bias: bool = False) -> int:
    """A k x k convolution in ``groups`` groups: c_out kernels of size k*k*(c_in/groups)."""
    _check_conv(c_in, c_out, k, groups)
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


def standard_conv_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """A k x k convolution: c_out kernels of size k*k*c_in."""
    return grouped_conv_params(c_in, c_out, k, 1, bias)


def depthwise_params(c: int, k: int, bias: bool = False) -> int:
    """A depthwise k x k convolution (groups=c): one flat k x k kernel per channel."""
    check_positive_ints(c=c, k=k)
    return grouped_conv_params(c, c, k, c, bias)


def pointwise_params(c_in: int, c_out: int, bias: bool = False) -> int:
    """A 1x1 convolution: a c_in -> c_out linear map applied at every pixel."""
    return standard_conv_params(c_in, c_out, 1, bias)


def depthwise_separable_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """Depthwise k x k on c_in channels, then pointwise c_in -> c_out."""
    check_positive_ints(c_in=c_in, c_out=c_out, k=k)
    return depthwise_params(c_in, k, bias) + pointwise_params(c_in, c_out, bias)


def conv_counts(c_in: int = 256, c_out: int = 512, k: int = 3, groups: int = 1) -> dict[str, int]:
    """Parameters (no bias) of a k x k convolution: standard, depthwise, pointwise, separable, grouped."""
    return {
        "standard": standard_conv_params(c_in, c_out, k),
        "depthwise": depthwise_params(c_in, k),
        "pointwise": pointwise_params(c_in, c_out),
        "separable": depthwise_separable_params(c_in, c_out, k),
        "grouped": grouped_conv_params(c_in, c_out, k, groups),
    }


def conv_macs(c_in: int, c_out: int, k: int, out_h: int, out_w: int, groups: int = 1) -> int:
    """MACs of one convolution for one image: k*k*(c_in/groups) for each of c_out*out_h*out_w outputs."""
    _check_conv(c_in, c_out, k, groups)
    check_positive_ints(out_h=out_h, out_w=out_w)
    return (c_in // groups) * k * k * c_out * out_h * out_w


def mixer_layer_macs(dim: int, kernel_size: int, grid: int | tuple[int, int]) -> int:
    """MACs of one ConvMixer layer on a grid (or rows x cols) of embeddings: (k*k + h) * h * rows * cols."""
    rows, cols = _pair("grid", grid)
    return conv_macs(dim, dim, kernel_size, rows, cols, groups=dim) + conv_macs(dim, dim, 1, rows, cols)


def convmixer_macs(dim: int, depth: int, kernel_size: int = 9, patch_size: int = 7, num_classes: int = 1000,
                   in_channels: int = 3, image_size: int | tuple[int, int] = 224) -> int:
    """Closed-form MACs of ``ConvMixer(...)`` for one image (as ``total_macs`` counts them): the stem
    c*p*p*h*g*g, each layer (k*k + h)*h*g*g, the head h*n, with g = image_size // p (any block)."""
    check_positive_ints(dim=dim, depth=depth, kernel_size=kernel_size, patch_size=patch_size,
                        in_channels=in_channels)
    check_int("num_classes", num_classes, minimum=0, hint="0 means no classifier")
    rows, cols = _grid(image_size, patch_size)
    return (conv_macs(in_channels, dim, patch_size, rows, cols)
            + depth * mixer_layer_macs(dim, kernel_size, (rows, cols)) + dim * num_classes)


def patch_stats(in_channels: int = 3, dim: int = 768, patch_size: int = 7,
                image_size: int = 224) -> dict[str, object]:
    """What the stem does to an ``image_size`` square image: grid, values per patch c*p*p, parameters
    (c*p*p*h + h, + 2h with BatchNorm), MACs and more (the keys below)."""
    check_positive_ints(in_channels=in_channels, dim=dim, patch_size=patch_size, image_size=image_size)
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
    """Closed-form parameter count of ``ConvMixer(...)``: stem c*p*p*h + 3h; layer k*k*h + h + h*h + h
    + 2h per BatchNorm (two in the paper's block, one in the tutorial's); head h*n + n."""
    h, d, k, p, c, n = dim, depth, kernel_size, patch_size, in_channels, num_classes
    check_positive_ints(dim=h, depth=d, kernel_size=k, patch_size=p, in_channels=c)
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


def _pair(name: str, value: object) -> tuple[int, int]:
    """(H, W) from an int or a pair of ints, each checked."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (H, W), got {len(value)} "
                             f"values {tuple(value)!r}")
        return check_positive_int(f"{name}[0]", value[0]), check_positive_int(f"{name}[1]", value[1])
    side = check_positive_int(name, value, hint="give one int or a pair (H, W)")
    return side, side


def _grid(image_size: object, patch_size: int) -> tuple[int, int]:
    """The patch grid (rows, cols) of an image, refusing one smaller than a patch."""
    hw = _pair("image_size", image_size)
    if min(hw) < patch_size:
        raise ValueError(f"image_size {hw} is smaller than one patch (patch_size={patch_size}); "
                         f"use an image_size of at least {patch_size}")
    return hw[0] // patch_size, hw[1] // patch_size


def _check_model(model: object) -> ConvMixer:
    if not isinstance(model, ConvMixer):
        raise TypeError(f"model must be a ConvMixer, got {type(model).__name__}")
    return model


def stage_table(model: ConvMixer, image_size: int | tuple[int, int] = 224) -> list[Stage]:
    """Per-stage rows for one image: name, output shape, parameters (counted) and MACs (by formula)."""
    cfg = _check_model(model).config
    h, k, p, c, n = (cfg[key] for key in ("dim", "kernel_size", "patch_size", "in_channels", "num_classes"))
    gh, gw = _grid(image_size, p)
    hw = _pair("image_size", image_size)
    rows = [Stage("input", (c, *hw), 0, 0),
            Stage("patch_embedding", (h, gh, gw), count_parameters(model.patch_embedding),
                  conv_macs(c, h, p, gh, gw))]
    layer_macs = mixer_layer_macs(h, k, (gh, gw))
    for i, layer in enumerate(model.mixer_layers):
        rows.append(Stage(f"mixer_layers.{i}", (h, gh, gw), count_parameters(layer), layer_macs))
    rows.append(Stage("global_avg_pool+flatten", (h,), 0, 0))
    if n > 0:
        rows.append(Stage("classifier", (n,), count_parameters(model.classifier), h * n))
    return rows


def total_macs(model: ConvMixer, image_size: int | tuple[int, int] = 224) -> int:
    """MACs for one image through the whole network (the sum of ``stage_table``)."""
    return sum(s.macs for s in stage_table(model, image_size))


def check_rows(rows: object) -> list[Stage]:
    """``rows`` as a list of ``Stage`` rows (what ``stage_table`` returns), or a TypeError."""
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
    """Runs of numbered stages equal but for their index as one ``(stage, count)`` pair named
    ``mixer_layers.0-19`` (holding ONE stage's numbers); other stages come with count 1."""
    groups: list[tuple[Stage, int]] = []
    for row in check_rows(rows):
        first, count = groups[-1] if groups else (row, 0)
        start = _numbered(first.name)
        follows = count and start and _numbered(row.name) == (start[0], start[1] + count)
        if follows and replace(row, name=first.name) == first:  # the next index, the same numbers
            groups[-1] = (first, count + 1)
        else:
            groups.append((row, 1))
    named = []
    for first, count in groups:
        if count > 1:  # mixer_layers.0 x 20 -> mixer_layers.0-19
            prefix, index = _numbered(first.name)
            first = replace(first, name=f"{prefix}.{index}-{index + count - 1}")
        named.append((first, count))
    return named


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
