"""Figures of notebook 04's building blocks: activation functions side by side, what BatchNorm
does to the values of each channel, and the paper's layer beside the tutorial's."""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from convmixer_lab.plot._common import COLORS, as_array, check_nonempty, finish, subplots


def activation_curves(x: object, curves: dict[str, object],
                      title: str = "Activation functions") -> Figure:
    """One curve per activation (``curves`` maps a name to its values at ``x``), with the axes
    drawn through 0 so the negative side is easy to compare."""
    check_nonempty("curves", curves, "activation (name -> values)")
    xs = as_array(x)
    fig, ax = subplots(figsize=(5.5, 3.5))
    for (name, ys), color in zip(curves.items(), COLORS):
        ys = as_array(ys)
        if ys.shape != xs.shape:
            raise ValueError(f"curves[{name!r}] has shape {ys.shape}, but x has shape {xs.shape}; "
                             "give one value per x")
        ax.plot(xs, ys, label=name, color=color, linewidth=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(title=title, xlabel="input x", ylabel="output")
    ax.legend(loc="upper left")
    return finish(fig)


def channel_histograms(before: object, after: object,
                       titles: tuple[str, str] = ("input", "after BatchNorm")) -> Figure:
    """Two panels of histograms, one histogram per channel: the values of an [N, C, H, W] batch
    ``before`` and ``after`` a layer (all N*H*W values of a channel pooled); each panel has a legend."""
    a, b = as_array(before), as_array(after)
    if a.ndim != 4 or a.shape != b.shape:
        raise ValueError(f"before and after must be two [N, C, H, W] batches of one shape, got "
                         f"{a.shape} and {b.shape}")
    fig, axes = subplots(1, 2, figsize=(8, 3))
    for ax, values, title in zip(axes, (a, b), titles):
        bins = np.linspace(values.min(), values.max(), 25)
        for c in range(values.shape[1]):
            ax.hist(values[:, c].ravel(), bins=bins, histtype="step", linewidth=2,
                    color=COLORS[c % len(COLORS)], label=f"channel {c}")
        ax.set(title=title, xlabel="value", ylabel="count")
        ax.legend(loc="upper left", fontsize=8)
    return finish(fig)


# Each layer's steps from input to output, named after its modules ("+ z": the residual add).
# Steps with the same name are one module: the tutorial's BatchNorm "norm" is used twice.
BLOCK_STEPS = {
    "paper: ConvMixerLayer": ["input z", "conv k x k (depthwise)", "GELU (act1)", "BatchNorm (norm1)",
                              "+ z", "conv 1x1 (pointwise)", "GELU (act2)", "BatchNorm (norm2)", "output"],
    "tutorial: TutorialConvMixerLayer": [
        "input z", "conv k x k (depthwise_conv)", "GELU (activation)", "BatchNorm (norm)",
        "conv 1x1 (pointwise_conv)", "GELU (activation)", "BatchNorm (norm)", "+ z", "output"],
}


def _block_column(ax: Axes, steps: list[str]) -> None:
    """One layer's steps as boxes from top to bottom, arrows between them, and the residual as a
    line from the input to its "+ z" box; each BatchNorm module in its own colour (shared: hatched)."""
    norms = list(dict.fromkeys(s for s in steps if s.startswith("BatchNorm")))
    ys = np.linspace(0.95, 0.05, len(steps))
    for name, y in zip(steps, ys):
        shared = name in norms and steps.count(name) > 1  # one BatchNorm module used at two places
        color = "#f2b8b0" if shared else COLORS[1 + norms.index(name)] if name in norms else "white"
        color = "#dddddd" if name.startswith("conv") else color
        ax.add_patch(FancyBboxPatch((0.06, y - 0.035), 0.7, 0.07, boxstyle="round,pad=0.005", facecolor=color,
                                    edgecolor="black", hatch="//" if shared else None, label=name))
        shown = name[:-1] + ", used twice)" if steps.count(name) > 1 else name  # one module, two calls
        ax.text(0.41, y, shown, ha="center", va="center", fontsize=8,  # readable over the hatching
                bbox=dict(facecolor="white", edgecolor="none", pad=1.5) if shared else None)
    for top, bottom in zip(ys, ys[1:]):
        ax.annotate("", xy=(0.41, bottom + 0.037), xytext=(0.41, top - 0.037),
                    arrowprops=dict(arrowstyle="->"))
    y_in, y_add = ys[0], ys[steps.index("+ z")]
    ax.plot([0.76, 0.88, 0.88], [y_in, y_in, y_add], color=COLORS[0], linewidth=2, label="residual")
    ax.annotate("", xy=(0.765, y_add), xytext=(0.88, y_add),
                arrowprops=dict(arrowstyle="->", color=COLORS[0], linewidth=2))
    ax.text(0.91, (y_in + y_add) / 2, "residual", rotation=90, va="center", color=COLORS[0], fontsize=8)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")


def block_diagrams(title: str = "The paper's ConvMixer layer beside the tutorial's") -> Figure:
    """The paper's layer beside the tutorial's (``BLOCK_STEPS``): where each BatchNorm sits (one
    colour per module; the tutorial's shared one pale red and hatched) and what the residual goes around."""
    fig, axes = subplots(1, len(BLOCK_STEPS), figsize=(9, 5.5))
    for ax, (name, steps) in zip(axes, BLOCK_STEPS.items()):
        _block_column(ax, steps)
        ax.set_title(name, fontsize=10)
    return finish(fig, title)
