"""Counting parameters and multiply-accumulates (MACs), by formula and from real modules.

Formulas use the paper's symbols: h (dim), d (depth), k (kernel size), p (patch size),
c (input channels), n (classes). A convolution layer's bias is one parameter per output channel;
a BatchNorm has two learnable parameters (weight and bias) per channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from convmixer_lab.model import ConvMixer, _check_positive_int


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``module`` (each shared tensor counted once)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def standard_conv_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """A k x k convolution from c_in to c_out channels: c_out kernels of size k*k*c_in.

    standard_conv_params(256, 512, 3) == 1_179_648 (no bias, as in the tutorial).
    """
    for name, value in (("c_in", c_in), ("c_out", c_out), ("k", k)):
        _check_positive_int(name, value)
    return k * k * c_in * c_out + (c_out if bias else 0)


def depthwise_params(c: int, k: int, bias: bool = False) -> int:
    """A depthwise k x k convolution (groups=c): one flat k x k kernel per channel."""
    _check_positive_int("c", c)
    _check_positive_int("k", k)
    return k * k * c + (c if bias else 0)


def pointwise_params(c_in: int, c_out: int, bias: bool = False) -> int:
    """A 1x1 convolution: a c_in -> c_out linear map applied at every pixel."""
    return standard_conv_params(c_in, c_out, 1, bias)


def depthwise_separable_params(c_in: int, c_out: int, k: int, bias: bool = False) -> int:
    """Depthwise k x k on c_in channels, then pointwise c_in -> c_out.

    depthwise_separable_params(256, 512, 3) == 2_304 + 131_072 == 133_376.
    """
    return depthwise_params(c_in, k, bias) + pointwise_params(c_in, c_out, bias)


def convmixer_params(dim: int, depth: int, kernel_size: int = 9, patch_size: int = 7,
                     num_classes: int = 1000, in_channels: int = 3, block: str = "paper") -> int:
    """Closed-form parameter count of ``ConvMixer(...)`` with the same arguments.

        stem  = c*p*p*h + h (conv + bias)  + 2h (BatchNorm)
        layer = k*k*h + h   (depthwise)    + h*h + h (pointwise) + 2h per BatchNorm
                (two BatchNorms in the paper block, one in the tutorial's "seed" block)
        head  = h*n + n     (Linear; nothing when n = 0)
    """
    h, d, k, p, c, n = dim, depth, kernel_size, patch_size, in_channels, num_classes
    for name, value in (("dim", h), ("depth", d), ("kernel_size", k), ("patch_size", p),
                        ("in_channels", c)):
        _check_positive_int(name, value)
    if block not in ("paper", "seed"):
        raise ValueError(f"block must be 'paper' or 'seed', got {block!r}")
    norms = 2 if block == "paper" else 1
    stem = standard_conv_params(c, h, p, bias=True) + 2 * h
    layer = depthwise_params(h, k, bias=True) + pointwise_params(h, h, bias=True) + norms * 2 * h
    head = h * n + n if n > 0 else 0
    return stem + d * layer + head


def conv_macs(c_in: int, c_out: int, k: int, out_h: int, out_w: int, groups: int = 1) -> int:
    """Multiply-accumulates of one convolution for one image: each output value costs
    k*k*(c_in/groups) MACs, and there are c_out*out_h*out_w of them."""
    return (c_in // groups) * k * k * c_out * out_h * out_w


@dataclass(frozen=True)
class Stage:
    """One row of a stage table: what a part of the network outputs and what it costs."""

    name: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


def stage_table(model: ConvMixer, image_size: int | tuple[int, int] = 224) -> list[Stage]:
    """Per-stage table for one image: name, output shape (no batch dim), parameters, MACs.

    Parameters are counted from the modules; MACs are counted by formula for the convolutions
    and the Linear head (GELU, BatchNorm and pooling are not multiply-accumulates and are left out).
    """
    if not isinstance(model, ConvMixer):
        raise TypeError(f"model must be a ConvMixer, got {type(model).__name__}")
    hw = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if len(hw) != 2 or any(isinstance(s, bool) or not isinstance(s, int) for s in hw):
        raise TypeError(f"image_size must be an int or a pair of ints, got {image_size!r}")
    cfg = model.config
    h, k, p, c, n = (cfg["dim"], cfg["kernel_size"], cfg["patch_size"], cfg["in_channels"],
                     cfg["num_classes"])
    if min(hw) < p:
        raise ValueError(f"image_size {hw} is smaller than one patch (patch_size={p})")
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


def format_table(rows: list[Stage]) -> str:
    """The stage table as fixed-width text (what notebook 04 prints)."""
    lines = [f"{'stage':<24}{'output shape':>18}{'params':>14}{'MACs':>16}"]
    for r in rows:
        shape = "x".join(str(s) for s in r.output_shape)
        lines.append(f"{r.name:<24}{shape:>18}{r.params:>14,}{r.macs:>16,}")
    lines.append(f"{'total':<24}{'':>18}{sum(r.params for r in rows):>14,}"
                 f"{sum(r.macs for r in rows):>16,}")
    return "\n".join(lines)


def measured_shapes(model: ConvMixer, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``x`` through ``model`` stage by stage (no hooks) and return each output shape."""
    model.check_input(x)
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

def receptive_field(kernel_sizes: list[int], strides: list[int] | None = None) -> int:
    """Side length, in input pixels, of the square one output value of a stack of convolutions
    sees (padding does not change it)::

        r = 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1})

    ``receptive_field([3, 3, 3]) == 7``: three 3x3 stride-1 layers see one 7x7 patch.
    ``strides`` defaults to 1 for every layer.
    """
    kernels = list(kernel_sizes)
    steps = [1] * len(kernels) if strides is None else list(strides)
    if len(steps) != len(kernels):
        raise ValueError(f"strides must have one entry per kernel: got {len(steps)} strides for "
                         f"{len(kernels)} kernel_sizes")
    for i, (k, s) in enumerate(zip(kernels, steps)):
        _check_positive_int(f"kernel_sizes[{i}]", k)
        _check_positive_int(f"strides[{i}]", s)
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
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be an int >= 0 (0 means the stem alone), got {depth!r}")
    _check_positive_int("kernel_size", kernel_size)
    _check_positive_int("patch_size", patch_size)
    pixels = receptive_field([patch_size] + [kernel_size] * depth, [patch_size] + [1] * depth)
    return pixels // patch_size, pixels
