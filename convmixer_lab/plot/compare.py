"""Figures of notebook 06 from the rows of ``spread.summarize`` and the records of ``compare.run_config``,
accuracies in %. Each names its error bar: the std over seeds (how far single runs scatter), the standard
error of a mean (how uncertain it is), t times the SE of a difference (clear when it misses zero)."""

import math
import statistics
from typing import Any

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from convmixer_lab.checks import check_choice, check_number
from convmixer_lab.plot._common import COLORS, check_nonempty, finish, subplots
from convmixer_lab.spread import difference

METRICS = {"test_accuracy": "test accuracy (%)", "val_accuracy": "validation accuracy (%)"}


def _label(row: dict[str, Any]) -> str:
    return row.get("name") or row["family"]


def _size_panel(ax: Axes, rows: list[dict[str, Any]], extra: dict[str, dict[str, Any]], key: str,
                metric: str) -> None:
    """Rows as dots with +- std bars, extra runs as stars in their row's colour (black: one's own)."""
    colors = {_label(row): COLORS[i % len(COLORS)] for i, row in enumerate(rows)}
    for row in rows:
        ax.errorbar(row[key], 100 * row[f"{metric}_mean"], yerr=100 * (row[f"{metric}_std"] or 0.0), fmt="o",
                    capsize=3, color=colors[_label(row)], label=_label(row), zorder=3)
    for label, record in extra.items():
        color = colors.get(record.get("name") or "", "black")
        ax.plot(record[key], 100 * record[metric], "*", markersize=13, color=color, alpha=0.8,
                markeredgecolor="black", label=label, zorder=2)


def _ticks(ax: Axes, scale: float, unit: str) -> None:
    """At most 5 ticks on the x axis, written in ``scale`` units (e.g. 1e6 and "M": "2.5M")."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / scale:g}{unit}"))


def accuracy_size_points(rows: list[dict[str, Any]], extra: dict[str, dict[str, Any] | None] | None = None,
                         metric: str = "test_accuracy", budget: tuple[float, float] | None = None,
                         title: str = "Accuracy vs size") -> Figure:
    """Mean accuracy (+- std over seeds) of every row against parameters (left) and MACs (right);
    ``extra``: single runs by label ({"yours": record}, None skipped) as stars; ``budget``: the (low,
    high) parameter range, shaded."""
    check_nonempty("rows", rows, "row from spread.summarize")
    check_choice("metric", metric, METRICS)
    extra = {label: r for label, r in (extra or {}).items() if r is not None}
    fig, (left, right) = subplots(1, 2, figsize=(10, 3.8), sharey=True)
    _size_panel(left, rows, extra, "params", metric)
    _size_panel(right, rows, extra, "macs", metric)
    if budget is not None:
        low, high = budget
        xs = [r["params"] for r in rows] + [r["params"] for r in extra.values()]
        pad = 0.4 * (high - low)
        left.axvspan(low, high, color="0.92", zorder=0, label="parameter budget")
        left.set_xlim(min(low, *xs) - pad, max(high, *xs) + pad)
    _ticks(left, 1e3, "k")
    _ticks(right, 1e6, "M")
    left.set(title="against parameters", xlabel="parameters", ylabel=f"{METRICS[metric]}, mean ± std")
    right.set(title="against compute", xlabel="MACs per 28x28 image")
    handles = dict(zip(*reversed(left.get_legend_handles_labels())))
    order = [_label(r) for r in rows] + list(extra) + ["parameter budget"] * (budget is not None)
    left.legend([handles[label] for label in order], order, fontsize=7, loc="best")
    return finish(fig, title)


def accuracy_time_curves(records: list[dict[str, Any]], names: list[str] | None = None,
                         title: str = "Accuracy vs training time") -> Figure:
    """Each run's validation accuracy per epoch against CPU-seconds spent (left) and its test accuracy
    against the epochs it completed (right); ``names``: the configurations to draw (default: all)."""
    check_nonempty("records", records, "record from compare.run_config")
    names = names or list(dict.fromkeys(_label(r) for r in records))
    fig, (left, right) = subplots(1, 2, figsize=(10, 3.8))
    for i, name in enumerate(names):
        runs = [r for r in records if _label(r) == name]
        check_nonempty(f"records of {name!r}", runs, "run")
        color = COLORS[i] if len(names) <= len(COLORS) else colormaps["tab20"](i % 20)
        for j, r in enumerate(runs):
            h = r["history"]
            spent = [sum(h["seconds"][:k + 1]) for k in range(len(h["seconds"]))]
            left.plot(spent, [100 * a for a in h["val_accuracy"]], "o-", color=color, markersize=3)
            right.plot(r["epochs"], 100 * r["test_accuracy"], "o", color=color,
                       label=name if j == 0 else None)
    left.set(title="validation accuracy at the end of each epoch or run",
             xlabel="CPU-seconds (training and validation)", ylabel="validation accuracy (%)")
    right.set(title="where each run ended", xlabel="epochs trained within the budget (0.5: half an epoch)",
              ylabel="test accuracy (%)")
    right.legend(fontsize=7)
    return finish(fig, title)


def _differences(rows: list[dict[str, Any]], records: list[dict[str, Any]], names: list[str], baseline: str,
                 metric: str, level: float) -> tuple[list[dict[str, Any]], list[float], list[list[float]]]:
    """Each name's ``spread.difference`` from ``baseline``, its t * SE and its seeds' gaps, in points."""
    base_mean = 100 * next(r for r in rows if _label(r) == baseline)[f"{metric}_mean"]
    tests = [difference(rows, n, baseline, metric, level) for n in names]
    errs = [100 * d["t"] * d["standard_error"] for d in tests]
    dots = [[100 * r[metric] - base_mean for r in records if _label(r) == n] for n in names]
    return tests, errs, dots


def _legend(ax: Any, corrected: bool) -> None:
    """What a coloured bar means: the test alone, or after Holm's correction."""
    says = ("after Holm's correction",) * 2 if corrected else (
        "the interval misses zero", "the interval crosses zero")
    ax.legend(handles=[Patch(color=COLORS[0], alpha=0.85, label=f"clear: {says[0]}"),
                       Patch(color="0.75", alpha=0.85, label=f"not clear: {says[1]}"),
                       Line2D([], [], marker="o", linestyle="", color="black", markersize=3,
                              label="one seed")], fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def ablation_bars(rows: list[dict[str, Any]], records: list[dict[str, Any]] = (), baseline: str = "convmixer",
                  metric: str = "test_accuracy", title: str = "ConvMixer ablations",
                  window: float = 8.0, level: float = 0.95, clear: set[str] | None = None) -> Figure:
    """Each row's mean accuracy minus ``baseline``'s (points) as a bar with +- t * SE, the interval
    ``spread.difference`` tests at ``level`` (coloured when clear; ``clear``: the names to colour instead,
    e.g. those ``spread.holm`` keeps), seeds as dots; what reaches below ``-window`` is cut and labelled."""
    check_nonempty("rows", rows, "row from spread.summarize")
    check_choice("metric", metric, METRICS)
    window = check_number("window", window, minimum=0, strict=True)
    by_name = {_label(r): r for r in rows}
    check_choice("baseline", baseline, by_name)
    names = [n for n in by_name if n != baseline]
    check_nonempty("rows other than the baseline", names, "row")
    tests, errs, dots = _differences(rows, records, names, baseline, metric, level)
    diffs = [100 * d["difference"] for d in tests]
    seeds = [v for ds in dots for v in ds]
    bottom = max(-window, min([d - e for d, e in zip(diffs, errs)] + seeds) - 0.5)
    fig, ax = subplots(figsize=(10, 4.2))
    shown = [d["clear"] if clear is None else n in clear for n, d in zip(names, tests)]
    colors = [COLORS[0] if c else "0.75" for c in shown]
    ax.bar(names, diffs, yerr=errs, capsize=4, color=colors, alpha=0.85)
    ax.axhline(0.0, color="0.2", linewidth=1)
    for i, (ds, diff, err) in enumerate(zip(dots, diffs, errs)):
        ax.plot([i] * len(ds), ds, "o", color="black", markersize=3)
        if diff - err < bottom:
            ax.annotate(f"cut: {diff:.1f} ± {err:.1f}", (i, bottom), xytext=(0, 6), ha="center",
                        textcoords="offset points", fontsize=8, color="darkred",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="darkred"))
    ax.set_ylim(bottom, max([d + e for d, e in zip(diffs, errs)] + seeds + [0.0]) + 0.5)
    ax.set(title=title, xlabel="configuration",
           ylabel=f"{METRICS[metric].removesuffix(' (%)')}: difference from {baseline} (points)")
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    _legend(ax, corrected=clear is not None)
    return finish(fig)


def seed_points(records: list[dict[str, Any]], names: list[str], metric: str = "test_accuracy",
                title: str = "Every seed of a few configurations") -> Figure:
    """One row per configuration: seeds as dots, the mean as a tick, +- one standard error of the mean
    as a thick bar, the min-max range as a thin line."""
    check_choice("metric", metric, METRICS)
    check_nonempty("names", names, "configuration name")
    fig, ax = subplots(figsize=(8, 0.6 * len(names) + 1.4))
    for i, name in enumerate(names):
        values = [100 * r[metric] for r in records if _label(r) == name]
        check_nonempty(f"records of {name!r}", values, "run")
        mean = statistics.fmean(values)
        sem = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
        ax.hlines(i, min(values), max(values), color="0.6", linewidth=1)
        ax.hlines(i, mean - sem, mean + sem, color=COLORS[0], linewidth=6, alpha=0.5,
                  label="mean ± standard error" if i == 0 else None)
        ax.plot([mean], [i], "|", color=COLORS[0], markersize=16)
        ax.plot(values, [i] * len(values), "o", color="black", markersize=4,
                label="one seed" if i == 0 else None)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set(title=title, xlabel=METRICS[metric], ylabel="configuration")
    ax.legend(fontsize=7, loc="best")
    return finish(fig)
