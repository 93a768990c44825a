"""Notebook 06's committed results: they follow the protocol, and they hold what the notebook's prose and
the README say about them."""

from __future__ import annotations

import math
import random
import statistics
from decimal import Decimal
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from convmixer_lab import plot  # noqa: E402
from convmixer_lab.compare import (  # noqa: E402
    ABLATIONS,
    BUDGET,
    CONFIGS,
    LIVE_BUDGET,
    LIVE_RESULTS,
    PEERS,
    RECIPE,
    REQUIRED,
    closest_width,
    describe,
    load_results,
)
from convmixer_lab.exercises import exercise, nb06  # noqa: E402
from convmixer_lab.spread import at_epoch, difference, prediction_interval, summarize, t_quantile  # noqa: E402
from convmixer_lab.texts import set_language  # noqa: E402


@pytest.mark.parametrize("path,budget,names,seeds", [
    (None, None, list(CONFIGS), [0, 1, 2]),
    (LIVE_RESULTS, LIVE_BUDGET, ["convmixer", "vit"], [0, 1, 2]),
])
def test_the_committed_results_follow_the_protocol(path, budget, names, seeds):
    results = load_results(*([path] if path else []))
    protocol = results["protocol"]
    assert (protocol["clock"], protocol["threads_per_run"], protocol["recipe"]) == ("cpu", 1, RECIPE)
    assert protocol["data"] == {"train": 55_000, "val": 5_000, "test": 10_000}
    assert budget is None or protocol["time_budget"] == budget
    assert protocol["text"] == (f"the same budget of {protocol['time_budget']:g} CPU-seconds on one core per "
                                "run; two runs at a time on the 2-core machine")
    assert sorted((r["name"], r["seed"]) for r in results["records"]) == sorted(
        (n, s) for n in names for s in seeds)
    for r in results["records"]:
        assert r["config"] == CONFIGS[r["name"]][1] and (r["params"], r["macs"]) == tuple(
            describe(r["name"]).values())
        assert r["threads"] == 1 and r["clock"] == "cpu" and r["device"] == "cpu"
        assert r["val_accuracy"] == max(r["history"]["val_accuracy"])  # the kept epoch is the best one
    assert results["total_seconds"] > 0 and results["machine"]["threads_per_run"] == 1


@pytest.fixture(scope="module")
def committed():
    results = load_results()
    rows = summarize(results["records"])
    return results, rows, {r["name"]: r for r in rows}


def test_section_8_the_families_and_the_ablations(committed):
    _, rows, by_name = committed
    order = sorted(PEERS, key=lambda n: by_name[n]["test_accuracy_mean"], reverse=True)
    assert order == ["convmixer", "resnet", "mlpmixer", "vit"]
    leads = [difference(rows, "convmixer", n) for n in order[1:]]
    assert all(d["clear"] and not d["ranges_overlap"] for d in leads)
    assert difference(rows, "resnet", "vit")["clear"]  # the ResNet was ahead of the ViT ...
    assert not difference(rows, "resnet", "mlpmixer")["clear"]  # ... "that last gap is not clear"
    clear = {n for n in ABLATIONS if difference(rows, n, "convmixer")["clear"]}
    assert clear == {"convmixer-p2", "convmixer-k5", "convmixer-k7", "convmixer-deep", "convmixer-tutorial"}
    assert all(difference(rows, n, "convmixer")["difference"] < 0 for n in clear)  # all of them lower
    assert by_name["convmixer-p2"]["epochs_max"] < 0.5
    # "with many runs, about 2": the flat rule would call these two 'clear' where t does not
    assert {n for n in ABLATIONS if abs(difference(rows, n, "convmixer")["ratio"]) > 2} == clear


def test_section_8_same_patches_and_patch_size_through_compute(committed):
    _, rows, by_name = committed
    mean = {n: round(100 * r["test_accuracy_mean"], 2) for n, r in by_name.items()}
    same = ("convmixer", "mlpmixer", "vit", "convmixer-tutorial")
    assert [mean[n] for n in same] == [89.71, 86.82, 82.87, 55.56]
    assert {CONFIGS[n][1]["patch_size"] for n in same} == {4}
    by_p = [by_name[n] for n in ("convmixer-p2", "convmixer", "convmixer-p7")]
    assert [round(r["epochs_mean"], 1) for r in by_p] == [0.4, 1.6, 4.6]
    assert [round(100 * r["test_accuracy_mean"], 2) for r in by_p] == [85.25, 89.71, 90.03]  # follows epochs
    assert not difference(rows, "convmixer-p7", "convmixer")["clear"]
    names = ("convmixer-k5", "convmixer-k7", "convmixer-deep", "vit", "resnet", "mlpmixer")
    epochs = {n: round(by_name[n]["epochs_mean"], 1) for n in names}
    assert epochs == {"convmixer-k5": 1.3, "convmixer-k7": 1.2, "convmixer-deep": 1.5, "vit": 1.0,
                      "resnet": 0.8, "mlpmixer": 1.8}
    vit = by_name["vit"]
    assert by_name["resnet"]["epochs_max"] < 1
    assert (round(vit["epochs_min"], 2), round(vit["epochs_max"], 2)) == (0.94, 1.0)
    macs = {n: describe(n)["macs"] for n in ("convmixer", "convmixer-k5", "convmixer-k7")}
    assert max(macs.values()) / min(macs.values()) < 1.02  # "almost the same MACs per image"


def test_section_6_after_one_epoch(committed):
    results, _, _ = committed
    after = at_epoch(results["records"], 1.0)
    names = ("convmixer", "convmixer-k5", "convmixer-k7", "convmixer-deep", "convmixer-p7")
    base, k5, k7, deep, p7 = (after[n] for n in names)
    assert all(len(v) == 3 for v in (base, k5, k7, deep, p7))
    assert min(k5) > max(base)                                 # every k=5 run ahead of every baseline run
    assert min(k7) > sorted(base)[1] and max(k7) > max(base)   # k=7: at the top of the range or above
    assert statistics.fmean(deep) < statistics.fmean(base)     # the deeper model was not ahead
    assert max(p7) < min(base)                                 # p=7 behind after one epoch


def test_section_4_the_wall_clock_minutes(committed):
    results, _, _ = committed
    records = results["records"]
    cpu, wall = sum(r["seconds"] for r in records), sum(r["wall_seconds"] for r in records)
    loads = [r["load_average"] for r in records]
    budget, cores = results["protocol"]["time_budget"], results["machine"]["cores"]
    assert round(len(records) * budget / cores / 60) == 18 and round(results["total_seconds"] / 60) == 58
    assert round(wall / cpu, 1) == 3.1 and round(wall / 2 / 60) == 54 and min(loads) > 3


def test_section_8_the_ranking_depends_on_the_budget(committed):
    _, rows, _ = committed
    live = summarize(load_results(LIVE_RESULTS)["records"])
    gaps = {LIVE_BUDGET: difference(live, "convmixer", "vit")["difference"],
            60: difference(rows, "convmixer", "vit")["difference"]}
    assert {b: round(100 * g, 1) for b, g in gaps.items()} == {LIVE_BUDGET: 22.8, 60: 6.8}
    assert gaps[LIVE_BUDGET] > 2 * gaps[60] > 0


def test_the_results_files_note_the_rename(committed):
    for results in (committed[0], load_results(LIVE_RESULTS)):
        assert "convmixer-seed" not in results["configs"] and "convmixer-tutorial" in results["configs"]
        assert not any(r["name"] == "convmixer-seed" for r in results["records"])
        assert any("renamed 'convmixer-tutorial'" in note for note in results["notes"])
