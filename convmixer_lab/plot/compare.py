"""Figures of notebook 06 (are patches all you need?): accuracy against size and against time, the
ablations as bars with error bars, and the seeds of a few configurations side by side.

Each takes the rows of ``spread.summarize`` and/or the records of ``compare.run_config`` (or of the
committed results file); accuracies are drawn in %. Error bars are the sample standard deviation over
the seeds (say so in the axis label), so a reader sees the seed-to-seed scatter, not a smaller number.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from convmixer_lab.checks import check_choice
from convmixer_lab.plot._common import COLORS, check_nonempty, subplots

FAMILY_COLORS = dict(zip(("convmixer", "vit", "mlpmixer", "resnet"), COLORS))
METRICS = {"test_accuracy": "test accuracy (%)", "val_accuracy": "validation accuracy (%)"}


def _label(row: dict[str, Any]) -> str:
    return row.get("name") or row["family"]


def _std(row: dict[str, Any], metric: str) -> float:
    return 100 * (row[f"{metric}_std"] or 0.0)


def _size_panel(ax: Axes, rows: list[dict[str, Any]], extra: dict[str, dict[str, Any]], key: str,
                metric: str) -> None:
    for row in rows:
        ax.errorbar(row[key], 100 * row[f"{metric}_mean"], yerr=_std(row, metric), fmt="o", capsize=3,
                    color=FAMILY_COLORS.get(row["family"], COLORS[4]))
        ax.annotate(_label(row), (row[key], 100 * row[f"{metric}_mean"]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    for label, record in extra.items():
        ax.plot(record[key], 100 * record[metric], "*", markersize=12, color="black")
        ax.annotate(label, (record[key], 100 * record[metric]), fontsize=7, xytext=(6, -10),
                    textcoords="offset points")


def accuracy_size_points(rows: list[dict[str, Any]], extra: dict[str, dict[str, Any] | None] | None = None,
                         metric: str = "test_accuracy", budget: tuple[float, float] | None = None,
                         title: str = "Accuracy vs size") -> Figure:
    """Mean accuracy (+- sample std over the seeds) of every row against its parameters (left) and
    its MACs per image (right, log scale), coloured by family. ``extra``: single runs by label
    ({"yours": record, ...}, e.g. a student's own configuration) drawn as black stars; None records
    are skipped. ``budget``: the (low, high) parameter range every configuration must sit in, shaded."""
    check_nonempty("rows", rows, "row from spread.summarize")
    check_choice("metric", metric, METRICS)
    extra = {label: r for label, r in (extra or {}).items() if r is not None}
    fig, (left, right) = subplots(1, 2, figsize=(10, 3.8), sharey=True)
    if budget is not None:
        left.axvspan(*budget, color="0.92", label="parameter budget")
        left.legend(fontsize=7, loc="lower left")
    _size_panel(left, rows, extra, "params", metric)
    _size_panel(right, rows, extra, "macs", metric)
    right.set_xscale("log")
    left.set(title="against parameters", xlabel="parameters", ylabel=f"{METRICS[metric]}, ± std")
    right.set(title="against compute", xlabel="MACs per 28x28 image (log scale)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def accuracy_time_curves(records: list[dict[str, Any]], names: list[str] | None = None,
                         title: str = "Accuracy vs training time") -> Figure:
    """Left: each run's validation accuracy after every epoch against the CPU-seconds spent so far
    (its history), one colour per configuration. Right: each run's test accuracy against the epochs
    it completed within the budget. ``names``: the configurations to draw (default: all, in order)."""
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
    left.set(title="validation accuracy after each epoch", xlabel="CPU-seconds of training",
             ylabel="validation accuracy (%)")
    right.set(title="where each run ended", xlabel="epochs completed within the budget",
              ylabel="test accuracy (%)")
    right.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def ablation_bars(rows: list[dict[str, Any]], records: list[dict[str, Any]] = (), baseline: str = "convmixer",
                  metric: str = "test_accuracy", title: str = "ConvMixer ablations",
                  window: float = 8.0) -> Figure:
    """One bar per row: the mean accuracy (written at its foot), an error bar of +- one sample std over the
    seeds, and each seed's own run as a dot (from ``records``). The ``baseline`` row's mean is a dashed
    line, its min-max range a grey band. The y axis shows ``window`` points below the baseline's
    mean: a bar that ends below it is cut, and says so ("cut: ...")."""
    check_nonempty("rows", rows, "row from spread.summarize")
    check_choice("metric", metric, METRICS)
    by_name = {_label(r): r for r in rows}
    check_choice("baseline", baseline, by_name)
    base = by_name[baseline]
    bottom = 100 * base[f"{metric}_mean"] - window
    fig, ax = subplots(figsize=(10, 4.2))
    names = list(by_name)
    means = [100 * by_name[n][f"{metric}_mean"] for n in names]
    colors = ["0.55" if n == baseline else FAMILY_COLORS.get(by_name[n]["family"], COLORS[4]) for n in names]
    ax.axhspan(100 * base[f"{metric}_min"], 100 * base[f"{metric}_max"], color="0.85", zorder=0,
               label=f"{baseline}: range over its seeds")
    ax.axhline(100 * base[f"{metric}_mean"], color="0.3", linestyle="--", linewidth=1,
               label=f"{baseline}: mean")
    ax.bar(names, means, yerr=[_std(by_name[n], metric) for n in names], capsize=4, color=colors, alpha=0.8)
    for i, (n, mean) in enumerate(zip(names, means)):
        dots = [100 * r[metric] for r in records if _label(r) == n]
        ax.plot([i] * len(dots), dots, "o", color="black", markersize=3, label="one seed" if i == 0 else None)
        cut = mean < bottom
        ax.annotate(f"cut: {mean:.1f} ± {_std(by_name[n], metric):.1f}" if cut else f"{mean:.2f}",
                    (i, bottom), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7,
                    color="darkred" if cut else "white")
    ax.set_ylim(bottom, min(100.0, max(means) + 0.35 * window))
    ax.set(title=title, xlabel="configuration", ylabel=f"{METRICS[metric]}: mean ± std")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.legend(fontsize=7, loc="upper right", ncol=3)
    fig.tight_layout()
    return fig


def seed_points(records: list[dict[str, Any]], names: list[str], metric: str = "test_accuracy",
                title: str = "Every seed of a few configurations") -> Figure:
    """One row per configuration: each seed's accuracy as a dot, the mean as a vertical tick, the
    mean +- one standard error of the mean as a thick bar and the min-max range as a thin line, so
    overlapping ranges are plain to see."""
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
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set(title=title, xlabel=METRICS[metric], ylabel="configuration")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
