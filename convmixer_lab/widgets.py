"""Interactive explorers for notebooks 01 (``patch_size_explorer``) and 02 (``conv_param_explorer``,
``receptive_field_explorer``). A test sets a slider's ``value`` and reads ``summary`` (HTML), ``text``,
``message`` (a refusal or remark) and ``image`` (PNG). A bad starting value raises, naming the argument;
a refused slider setting is explained in ``message``, the old figure kept."""

import functools
import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from convmixer_lab import plot
from convmixer_lab.checks import check_choice, check_int, check_positive_int
from convmixer_lab.counting import common_divisors, conv_counts, patch_stats
from convmixer_lab.data import sample_photo
from convmixer_lab.receptive import convmixer_receptive_field, layers_to_see_all, receptive_field_box
from convmixer_lab.texts import pad, t

SLIDER_STYLE = {"description_width": "130px"}
SLIDER_LAYOUT = widgets.Layout(width="480px")
DPI = 80  # the explorers' PNGs, as small as the notebooks' figures
REFUSED, REMARK = "#c44e52", "#b8860b"
PHOTO_SIZE = 224  # the receptive field explorer's photo


@functools.lru_cache(maxsize=16)
def _photo(size: int) -> np.ndarray:
    photo = sample_photo(size)
    photo.setflags(write=False)  # shared by every call: keep it read-only
    return photo


def _slider(name: str, label: str, value: int, lo: int, hi: int, step: int = 1) -> widgets.IntSlider:
    """A slider for argument ``name`` labelled with text ``label``, refusing a start outside [lo, hi]."""
    check_int(name, value, minimum=lo, maximum=hi, hint=f"the {name} slider runs from {lo} to {hi}")
    return widgets.IntSlider(value=value, min=lo, max=hi, step=step, description=t(label),
                             style=SLIDER_STYLE, layout=SLIDER_LAYOUT)


def _note(text: str, color: str) -> str:
    return f"<div style='color: {color}; font-weight: bold'>{html.escape(text)}</div>" if text else ""


class _Explorer(widgets.VBox):
    """Sliders that redraw on change. A subclass passes ``sliders`` (argument name -> slider) and
    implements ``numbers``, ``draw``, ``describe`` and optionally ``refusal`` and ``remark``."""

    def __init__(self, title: str, sliders: dict[str, widgets.ValueWidget], side_by_side: bool,
                 fixed: dict[str, int] | None = None) -> None:
        self.sliders, self.fixed = sliders, fixed or {}
        self.numbers(**self.settings())  # a refused starting setting raises here, naming the argument
        self.message, self.summary = widgets.HTML(), widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="380px" if side_by_side
                                                                       else "520px"))
        self.figure = Figure(figsize=(4.5, 4.5) if side_by_side else (6.5, 3.5), dpi=DPI)
        self.text = ""
        body = [widgets.HBox([self.image, self.summary])] if side_by_side else [self.summary, self.image]
        super().__init__(children=[widgets.HTML(title), *sliders.values(), self.message, *body])
        for s in sliders.values():
            s.observe(self._update, names="value")
        self._update()

    def settings(self) -> dict[str, int | str]:
        """The builder's arguments as the sliders set them now."""
        return {**{name: s.value for name, s in self.sliders.items()}, **self.fixed}

    def _update(self, change: object = None) -> None:
        values = self.settings()
        reason = self.refusal(**values)
        if reason:  # refused setting: say why once, in the notebook's language; keep the old figure
            self.text = t("widgets.refused", reason=reason)
            self.message.value, self.summary.value = _note(self.text, REFUSED), ""
            return
        numbers = self.numbers(**values)
        self.figure.clear()  # figure first, so it has been sent by the time the numbers change
        self.draw(self.figure.add_subplot(), numbers, **values)
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()
        self.message.value = _note(self.remark(numbers, **values), REMARK)
        self.text = self.describe(numbers, **values)
        self.summary.value = f"<pre style='font-size: 13px; line-height: 1.35'>{html.escape(self.text)}</pre>"

    def refusal(self, **values: int) -> str:
        return ""

    def remark(self, numbers: object, **values: int) -> str:
        return ""

    def __repr__(self) -> str:  # the widget's text/plain output: short and stable for nbval
        args = ", ".join(f"{name}={value}" for name, value in self.settings().items())
        return f"{type(self).__name__}({args})"


LABEL_WIDTH = 20  # the patch explorer's labels, in monospace columns (a Chinese character is two)


class PatchSizeExplorer(_Explorer):
    """Sliders for h, p and the image size; shows the patch grid on the photo and the numbers."""

    def __init__(self, dim: int = 768, patch_size: int = 7, image_size: int = 224) -> None:
        self.dim_slider = _slider("dim", "widgets.slider.dim", dim, 8, 1536, step=8)
        self.patch_slider = _slider("patch_size", "widgets.slider.patch_size", patch_size, 1, 64)
        self.image_slider = _slider("image_size", "widgets.slider.image_size", image_size, 28, 224)
        super().__init__(t("widgets.patch.title"), {"dim": self.dim_slider, "patch_size": self.patch_slider,
                                                    "image_size": self.image_slider}, side_by_side=True)

    def refusal(self, dim: int, patch_size: int, image_size: int) -> str:
        return t("widgets.refused.patch", p=patch_size, size=image_size) if patch_size > image_size else ""

    def numbers(self, dim: int, patch_size: int, image_size: int) -> dict[str, object]:
        return patch_stats(3, dim, patch_size, image_size)

    def draw(self, ax: Axes, stats: dict[str, object], dim: int, patch_size: int, image_size: int) -> None:
        plot.patch_grid(_photo(image_size), patch_size, ax=ax)

    def describe(self, s: dict[str, object], dim: int, patch_size: int, image_size: int) -> str:
        g, p = s["grid"], patch_size
        stem = t("widgets.patch.stem_split", total=f"{s['stem_params']:,}",
                 conv=f"{s['stem_conv_params']:,}", norm=f"{s['stem_params'] - s['stem_conv_params']:,}")
        rows = [(t("widgets.patch.patches"), f"{g} x {g} = {s['patches']:,}"),
                (t("widgets.patch.values"), f"3 x {p} x {p} = {s['values_per_patch']:,}"),
                (t("widgets.patch.shape"), f"{list(s['embedding_shape'])}"),
                (t("widgets.patch.stem_params"), stem),
                (t("widgets.patch.stem_macs"), f"{s['stem_macs']:,}")]
        return "\n".join([t("widgets.patch.heading", size=image_size, c=3, p=p, grid=g),
                          *(pad(label, LABEL_WIDTH) + value for label, value in rows)])

    def remark(self, stats: dict[str, object], dim: int, patch_size: int, image_size: int) -> str:
        g, ignored = stats["grid"], stats["ignored_pixels"]
        return t("widgets.patch.not_multiple", size=image_size, p=patch_size, grid=g, used=g * patch_size,
                 ignored=ignored) if ignored else ""


patch_size_explorer = PatchSizeExplorer  # notebook 01's builder: show it as a cell's last value


class ConvParamExplorer(_Explorer):
    """Sliders for c_in, c_out, k and groups; live parameter counts and a bar chart."""

    def __init__(self, c_in: int = 256, c_out: int = 512, k: int = 3, groups: int = 1) -> None:
        self.c_in_slider = _slider("c_in", "widgets.slider.c_in", c_in, 1, 1024)
        self.c_out_slider = _slider("c_out", "widgets.slider.c_out", c_out, 1, 1024)
        self.kernel_slider = _slider("k", "widgets.slider.kernel_size", k, 1, 15)
        self.groups_slider = _slider("groups", "widgets.slider.groups", groups, 1, 1024)
        super().__init__(t("widgets.conv.title"), {"c_in": self.c_in_slider, "c_out": self.c_out_slider,
                                                   "k": self.kernel_slider, "groups": self.groups_slider},
                         side_by_side=False)

    def refusal(self, c_in: int, c_out: int, k: int, groups: int) -> str:
        if c_in % groups == 0 and c_out % groups == 0:
            return ""
        return t("widgets.refused.groups", groups=groups, c_in=c_in, c_out=c_out,
                 divisors=common_divisors(c_in, c_out))

    def numbers(self, c_in: int, c_out: int, k: int, groups: int) -> dict[str, int]:
        return conv_counts(c_in, c_out, k, groups)

    def draw(self, ax: Axes, counts: dict[str, int], c_in: int, c_out: int, k: int, groups: int) -> None:
        bars = {name: counts[name] for name in ("standard", "depthwise", "pointwise", "separable")}
        bars[f"grouped g={groups}"] = counts["grouped"]
        plot.conv_param_bars(bars, ax=ax,
                             title=f"{k}x{k} convolution, {c_in} -> {c_out} channels (log scale)")

    def describe(self, n: dict[str, int], c_in: int, c_out: int, k: int, groups: int) -> str:
        share = 100 * n["separable"] / n["standard"]
        return "\n".join([
            pad(t("widgets.conv.standard"), 10)
            + f"{k}x{k}, {c_in} -> {c_out}:  {k}*{k}*{c_in}*{c_out} = {n['standard']:,}",
            pad(t("widgets.conv.depthwise"), 10)
            + f"{k}x{k}, groups={c_in}:  {k}*{k}*{c_in} = {n['depthwise']:,}",
            pad(t("widgets.conv.pointwise"), 10)
            + f"1x1, {c_in} -> {c_out}:  {c_in}*{c_out} = {n['pointwise']:,}",
            t("widgets.conv.separable", params=f"{n['separable']:,}", share=f"{share:.1f}"),
            pad(t("widgets.conv.grouped"), 10)
            + f"{k}x{k}, groups={groups}:  {k}*{k}*({c_in}/{groups})*{c_out} = {n['grouped']:,}",
        ])


conv_param_explorer = ConvParamExplorer  # notebook 02's builders, shown the same way


POSITIONS = {"centre": "widgets.field.centre", "corner": "widgets.field.corner"}  # the patch followed: label


def _seen(depth: int, kernel_size: int, position: str, grid: int) -> tuple[int, int, tuple[int, ...], int]:
    """(row, col) of the centre or corner patch, the box of patches it depends on, their count."""
    row, col = (grid // 2, grid // 2) if check_choice("position", position, POSITIONS) == "centre" else (0, 0)
    top, left, bottom, right = box = receptive_field_box(depth, kernel_size, row, col, grid)
    return row, col, box, (bottom - top + 1) * (right - left + 1)


class ReceptiveFieldExplorer(_Explorer):
    """Sliders for d and odd k, a choice of patch; shows the area of the photo that patch depends on."""

    def __init__(self, depth: int = 1, kernel_size: int = 9, patch_size: int = 7,
                 position: str = "centre") -> None:
        check_positive_int("patch_size", patch_size, maximum=PHOTO_SIZE // 4,
                           hint=f"the {PHOTO_SIZE}-pixel photo must hold a few patches")
        self.depth_slider = _slider("depth", "widgets.slider.depth", depth, 0, 8)
        self.kernel_slider = _slider("kernel_size", "widgets.slider.kernel_size", kernel_size, 1, 15, step=2)
        self.position_buttons = widgets.ToggleButtons(
            options=[(t(POSITIONS[name]), name) for name in POSITIONS],
            value=check_choice("position", position, POSITIONS), description=t("widgets.field.which"),
            style=SLIDER_STYLE)
        super().__init__(t("widgets.field.title"), {"depth": self.depth_slider,
                                                    "kernel_size": self.kernel_slider,
                                                    "position": self.position_buttons},
                         side_by_side=True, fixed={"patch_size": patch_size})

    def refusal(self, depth: int, kernel_size: int, position: str, patch_size: int) -> str:
        return t("widgets.refused.even_kernel", k=kernel_size) if kernel_size % 2 == 0 else ""

    def numbers(self, depth: int, kernel_size: int, position: str, patch_size: int) -> tuple[int, int]:
        if kernel_size % 2 == 0:  # "same" padding would make the field lopsided
            raise ValueError(f"kernel_size must be odd (ConvMixer's kernels are), got {kernel_size}; "
                             f"the slider offers 1, 3, ..., 15")
        return convmixer_receptive_field(depth, kernel_size, patch_size)

    def draw(self, ax: Axes, field: tuple[int, int], depth: int, kernel_size: int, position: str,
             patch_size: int) -> None:
        grid = PHOTO_SIZE // patch_size
        row, col, _, seen = _seen(depth, kernel_size, position, grid)
        title = f"{position} patch after d = {depth}: depends on\n{seen:,} of {grid * grid:,} patches"
        plot.receptive_field_on_image(_photo(PHOTO_SIZE), patch_size, row, col, field[0], ax=ax, title=title)

    def describe(self, field: tuple[int, int], depth: int, kernel_size: int, position: str,
                 patch_size: int) -> str:
        (patches, pixels), grid = field, PHOTO_SIZE // patch_size
        row, col, (top, left, bottom, right), seen = _seen(depth, kernel_size, position, grid)
        try:  # from which depth the centre patch, and the corner patch, see the whole grid
            centre, corner = layers_to_see_all(grid, kernel_size), layers_to_see_all(grid, kernel_size, 0, 0)
            whole = t("widgets.field.whole", grid=grid, centre=centre, corner=corner)
        except ValueError:  # k = 1: the field never grows
            whole = t("widgets.field.never", k=kernel_size)
        return "\n".join([
            t("widgets.field.after", depth=depth, k=kernel_size, p=patch_size),
            t("widgets.field.width" if patches != 1 else "widgets.field.width_one", depth=depth,
              k=kernel_size, patches=patches, pixels=pixels),
            t("widgets.field.sees", patch=t(POSITIONS[position]), row=row, col=col, top=top,
              bottom=bottom, left=left, right=right, seen=f"{seen:,}", total=f"{grid * grid:,}",
              share=f"{100 * seen / grid ** 2:.1f}"),
            whole,
        ])


receptive_field_explorer = ReceptiveFieldExplorer
