"""Figures of notebooks 03 and 04 (parameter count, full model): bars comparing a few costs, the
parameters of each stage of a ConvMixer, and where each configuration keeps its parameters."""

from __future__ import annotations

from matplotlib.figure import Figure

from convmixer_lab.counting import Stage
from convmixer_lab.plot._common import COLORS, check_nonempty, check_pair, subplots, value_bars


def comparison_bars(labels: list[str], values: list[float], title: str, ylabel: str,
                    log: bool = False) -> Figure:
    """A labelled bar chart comparing a few quantities (parameter counts, MACs, times)."""
    check_pair("labels", labels, "values", values)
    fig, ax = subplots(figsize=(6, 3.5))
    value_bars(ax, labels, values, COLORS[:4],
               [f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}" for v in values], log=log)
    ax.set(title=title, ylabel=ylabel, xlabel="")
    fig.tight_layout()
    return fig


def stage_param_bars(rows: list[Stage], title: str = "Where the parameters are") -> Figure:
    """Parameters per stage of a ConvMixer (from ``counting.stage_table``)."""
    rows = [r for r in rows if r.params > 0]
    check_nonempty("rows", rows, "stage with parameters (from counting.stage_table)")
    fig, ax = subplots(figsize=(7, 3.5))
    ax.bar(range(len(rows)), [r.params for r in rows], color=COLORS[0])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.name.replace("mixer_layers.", "L") for r in rows], rotation=90, fontsize=7)
    ax.set(title=title, xlabel="stage", ylabel="parameters")
    fig.tight_layout()
    return fig


_PARTS = {"patch embedding (stem)": lambda r: r.name == "patch_embedding",
         "mixer layers": lambda r: r.name.startswith("mixer_layers."),
         "classifier (head)": lambda r: r.name == "classifier"}


def config_param_bars(tables: dict[str, list[Stage]],
                      title: str = "Where each configuration keeps its parameters") -> Figure:
    """Stacked bars, one per configuration: parameters (millions) in the stem, in the d mixer
    layers and in the classifier. ``tables`` maps a label to its ``counting.stage_table``."""
    check_nonempty("tables", tables, "configuration")
    labels = list(tables)
    fig, ax = subplots(figsize=(6.5, 3.5))
    bottom = [0.0] * len(labels)
    for (part, pick), color in zip(_PARTS.items(), [COLORS[1], COLORS[0], COLORS[2]]):
        millions = [sum(r.params for r in tables[name] if pick(r)) / 1e6 for name in labels]
        ax.bar(labels, millions, bottom=bottom, label=part, color=color)
        bottom = [b + m for b, m in zip(bottom, millions)]
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{total:.1f}M", ha="center", va="bottom")
    ax.set_ylim(0, max(bottom) * 1.15)
    ax.set(title=title, xlabel="configuration (h/d, patch p, kernel k)", ylabel="parameters (millions)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
