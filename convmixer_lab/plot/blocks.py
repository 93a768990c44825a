"""Figures of notebook 04's building blocks: activation functions side by side, and what
BatchNorm does to the values of each channel."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from convmixer_lab.plot._common import COLORS, as_array, check_nonempty, subplots


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
    fig.tight_layout()
    return fig


def channel_histograms(before: object, after: object,
                       titles: tuple[str, str] = ("input", "after BatchNorm")) -> Figure:
    """Two panels of histograms, one histogram per channel: the values of an [N, C, H, W] batch
    ``before`` and ``after`` a layer (all N*H*W values of a channel pooled)."""
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
    axes[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
