"""Figures of notebooks 03 and 04: bars comparing a few costs, a roofline of measured layers, the
parameters of each stage of a ConvMixer and of each configuration's parts."""

import textwrap

import numpy as np
from matplotlib.figure import Figure

from convmixer_lab.counting import Stage, group_repeats
from convmixer_lab.plot._common import COLORS, check_nonempty, check_pair, finish, subplots, value_bars


def comparison_bars(labels: list[str], values: list[float], title: str, ylabel: str,
                    log: bool = False) -> Figure:
    """A few quantities (parameters, MACs, times) as bars, each with its number on top."""
    check_pair("labels", labels, "values", values)
    fig, ax = subplots(figsize=(6, 3.5))
    labels = [textwrap.fill(label, 12) for label in labels]  # long names on two lines, not overlapping
    value_bars(ax, labels, values, COLORS[:4],
               [f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}" for v in values], log=log)
    top = max(values)
    if top > 0:  # room above the tallest bar for its number, below the title
        ax.set_ylim(top=top * (3 if log else 1.15))
    positive = [v for v in values if v > 0]
    if log and positive:  # the smallest bar one decade tall, so it cannot pass for zero
        ax.set_ylim(bottom=min(positive) / 10)
    ax.set(title=title, ylabel=ylabel, xlabel="")
    return finish(fig)


def stage_param_bars(rows: list[Stage], title: str = "Where the parameters are") -> Figure:
    """Parameters (millions) per stage of ``counting.stage_table`` with any, identical consecutive
    layers as one bar (``mixer_layers.0-19 (x 20)``)."""
    groups = [(r, n) for r, n in group_repeats(rows) if r.params > 0]
    check_nonempty("rows", groups, "stage with parameters (from counting.stage_table)")
    labels = [f"{r.name} (x {n})" if n > 1 else r.name for r, n in groups]
    values = [r.params * n / 1e6 for r, n in groups]  # millions
    fig, ax = subplots(figsize=(6.5, 3.5))
    colors = tuple(COLORS[1] if r.name == "patch_embedding" else COLORS[2] if r.name == "classifier"
                   else COLORS[0] for r, _ in groups)  # the colours of config_param_bars' parts
    value_bars(ax, labels, values, colors, [f"{v:.2f}M" for v in values], log=False)
    ax.set_ylim(0, max(values) * 1.15)
    ax.set(title=title, xlabel="stage", ylabel="parameters (millions)")
    return finish(fig)


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
    return finish(fig)


def roofline_points(points: dict[str, tuple[float, float]], bandwidths: dict[str, float], peak: float,
                    title: str = "Roofline of this machine") -> Figure:
    """Each layer at (MACs per byte, measured GMAC/s) on log-log axes under one roof per bandwidth (GB/s),
    ``min(intensity * bandwidth, peak)``; ``peak``: the arithmetic rate (GMAC/s), a matrix product's."""
    check_nonempty("points", points, "layer (name: (MACs per byte, GMAC/s))")
    check_nonempty("bandwidths", bandwidths, "bandwidth (name: GB/s)")
    if min([v for pair in points.values() for v in pair] + list(bandwidths.values()) + [peak]) <= 0:
        raise ValueError("points, bandwidths and peak must be positive (log axes): measure them again")
    spread = [i for i, _ in points.values()] + [peak / bw for bw in bandwidths.values()]  # and the knees
    x = np.geomspace(min(spread) / 2, max(spread) * 6, 200)  # room for the names
    fig, ax = subplots(figsize=(6.5, 4))
    for (name, bandwidth), style in zip(bandwidths.items(), ["-", "--", ":"] * len(bandwidths)):
        ax.plot(x, np.minimum(x * bandwidth, peak), style, color="0.3",
                label=f"{name} ({bandwidth:.1f} GB/s)")
    ax.axhline(peak, color="0.7", linewidth=4, zorder=0, label=f"matrix product ({peak:.1f} GMAC/s)")
    lowest = min([rate for _, rate in points.values()] + [x[0] * min(bandwidths.values())])
    ax.set(xscale="log", yscale="log", title=title, xlabel="arithmetic intensity (MACs per byte moved)",
           ylabel="GMAC per second", ylim=(lowest / 3, max(peak, *(r for _, r in points.values())) * 3))
    boxes = []  # the labels placed so far: a label off the peak line that overlaps none of them
    for (name, (per_byte, rate)), color in zip(points.items(), COLORS * len(points)):
        ax.plot(per_byte, rate, "o", color=color)
        lifts = (5, 14, 24) if rate > peak else (-12, -22, -32)  # above the line or below it
        for lift in lifts:
            label = ax.annotate(name, (per_byte, rate), (5, lift), textcoords="offset points", fontsize=8)
            if lift == lifts[-1] or not any(label.get_window_extent().overlaps(b) for b in boxes):
                break
            label.remove()
        boxes.append(label.get_window_extent())
    ax.legend(loc="lower right", fontsize=8)
    return finish(fig)
