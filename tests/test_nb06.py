"""Notebook 06: every exercise's checker accepts the right answer and refuses near misses WITH a reason;
the experiment trains exactly like the live pair; the figures draw what they are given and refuse bad
input; the committed results hold what the notebook and the README say."""

from __future__ import annotations

import math
import random
import statistics

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from convmixer_lab import plot  # noqa: E402
from convmixer_lab.compare import (  # noqa: E402
    BUDGET,
    CONFIGS,
    LIVE_BUDGET,
    LIVE_RESULTS,
    RECIPE,
    REQUIRED,
    describe,
    load_results,
)
from convmixer_lab.exercises import exercise, nb06  # noqa: E402
from convmixer_lab.spread import summarize  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def verdict(key, answer, capsys):
    """(correct?, the line the checker printed)"""
    ok = exercise(key).check(answer)
    return ok, capsys.readouterr().out.strip()


# --- 06.1: predict the MAC ratio -----------------------------------------------------------------------

def test_06_1_the_expected_ratio_comes_from_the_package():
    expected = describe("convmixer-p2")["macs"] / describe("convmixer")["macs"]
    assert nb06.MAC_RATIO == expected and 3.9 < expected < 4.2  # 4x the patches, widths 103 vs 101


@pytest.mark.parametrize("answer", [4, 4.0, nb06.MAC_RATIO, 3.6, 4.6])
def test_06_1_accepts_answers_within_15_percent(answer, capsys):
    assert verdict("06.1", answer, capsys) == (True, "Exercise 06.1: correct!")


@pytest.mark.parametrize("answer,reason", [
    (1.0, "the parameters are nearly the same, but the compute is not"),  # same params -> same cost
    (2, "halving p doubles the patches along each side"),                 # only one side counted
    (16, "too large"),                                                     # (p ratio)^4
    (3.0, "too small"),
    ("4", "expected a number"),
    (True, "expected a number"),
])
def test_06_1_refuses_near_misses_with_a_reason(answer, reason, capsys):
    ok, out = verdict("06.1", answer, capsys)
    assert not ok and out.startswith("Exercise 06.1: not quite - ") and reason in out


def test_06_1_predict_then_reveal(capsys):
    ex = exercise("06.1")
    try:
        ex.predict(2.0)
        assert ex.reveal(round(nb06.MAC_RATIO, 2)) is False
        ex.predict(4.0)
        assert ex.reveal(round(nb06.MAC_RATIO, 2)) is True
    finally:
        ex.prediction = None
    out = capsys.readouterr().out
    assert f"you predicted 4.0, the cell measured {round(nb06.MAC_RATIO, 2)}" in out


# --- 06.2: write standard_error ----------------------------------------------------------------------

def test_06_2_reference_and_a_rewritten_correct_answer(capsys):
    assert nb06.standard_error([1.0, 2.0, 3.0]) == pytest.approx(1 / math.sqrt(3))
    assert verdict("06.2", lambda v: (sum((x - sum(v) / len(v)) ** 2 for x in v) / (len(v) - 1)) ** 0.5
                   / len(v) ** 0.5, capsys)[0]


@pytest.mark.parametrize("func,reason", [
    (statistics.stdev, "it returns the standard deviation itself; divide it by sqrt(n)"),
    (lambda v: statistics.stdev(v) / len(v), "it divides by n; the standard error divides by sqrt(n)"),
    (lambda v: statistics.pstdev(v) / math.sqrt(len(v)), "use the SAMPLE standard deviation"),
    (statistics.fmean, "standard_error([89.5, 90.1, 90.4]) returned 90, expected 0.2646"),
    (lambda: 0.1, "raised TypeError: <lambda>() takes 0 positional arguments but 1 was given"),
    (lambda v: "0.26", "standard_error([89.5, 90.1, 90.4]) returned 0.26, expected 0.2646"),
])
def test_06_2_refuses_near_misses_with_a_reason(func, reason, capsys):
    ok, out = verdict("06.2", func, capsys)
    assert not ok and out.startswith("Exercise 06.2: not quite - ") and reason in out


def test_06_2_a_blank_body_is_not_answered_yet(capsys):
    def standard_error(values):
        return ...

    ok, out = verdict("06.2", standard_error, capsys)
    assert not ok and out.startswith("Exercise 06.2: not answered yet")


# --- 06.3 and 06.5: why --------------------------------------------------------------------------------

def test_06_3_the_numbers_in_its_text_agree():
    ex = exercise("06.3")
    se = math.sqrt(0.3**2 / 3 + 0.3**2 / 3)
    assert f"{se:.2f}" == "0.24" and "0.24" in ex.options["b"] and 0.2 < se  # the difference is < 1 SE
    assert ex.answer == "b" and set(ex.why_not) == {"a", "c", "d"}


@pytest.mark.parametrize("key", ["06.3", "06.5"])
def test_why_exercises_explain_every_wrong_letter(key, capsys):
    ex = exercise(key)
    assert verdict(key, f"({ex.answer.upper()})", capsys) == (True, f"Exercise {key}: correct!")
    for letter, reason in ex.why_not.items():
        ok, out = verdict(key, letter, capsys)
        assert not ok and reason in out
    ok, out = verdict(key, "e", capsys)
    assert not ok and "choose one of a, b, c, d" in out


# --- 06.4: the experiment ------------------------------------------------------------------------------

def fair_record(**changes):
    return {**nb06._example_answer()["record"], **changes}


def answer(record, verdict):
    return dict(record=record, verdict=verdict)


def test_06_4_the_reference_answer_is_fair_and_its_verdict_follows_the_committed_range(capsys):
    reference = exercise("06.4").answer
    record = reference["record"]
    assert REQUIRED <= set(record) and abs(record["params"] - BUDGET) <= 0.05 * BUDGET
    assert verdict("06.4", reference, capsys) == (True, "Exercise 06.4: correct!")
    low, high = nb06.live_range()
    committed = [r["test_accuracy"] for r in load_results(LIVE_RESULTS)["records"]]
    assert (low, high) == (min(committed), max(committed))
    middle = fair_record(test_accuracy=(low + high) / 2)
    assert verdict("06.4", answer(middle, "inside"), capsys)[0]
    assert verdict("06.4", answer(fair_record(test_accuracy=min(1.0, high + 0.01)), "above"), capsys)[0]


def vit_with(**changes):
    return dict(CONFIGS["vit"][1], **changes)


@pytest.mark.parametrize("given,reason", [
    (answer(fair_record(name="vit", config=CONFIGS["vit"][1], **describe("vit")), "below"),
     "that is one of the committed configurations"),
    (answer(fair_record(config=CONFIGS["vit"][1], **describe("vit")), "below"),   # the same, unnamed
     "that is one of the committed configurations"),
    (answer(fair_record(config=vit_with(depth=2, dim=48), **describe(("vit", vit_with(depth=2, dim=48)))),
            "below"),
     "60,298 parameters is 121% of the budget; a fair comparison stays within 5% of 50,000"),
    (answer(fair_record(time_budget=60.0), "below"), "did not train for the same budget, 12 CPU-seconds"),
    (answer(fair_record(time_budget=None, epochs=1.0), "below"), "did not train for the same budget"),
    (answer(fair_record(recipe=dict(RECIPE, lr=0.02)), "below"), "did not use the same recipe, clock"),
    (answer(fair_record(clock="wall"), "below"), "did not use the same recipe, clock and one thread"),
    (answer(fair_record(threads=2), "below"), "did not use the same recipe, clock and one thread"),
    (answer(fair_record(), "inside"), "your run scored 0.00% and the committed runs range"),
    (answer(fair_record(), "lower"), "my_verdict must be 'below', 'inside' or 'above', got 'lower'"),
    (answer({"test_accuracy": 0.9}, "below"), "expected the record that ex.run(my_config, data) returned"),
    ((fair_record(), "below"), "answer with dict(record=my_record, verdict=my_verdict)"),
    (fair_record(), "answer with dict(record=my_record, verdict=my_verdict)"),
])
def test_06_4_refuses_near_misses_with_a_reason(given, reason, capsys):
    ok, out = verdict("06.4", given, capsys)
    assert not ok and out.startswith("Exercise 06.4: not quite") and reason in out


def test_06_4_placeholders_are_not_answered_yet(capsys):
    for given in (answer(None, ...), answer(fair_record(), ...), answer(None, "below")):
        ok, out = verdict("06.4", given, capsys)
        assert not ok and out.startswith("Exercise 06.4: not answered yet")


def test_06_4_run_trains_like_the_live_pair_once_per_configuration(monkeypatch, capsys):
    calls = []
    fake = dict(params=51_050, test_accuracy=0.7, epochs=0.25)
    monkeypatch.setattr(nb06, "run_config", lambda *args, **kw: calls.append((args, kw)) or fake)
    ex = exercise("06.4")
    assert ex.run(..., data={}) is None and "not answered yet" in capsys.readouterr().out
    spec, data = ("vit", vit_with(depth=2, dim=44)), {"d": 1}
    assert ex.run(spec, data) is fake
    assert calls == [((spec, 0, LIVE_BUDGET, data), {})]  # run_config's defaults: one thread, CPU clock
    assert capsys.readouterr().out == ("your configuration: 51,050 parameters, test accuracy 70.00% after "
                                       "0.25 epochs\n")
    assert ex.run(spec, data) is fake and len(calls) == 1  # run again: reused, not retrained
    assert capsys.readouterr().out.startswith("(the same configuration as before: its run is reused)")
    ex.run(spec, data, seed=1)
    ex.run(("vit", vit_with(depth=2, dim=48)), data)
    assert [c[0][1] for c in calls] == [0, 1, 0] and len(calls) == 3  # another seed or config: a new run


# --- figures -------------------------------------------------------------------------------------------

def record(name, seed, test, family="convmixer", params=50_000, macs=2_000_000, epochs=1.5):
    history = dict(epoch=[1.0, epochs], loss=[1.0, 0.5], val_accuracy=[test - 0.05, test],
                   seconds=[30.0, 28.0])
    return dict(name=name, family=family, config={"dim": params}, params=params, macs=macs, seed=seed,
                seconds=58.0, epochs=epochs, val_accuracy=test, test_accuracy=test, history=history)


RECORDS = ([record("convmixer", s, a) for s, a in enumerate((0.89, 0.90, 0.91))]
           + [record("vit", s, a, family="vit", params=49_000, macs=4_000_000) for s, a in
              enumerate((0.84, 0.85, 0.83))]
           + [record("convmixer-p2", s, a, macs=9_000_000, epochs=0.4) for s, a in
              enumerate((0.85, 0.84, 0.86))])
ROWS = summarize(RECORDS)


def test_accuracy_size_points_draws_means_with_std_and_extra_stars():
    fig = plot.accuracy_size_points(ROWS, extra={"yours": RECORDS[0], "not run": None},
                                    budget=(47_500, 52_500), title="T")
    left, right = fig.axes
    assert fig._suptitle.get_text() == "T" and right.get_xscale() == "log"
    assert left.get_xlabel() == "parameters" and "± std" in left.get_ylabel()
    assert right.get_xlabel().startswith("MACs per 28x28 image")
    stars = [line for line in left.lines if line.get_marker() == "*"]
    assert len(stars) == 1 and list(stars[0].get_ydata()) == [89.0]  # the one record; None skipped
    means = sorted(round(float(c.lines[0].get_ydata()[0]), 6) for c in left.containers)
    assert means == [84.0, 85.0, 90.0]
    assert [t.get_text() for t in left.texts] == ["convmixer", "vit", "convmixer-p2", "yours"]
    with pytest.raises(ValueError, match="rows must hold at least one row"):
        plot.accuracy_size_points([])
    with pytest.raises(ValueError, match="metric must be one of"):
        plot.accuracy_size_points(ROWS, metric="loss")


def test_accuracy_time_curves_one_line_per_run_and_one_point_per_run():
    fig = plot.accuracy_time_curves(RECORDS, names=["convmixer", "vit"])
    left, right = fig.axes
    assert len(left.lines) == 6 and list(left.lines[0].get_xdata()) == [30.0, 58.0]
    assert list(left.lines[0].get_ydata()) == pytest.approx([84.0, 89.0])
    assert len(right.lines) == 6 and right.get_xlabel() == "epochs completed within the budget"
    assert left.get_xlabel() == "CPU-seconds of training" and fig._suptitle.get_text()
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["convmixer", "vit"]
    with pytest.raises(ValueError, match="records of 'resnet' must hold at least one run"):
        plot.accuracy_time_curves(RECORDS, names=["resnet"])


def test_ablation_bars_means_error_bars_seed_dots_and_the_baseline_band():
    fig = plot.ablation_bars(ROWS, RECORDS, baseline="convmixer", title="A")
    ax = fig.axes[0]
    [bars] = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [round(p.get_height(), 6) for p in bars] == [90.0, 84.0, 85.0]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(d.get_ydata()) for d in dots] == [[89.0, 90.0, 91.0], [84.0, 85.0, 83.0], [85.0, 84.0, 86.0]]
    assert [t.get_text() for t in ax.texts] == ["90.00", "84.00", "85.00"]
    assert ax.get_title() == "A" and ax.get_ylabel().endswith("mean ± std")
    assert ax.get_ylim()[0] == pytest.approx(82.0)  # 8 points below the baseline's mean
    with pytest.raises(ValueError, match="baseline must be one of"):
        plot.ablation_bars(ROWS, baseline="resnet")


def test_ablation_bars_cut_a_bar_far_below_the_baseline_and_say_so():
    collapsed = [record("convmixer-seed", s, a) for s, a in enumerate((0.51, 0.53, 0.63))]
    fig = plot.ablation_bars(summarize(RECORDS + collapsed), RECORDS + collapsed, window=5.0)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == pytest.approx(85.0)
    assert ax.texts[-1].get_text() == "cut: 55.7 ± 6.4" and ax.texts[1].get_text() == "cut: 84.0 ± 1.0"


def test_seed_points_every_seed_mean_and_standard_error():
    fig = plot.seed_points(RECORDS, ["convmixer", "vit"])
    ax = fig.axes[0]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(d.get_xdata()) for d in dots] == [[89.0, 90.0, 91.0], [84.0, 85.0, 83.0]]
    sem_bar = ax.collections[1].get_segments()[0]  # mean ± sem of convmixer
    sem = statistics.stdev([89.0, 90.0, 91.0]) / math.sqrt(3)
    assert [p[0] for p in sem_bar] == pytest.approx([90.0 - sem, 90.0 + sem])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["convmixer", "vit"]
    with pytest.raises(ValueError, match="names must hold at least one configuration name"):
        plot.seed_points(RECORDS, [])


def test_a_fourth_run_falls_outside_the_range_of_three_half_the_time():
    """What notebook 06 says about min-max ranges of 3 seeds: (exchangeable runs) P = 2/4."""
    rng = random.Random(0)
    trials = 40_000
    outside = 0
    for _ in range(trials):
        runs = [rng.gauss(0, 1) for _ in range(4)]
        outside += not min(runs[:3]) <= runs[3] <= max(runs[:3])
    assert outside / trials == pytest.approx(0.5, abs=0.01)


# --- the committed results -------------------------------------------------------------------------------

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
