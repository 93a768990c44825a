"""Every figure the notebooks show. Each function returns the matplotlib Figure it drew
(title and axis labels always set); notebooks end the cell with ``plt.show()``."""

from __future__ import annotations

import matplotlib

matplotlib.rcParams["figure.dpi"] = 80  # small PNGs keep the stored notebooks light

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from convmixer_lab.counting import Stage  # noqa: E402


def bar_compare(labels: list[str], values: list[float], title: str, ylabel: str,
                log: bool = False) -> Figure:
    """A labelled bar chart comparing a few quantities (parameter counts, MACs, times)."""
    if len(labels) != len(values) or not labels:
        raise ValueError("labels and values must be non-empty and of the same length")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bars = ax.bar(labels, values, color=["#4c72b0", "#dd8452", "#55a868", "#c44e52"][: len(labels)])
    ax.bar_label(bars, labels=[f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}" for v in values])
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def stage_params_plot(rows: list[Stage], title: str = "Where the parameters are") -> Figure:
    """Parameters per stage of a ConvMixer (from ``counting.stage_table``)."""
    rows = [r for r in rows if r.params > 0]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(range(len(rows)), [r.params for r in rows], color="#4c72b0")
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.name.replace("mixer_layers.", "L") for r in rows], rotation=90, fontsize=7)
    ax.set_title(title)
    ax.set_xlabel("stage")
    ax.set_ylabel("parameters")
    fig.tight_layout()
    return fig


# --- notebook 01: patch embedding (figures go here) -------------------------------------------

# --- notebook 02: depthwise vs pointwise (figures go here) ------------------------------------

# --- notebook 03/04: parameter count, full model ----------------------------------------------

def config_params_plot(tables: dict[str, list[Stage]],
                       title: str = "Where each configuration keeps its parameters") -> Figure:
    """Stacked bars, one per configuration: parameters (millions) in the stem, in the d mixer
    layers and in the classifier. ``tables`` maps a label to its ``counting.stage_table``."""
    if not tables:
        raise ValueError("tables must hold at least one configuration")
    parts = {"patch embedding (stem)": lambda r: r.name == "patch_embedding",
             "mixer layers": lambda r: r.name.startswith("mixer_layers."),
             "classifier (head)": lambda r: r.name == "classifier"}
    labels = list(tables)
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    bottom = [0.0] * len(labels)
    for (part, pick), color in zip(parts.items(), ["#dd8452", "#4c72b0", "#55a868"]):
        millions = [sum(r.params for r in tables[name] if pick(r)) / 1e6 for name in labels]
        ax.bar(labels, millions, bottom=bottom, label=part, color=color)
        bottom = [b + m for b, m in zip(bottom, millions)]
    for i, total in enumerate(bottom):
        ax.text(i, total, f"{total:.1f}M", ha="center", va="bottom")
    ax.set_ylim(0, max(bottom) * 1.15)
    ax.set_title(title)
    ax.set_xlabel("configuration (h/d, patch p, kernel k)")
    ax.set_ylabel("parameters (millions)")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


# --- notebook 05: training (figures go here) --------------------------------------------------
