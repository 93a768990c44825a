"""Interactive explorers (ipywidgets) for notebooks 01 and 02.

Each builder returns a widget and displays nothing, so a test can drive it without a browser:
set a slider's ``value``, then read ``summary`` (HTML), ``text`` (the same numbers as plain text),
``message`` (HTML, non-empty when the setting is refused or needs a remark) and ``image``
(an ``ipywidgets.Image`` holding the figure as PNG bytes; ``figure`` is the matplotlib Figure).

    patch_size_explorer()   notebook 01: patch size p, image size, dim h
                            -> patch grid, number of patches, embedding shape, stem parameters, MACs
    conv_param_explorer()   notebook 02: kernel size k, channels c_in and c_out, groups g
                            -> parameters of standard, depthwise, pointwise, separable, grouped convs
    receptive_field_explorer()  notebook 02: layers d, kernel size k
                            -> the area of the photo one patch embedding sees, in patches and pixels

The numbers come from ``patch_stats`` and ``conv_counts`` (plain functions, also used by the
notebooks to print the default setting). Figures are drawn on a bare ``matplotlib.figure.Figure``,
not through pyplot, so nothing is displayed behind the widget's back.
"""

from __future__ import annotations

import functools
import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from convmixer_lab import plot
from convmixer_lab.counting import (
    conv_macs,
    convmixer_receptive_field,
    depthwise_params,
    pointwise_params,
    standard_conv_params,
)
from convmixer_lab.data import sample_photo
from convmixer_lab.model import _check_positive_int

SLIDER_STYLE = {"description_width": "130px"}
SLIDER_LAYOUT = widgets.Layout(width="480px")


@functools.lru_cache(maxsize=16)
def _photo(size: int) -> np.ndarray:
    photo = sample_photo(size)
    photo.setflags(write=False)  # shared by every call: keep it read-only
    return photo


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _slider(description: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=lo, max=hi, step=step, description=description,
                             style=SLIDER_STYLE, layout=SLIDER_LAYOUT)


def _html_table(text: str) -> str:
    return f"<pre style='font-size: 13px; line-height: 1.35'>{html.escape(text)}</pre>"


def _note(text: str, color: str) -> str:
    return f"<div style='color: {color}; font-weight: bold'>{html.escape(text)}</div>" if text else ""


# --- notebook 01: patch size explorer ---------------------------------------------------------

def patch_stats(image_size: int = 224, patch_size: int = 7, dim: int = 768,
                in_channels: int = 3) -> dict[str, object]:
    """What the stem ``Conv2d(c, h, kernel_size=p, stride=p)`` + GELU + BatchNorm does to an
    ``image_size`` x ``image_size`` image: grid side (image_size // p), number of patches, values
    per patch (c*p*p), embedding shape [1, h, grid, grid], pixels ignored per side, stem parameters
    (conv weights and bias: c*p*p*h + h; whole stem with BatchNorm: + 2h) and MACs per image."""
    for name, value in (("image_size", image_size), ("patch_size", patch_size), ("dim", dim),
                        ("in_channels", in_channels)):
        _check_positive_int(name, value)
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


def format_patch_stats(image_size: int, patch_size: int, dim: int) -> str:
    """``patch_stats`` as the few lines the explorer shows."""
    s = patch_stats(image_size, patch_size, dim)
    g, p = s["grid"], patch_size
    return "\n".join([
        f"image {image_size}x{image_size}x3, patch {p}x{p}: {image_size} // {p} = {g} patches per side",
        f"number of patches:  {g} x {g} = {s['patches']:,}",
        f"values per patch:   3 x {p} x {p} = {s['values_per_patch']:,}",
        f"embedding shape:    {list(s['embedding_shape'])}",
        f"stem parameters:    {s['stem_params']:,} "
        f"(conv {s['stem_conv_params']:,} + BatchNorm {s['stem_params'] - s['stem_conv_params']:,})",
        f"stem MACs / image:  {s['stem_macs']:,}",
    ])


class PatchSizeExplorer(widgets.VBox):
    """Sliders for p, the image size and h; shows the patch grid on the photo and the numbers."""

    def __init__(self, patch_size: int = 7, image_size: int = 224, dim: int = 768) -> None:
        self.patch_slider = _slider("patch size p", patch_size, 1, 64)
        self.image_slider = _slider("image size (pixels)", image_size, 28, 224)
        self.dim_slider = _slider("embedding dim h", dim, 8, 1536, step=8)
        self.message = widgets.HTML()
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="380px"))
        self.figure = Figure(figsize=(4.5, 4.5), dpi=80)
        self.text = ""
        title = widgets.HTML("<b>Patch embedding explorer</b>: move a slider; the grid and the "
                             "numbers follow.")
        super().__init__(children=[title, self.patch_slider, self.image_slider, self.dim_slider,
                                   self.message, widgets.HBox([self.image, self.summary])])
        for s in (self.patch_slider, self.image_slider, self.dim_slider):
            s.observe(self._update, names="value")
        self._update()

    def _update(self, change: object = None) -> None:
        p, size, h = self.patch_slider.value, self.image_slider.value, self.dim_slider.value
        try:
            stats = patch_stats(size, p, h)
        except ValueError as err:  # refused setting: say why in the widget, keep the old figure
            self.message.value = _note(str(err), "#c44e52")
            self.text = f"refused: {err}"
            self.summary.value = _html_table(self.text)
            return
        remark = ""
        if stats["ignored_pixels"]:
            used = stats["grid"] * p
            remark = (f"{size} is not a multiple of {p}: the stem uses {stats['grid']}x{stats['grid']} "
                      f"patches ({used} pixels) and ignores the last {stats['ignored_pixels']} pixel "
                      f"rows and columns (shaded red).")
        self.figure.clear()  # figure first, so it has been sent by the time the numbers change
        plot.patch_grid(_photo(size), p, ax=self.figure.add_subplot())
        self.image.value = _png(self.figure)
        self.message.value = _note(remark, "#b8860b")
        self.text = format_patch_stats(size, p, h)
        self.summary.value = _html_table(self.text)

    def __repr__(self) -> str:  # the widget's text/plain output: short and stable for nbval
        return (f"PatchSizeExplorer(patch_size={self.patch_slider.value}, "
                f"image_size={self.image_slider.value}, dim={self.dim_slider.value})")


def patch_size_explorer(patch_size: int = 7, image_size: int = 224, dim: int = 768) -> PatchSizeExplorer:
    """The notebook-01 explorer (not displayed: show it by making it a cell's last value)."""
    return PatchSizeExplorer(patch_size, image_size, dim)


# --- notebook 02: convolution parameter explorer ------------------------------------------------

def conv_counts(k: int = 3, c_in: int = 256, c_out: int = 512, groups: int = 1) -> dict[str, int]:
    """Parameters (no bias) of a k x k convolution from c_in to c_out channels done four ways,
    and as a grouped convolution with ``groups`` groups (k*k*(c_in/g)*c_out; g must divide both)::

        standard   k*k*c_in*c_out       depthwise  k*k*c_in        pointwise  c_in*c_out
        separable  depthwise + pointwise             grouped    k*k*(c_in/g)*c_out
    """
    for name, value in (("k", k), ("c_in", c_in), ("c_out", c_out), ("groups", groups)):
        _check_positive_int(name, value)
    if c_in % groups or c_out % groups:
        divisors = [g for g in range(1, min(c_in, c_out) + 1) if c_in % g == 0 and c_out % g == 0]
        shown = ", ".join(map(str, divisors[:8])) + (", ..." if len(divisors) > 8 else "")
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and c_out={c_out} (PyTorch "
                         f"refuses it too); choose one of {shown}")
    return {
        "standard": standard_conv_params(c_in, c_out, k),
        "depthwise": depthwise_params(c_in, k),
        "pointwise": pointwise_params(c_in, c_out),
        "separable": depthwise_params(c_in, k) + pointwise_params(c_in, c_out),
        "grouped": k * k * (c_in // groups) * c_out,
    }


def format_conv_counts(k: int, c_in: int, c_out: int, groups: int) -> str:
    """``conv_counts`` as the lines the explorer shows."""
    n = conv_counts(k, c_in, c_out, groups)
    share = 100 * n["separable"] / n["standard"]
    return "\n".join([
        f"standard  {k}x{k}, {c_in} -> {c_out}:  {k}*{k}*{c_in}*{c_out} = {n['standard']:,}",
        f"depthwise {k}x{k}, groups={c_in}:  {k}*{k}*{c_in} = {n['depthwise']:,}",
        f"pointwise 1x1, {c_in} -> {c_out}:  {c_in}*{c_out} = {n['pointwise']:,}",
        f"separable (depthwise + pointwise): {n['separable']:,} = {share:.1f}% of standard",
        f"grouped   {k}x{k}, groups={groups}:  {k}*{k}*({c_in}/{groups})*{c_out} = {n['grouped']:,}",
    ])


class ConvParamExplorer(widgets.VBox):
    """Sliders for k, c_in, c_out and groups; live parameter counts and a bar chart."""

    def __init__(self, k: int = 3, c_in: int = 256, c_out: int = 512, groups: int = 1) -> None:
        self.kernel_slider = _slider("kernel size k", k, 1, 15)
        self.c_in_slider = _slider("channels in c_in", c_in, 1, 1024)
        self.c_out_slider = _slider("channels out c_out", c_out, 1, 1024)
        self.groups_slider = _slider("groups g", groups, 1, 1024)
        self.message = widgets.HTML()
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="520px"))
        self.figure = Figure(figsize=(6.5, 3.5), dpi=80)
        self.text = ""
        title = widgets.HTML("<b>Convolution parameter explorer</b>: standard vs depthwise vs "
                             "pointwise (no bias).")
        sliders = (self.kernel_slider, self.c_in_slider, self.c_out_slider, self.groups_slider)
        super().__init__(children=[title, *sliders, self.message, self.summary, self.image])
        for s in sliders:
            s.observe(self._update, names="value")
        self._update()

    def _update(self, change: object = None) -> None:
        k, c_in = self.kernel_slider.value, self.c_in_slider.value
        c_out, g = self.c_out_slider.value, self.groups_slider.value
        try:
            counts = conv_counts(k, c_in, c_out, g)
        except ValueError as err:  # refused setting: say why, keep the last figure
            self.message.value = _note(str(err), "#c44e52")
            self.text = f"refused: {err}"
            self.summary.value = _html_table(self.text)
            return
        self.figure.clear()  # figure first, so it has been sent by the time the numbers change
        bars = {"standard": counts["standard"], "depthwise": counts["depthwise"],
                "pointwise": counts["pointwise"], "separable": counts["separable"],
                f"grouped g={g}": counts["grouped"]}
        plot.conv_param_bars(bars, ax=self.figure.add_subplot(),
                             title=f"{k}x{k} convolution, {c_in} -> {c_out} channels (log scale)")
        self.image.value = _png(self.figure)
        self.message.value = ""
        self.text = format_conv_counts(k, c_in, c_out, g)
        self.summary.value = _html_table(self.text)

    def __repr__(self) -> str:  # the widget's text/plain output: short and stable for nbval
        return (f"ConvParamExplorer(k={self.kernel_slider.value}, c_in={self.c_in_slider.value}, "
                f"c_out={self.c_out_slider.value}, groups={self.groups_slider.value})")


def conv_param_explorer(k: int = 3, c_in: int = 256, c_out: int = 512, groups: int = 1) -> ConvParamExplorer:
    """The notebook-02 explorer (not displayed: show it by making it a cell's last value)."""
    return ConvParamExplorer(k, c_in, c_out, groups)


def format_receptive_field(depth: int, kernel_size: int, patch_size: int = 7, image_size: int = 224) -> str:
    """The receptive field of one patch embedding after ``depth`` layers, as the explorer shows it."""
    patches, pixels = convmixer_receptive_field(depth, kernel_size, patch_size)
    grid = image_size // patch_size
    verdict = ("wider than the image: the middle patch sees all of it" if patches >= grid
               else f"{100 * patches / grid:.0f}% of the image width")
    return "\n".join([
        f"after {depth} layer(s) of {kernel_size}x{kernel_size} depthwise convolutions (p = {patch_size}):",
        f"receptive field: 1 + {depth} * ({kernel_size} - 1) = {patches} patch{'es' * (patches != 1)} "
        f"= {pixels} pixels",
        f"image: {grid} patches = {image_size} pixels; {verdict}",
    ])


class ReceptiveFieldExplorer(widgets.VBox):
    """Sliders for the number of layers d and the kernel size k; the area one patch sees."""

    def __init__(self, depth: int = 1, kernel_size: int = 9, patch_size: int = 7) -> None:
        _check_positive_int("patch_size", patch_size)
        if patch_size > 56:
            raise ValueError(f"patch_size must be at most 56 so the 224-pixel photo holds a few patches, "
                             f"got {patch_size}")
        self.patch_size = patch_size
        self.depth_slider = _slider("layers d", depth, 0, 8)
        self.kernel_slider = _slider("kernel size k", kernel_size, 1, 15)
        self.summary = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="380px"))
        self.figure = Figure(figsize=(4.5, 4.5), dpi=80)
        self.text = ""
        title = widgets.HTML("<b>Receptive field explorer</b>: how much of the photo one patch "
                             "embedding (red) sees after d ConvMixer layers (yellow).")
        super().__init__(children=[title, self.depth_slider, self.kernel_slider,
                                   widgets.HBox([self.image, self.summary])])
        for s in (self.depth_slider, self.kernel_slider):
            s.observe(self._update, names="value")
        self._update()

    def _update(self, change: object = None) -> None:
        d, k, p = self.depth_slider.value, self.kernel_slider.value, self.patch_size
        patches, _ = convmixer_receptive_field(d, k, p)
        middle = (224 // p) // 2
        self.figure.clear()  # figure first, so it has been sent by the time the numbers change
        plot.receptive_field_on_image(_photo(224), p, middle, middle, patches, ax=self.figure.add_subplot())
        self.image.value = _png(self.figure)
        self.text = format_receptive_field(d, k, p)
        self.summary.value = _html_table(self.text)

    def __repr__(self) -> str:  # the widget's text/plain output: short and stable for nbval
        return (f"ReceptiveFieldExplorer(depth={self.depth_slider.value}, "
                f"kernel_size={self.kernel_slider.value}, patch_size={self.patch_size})")


def receptive_field_explorer(depth: int = 1, kernel_size: int = 9,
                             patch_size: int = 7) -> ReceptiveFieldExplorer:
    """The second notebook-02 explorer (not displayed: show it by making it a cell's last value)."""
    return ReceptiveFieldExplorer(depth, kernel_size, patch_size)
