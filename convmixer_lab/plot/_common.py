"""What every figure shares: its resolution (``DPI``, set per figure, never in ``rcParams``), the palette,
input views and checks."""

from collections.abc import Sized
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

DPI = 80  # small PNGs keep the stored notebooks light
COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")


def subplots(*args: Any, **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` at the course's resolution (``DPI``)."""
    return plt.subplots(*args, dpi=DPI, **kwargs)


def fig_ax(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new pyplot figure, or the figure that owns ``ax`` (widgets draw on a bare Figure)."""
    return subplots(figsize=figsize) if ax is None else (ax.figure, ax)


def finish(fig: Figure, title: str | None = None) -> Figure:
    """``fig`` laid out tight (after its suptitle ``title``, if one is given), as every figure is returned."""
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def as_array(x: object) -> np.ndarray:
    """numpy view of an array or a (CPU) tensor."""
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)


def check_pair(name_a: str, a: Sized, name_b: str, b: Sized) -> None:
    """Two sequences drawn against each other: both non-empty, of one length."""
    if len(a) != len(b) or not len(a):
        raise ValueError(f"{name_a} and {name_b} must be non-empty and of the same length, "
                         f"got {len(a)} and {len(b)}")


def check_nonempty(name: str, value: Sized, what: str) -> None:
    if not value:
        raise ValueError(f"{name} must hold at least one {what}")


def value_bars(ax: Axes, labels: list[str], values: list[float], colors: tuple[str, ...],
               texts: list[str], log: bool, **text_style: Any) -> None:
    """Labelled bars, one per label, each with its number (``texts``) written on top."""
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(bars, labels=texts, **text_style)
    if log:
        ax.set_yscale("log")
