"""Notebook 06: every exercise's checker accepts the right answer and refuses near misses WITH a reason;
the experiment trains exactly like the committed runs; the figures draw what they are given and refuse bad
input; the committed results hold what the notebook and the README say."""

from __future__ import annotations

import math
import random
import statistics

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from convmixer_lab import plot  # noqa: E402
from convmixer_lab.compare import (  # noqa: E402
    BUDGET,
    CONFIGS,
    FAMILIES,
    LR_CHOICE,
    RECIPE,
    REQUIRED,
    closest_width,
    describe,
    load_results,
    part,
)
from convmixer_lab.exercises import exercise, nb06  # noqa: E402
from convmixer_lab.spread import (  # noqa: E402
    difference,
    prediction_interval,
    summarize,
    t_quantile,
    welch_df,
)
from convmixer_lab.texts import set_language  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def verdict(key, answer, capsys):
    """(correct?, the line the checker printed)"""
    ok = exercise(key).check(answer)
    return ok, capsys.readouterr().out.strip()


# --- 06.1: one family, two budgets -------------------------------------------------------------------

def test_06_1_asks_about_the_two_budgets_not_the_patch_grid():
    ex = exercise("06.1")
    assert (ex.kind, ex.answer, ex.options) == ("why", "d", "abcd")
    roles = ("question", "hint", "solution", *(f"option.{o}" for o in "abcd"))
    texts = " ".join(ex.text(role) for role in roles)
    assert "p=2" not in texts and "p = 2" not in texts and "patches" not in texts  # no third "halve p"
    assert "main table's seconds column" in ex.text("solution") and "epochs column" in ex.text("solution")
    assert "two tables" in ex.text("hint") and "CPU-seconds" not in ex.text("hint")  # no column named
    assert "10 CPU-seconds" in ex.text("option.c")  # a wrong option the epochs column does not rule out


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
    (lambda v: "0.26", "expected a number, got str"),                     # a text is not a number
    (lambda v: float("nan"), "expected a number, got NaN"),
    (lambda v: np.float32(statistics.stdev(v)), "it returns the standard deviation itself"),
])
def test_06_2_refuses_near_misses_with_a_reason(func, reason, capsys):
    ok, out = verdict("06.2", func, capsys)
    assert not ok and out.startswith("Exercise 06.2: not quite - ") and reason in out


@pytest.mark.parametrize("func", [
    nb06.standard_error,
    lambda v: np.float32(statistics.stdev(v) / math.sqrt(len(v))),  # float32: right within its precision
    lambda v: torch.tensor(v, dtype=torch.float64).std() / len(v) ** 0.5,  # a 0-d tensor
    lambda v: torch.tensor(v).std() / len(v) ** 0.5,  # float32 from the start: ~1e-6 off by cancellation
    lambda v: np.float32(v).std(ddof=1) / np.sqrt(len(v)),
])
def test_06_2_right_answers_of_any_numeric_type(func, capsys):
    assert verdict("06.2", func, capsys) == (True, "Exercise 06.2: correct!")


def test_06_2_the_hint_nudges_without_giving_the_formula():
    hint = exercise("06.2").text("hint")
    assert "sqrt" not in hint and "stdev(" not in hint and "/" not in hint
    assert "n - 1" in hint and "Section 5" in hint


def test_06_2_a_blank_body_is_not_answered_yet(capsys):
    def standard_error(values):
        return ...

    ok, out = verdict("06.2", standard_error, capsys)
    assert not ok and out.startswith("Exercise 06.2: not answered yet")


# --- 06.1, 06.3 and 06.5: why ---------------------------------------------------------------------------

def test_06_3_the_numbers_in_its_solution_agree():
    ex = exercise("06.3")
    se = math.sqrt(0.3**2 / 3 + 0.3**2 / 3)
    assert f"{0.3 / math.sqrt(3):.2f}" == "0.17" and f"{se:.2f}" == "0.24" and f"{0.2 / se:.1f}" == "0.8"
    sem = 0.3 / math.sqrt(3)
    assert welch_df(sem, 3, sem, 3) == 4 and f"{t_quantile(0.975, 4):.2f}" == "2.78"  # equal spreads: df 4
    for number in ("0.17", "0.24", "ratio 0.8", "t = 2.78", "4 degrees of freedom"):
        assert number in ex.text("solution")
    # (a)'s and (d)'s reasons are false, not merely roundabout: the clear threshold is t x 0.24 = 0.68 points
    threshold = t_quantile(0.975, 4) * se
    assert f"{threshold:.2f}" == "0.68" and 0.17 < 0.2 < threshold < 1
    assert "0.68" in ex.text("wrong.a") and "0.68" in ex.text("wrong.d")
    assert "0.24" in ex.text("wrong.a") and not any("0.24" in ex.text(f"option.{o}") for o in ex.options)
    assert ex.text("option.b").startswith("A and B are equally good")
    assert "2.1 > t = 2.02" in ex.text("wrong.b") and "does not show that there is none" in ex.text("wrong.b")
    assert (ex.answer, ex.options, ex.kind) == ("c", "abcd", "why")
    # (a): "A is better" against one mean's standard error; (d): "cannot tell" for a false reason (1 point)
    assert ex.text("option.a").startswith("A is better") and "0.17" in ex.text("option.a")
    assert "cannot tell" in ex.text("option.d") and "1 point" in ex.text("option.d")
    assert "cannot tell" in ex.text("option.c") and "standard error of the difference" in ex.text("option.c")
    assert "standard error of the difference" not in ex.text("hint") and "Section 5" in ex.text("hint")


def test_06_3_option_b_claims_equality_where_the_runs_cannot_tell():
    """(b) compares the gap with s and calls A and B equal; its feedback: with 20 seeds each the same gap and
    spread are clear."""
    ex = exercise("06.3")
    assert "0.3-point spread of single runs" in ex.text("option.b") and "0.2-point gap" in ex.text("option.b")
    assert 0.2 < 0.3 and 0.2 / math.sqrt(0.3**2 / 3 + 0.3**2 / 3) < t_quantile(0.975, 2)  # still unclear at 3
    se = math.sqrt(0.3**2 / 20 + 0.3**2 / 20)
    assert welch_df(0.3 / math.sqrt(20), 20, 0.3 / math.sqrt(20), 20) == 38
    shown = (f"{0.2 / se:.1f}", f"{t_quantile(0.975, 38):.2f}")
    assert shown == ("2.1", "2.02") and 0.2 / se > t_quantile(0.975, 38)
    assert "With 20 seeds each" in ex.text("wrong.b") and "(ratio 2.1 > t = 2.02)" in ex.text("wrong.b")


HEDGES = ("probably", "likely", "may ", "might", "could", "need not", "perhaps", "though not")


@pytest.mark.parametrize("key", ["06.1", "06.3", "06.5"])
def test_choice_options_do_not_give_the_answer_away_by_their_length_or_hedging(key):
    """Similar lengths, and the right option is not the most hedged one (issue 17: a test-wise student
    could pick the most careful-sounding option)."""
    ex = exercise(key)
    lengths = [len(ex.text(f"option.{letter}")) for letter in ex.options]
    assert max(lengths) <= 1.15 * min(lengths)
    hedged = {o: sum(ex.text(f"option.{o}").lower().count(h) for h in HEDGES) for o in ex.options}
    assert hedged[ex.answer] <= max(n for o, n in hedged.items() if o != ex.answer)


def test_the_three_choice_questions_have_different_answers():
    assert [exercise(k).answer for k in ("06.1", "06.3", "06.5")] == ["d", "c", "a"]


def test_06_5_asks_which_spread_is_the_seeds_alone():
    """06.5 asks what section 4's step table implies, which no cell states: the one-epoch std is the
    seeds' alone (125 steps every run), the CPU-time view's is not (its steps differed)."""
    ex = exercise("06.5")
    assert "125 steps" in ex.text("option.a") and "125 steps" in ex.text("solution")
    assert "ViT's three runs took between 51 and 60 steps" in ex.text("solution")
    assert "(15% fewer at the fewest)" in ex.text("solution")
    assert "no consistent pattern" in ex.text("solution")
    assert "not identified" not in " ".join(ex.text(f"option.{o}") for o in ex.options)
    assert "steps" not in ex.text("hint") and "section 2" in ex.text("hint")


@pytest.mark.parametrize("key", ["06.1", "06.3", "06.5"])
def test_why_exercises_explain_every_wrong_letter(key, capsys):
    ex = exercise(key)
    assert verdict(key, f"({ex.answer.upper()})", capsys) == (True, f"Exercise {key}: correct!")
    for letter in ex.options.replace(ex.answer, ""):
        ok, out = verdict(key, letter, capsys)
        assert not ok and ex.text(f"wrong.{letter}") in out
    for odd in ("e", ["c"], {"c": 1}, 3):  # a list or a dict gets one line, not a TypeError
        assert verdict(key, odd, capsys) == (False, f"Exercise {key}: not quite - choose one of a, b, c, d. "
                                                    "Try again, or call .hint().")


# --- 06.4: the experiment ------------------------------------------------------------------------------

def fair_record(**changes):
    return {**nb06._example_answer()["record"], **changes}


def answer(record, verdict):
    return dict(record=record, verdict=verdict)


def test_06_4_compares_with_the_prediction_interval_of_the_record_s_own_family(capsys):
    reference = exercise("06.4").answer
    record = reference["record"]
    assert REQUIRED <= set(record) and abs(record["params"] - BUDGET) <= 0.05 * BUDGET
    assert verdict("06.4", reference, capsys) == (True, "Exercise 06.4: correct!")
    committed = {}
    for r in part(load_results(), "main"):
        if r["name"] in FAMILIES:
            committed.setdefault(r["family"], []).append(r["test_accuracy"])
    assert sorted(committed) == sorted(FAMILIES) and all(len(v) == 3 for v in committed.values())
    assert nb06.committed_intervals() == {f: prediction_interval(v) for f, v in committed.items()}
    low, high = nb06.committed_intervals()["vit"]
    assert verdict("06.4", answer(fair_record(test_accuracy=(low + high) / 2), "inside"), capsys)[0]
    assert verdict("06.4", answer(fair_record(test_accuracy=min(1.0, high + 0.01)), "above"), capsys)[0]
    # the same accuracy is judged against the record's OWN family: inside ViT's interval, below ConvMixer's
    c_low, _ = nb06.committed_intervals()["convmixer"]
    probe = (low + high) / 2
    assert low < probe < high and probe < c_low
    mine = ("convmixer", dict(CONFIGS["convmixer"][1], depth=6, dim=closest_width(
        "convmixer", dict(CONFIGS["convmixer"][1], depth=6))))
    as_convmixer = fair_record(family="convmixer", config=mine[1], **describe(mine),
                               test_accuracy=probe, recipe=dict(RECIPE, lr=LR_CHOICE["convmixer"]))
    assert verdict("06.4", answer(as_convmixer, "below"), capsys)[0]
    at_vit_rate = dict(as_convmixer, recipe=dict(RECIPE, lr=LR_CHOICE["vit"]))  # each family at its own rate
    assert LR_CHOICE["vit"] != LR_CHOICE["convmixer"]
    assert not verdict("06.4", answer(at_vit_rate, "below"), capsys)[0]
    assert verdict("06.4", answer(fair_record(test_accuracy=probe), "inside"), capsys)[0]


def test_06_4_the_solution_s_width_is_what_closest_width_gives():
    family, config = nb06.EXAMPLE
    assert config["dim"] == closest_width(family, {**config, "dim": 4}) == 44
    solution = exercise("06.4").text("solution")
    assert "dim=44" in solution and "read off" not in solution


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
    (answer(fair_record(time_budget=60.0), "below"),
     "did not train for the committed budget, 1 epoch of the first 16,000 training images"),
    (answer(fair_record(epochs=0.5), "below"), "did not train for the committed budget"),
    (answer(fair_record(steps=430), "below"), "did not train for the committed budget"),  # all 55,000 images
    (answer(fair_record(recipe=dict(RECIPE, lr=0.02)), "below"), "did not use its family's learning rate"),
    (answer(fair_record(threads=2), "below"), "did not use its family's learning rate, the recipe and one"),
    (answer(fair_record(), "inside"),
     "your run scored 0.00%, and a new seed of the committed vit configuration is expected in"),
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


def test_06_4_run_trains_like_the_committed_runs_once_per_configuration(monkeypatch, capsys):
    calls = []
    fake = dict(params=51_050, test_accuracy=0.7, seconds=12.54)
    monkeypatch.setattr(nb06, "run_config", lambda *args, **kw: calls.append((args, kw)) or fake)
    monkeypatch.setattr(nb06, "_RUNS", {})
    ex = exercise("06.4")
    assert ex.run(..., data={}) is None and "not answered yet" in capsys.readouterr().out
    spec, data = ("vit", vit_with(depth=2, dim=44)), {"d": 1}
    assert ex.run(spec, data) is fake
    assert calls == [((spec, 0, None, data), dict(epochs=1, recipe=dict(lr=LR_CHOICE["vit"])))]
    assert capsys.readouterr().out == ("your configuration: 51,050 parameters, test accuracy 70.00%, 12.5 "
                                       "CPU-seconds of training and validation\n")
    assert ex.run(spec, data, baseline=dict(seconds=10.0)) is fake and len(calls) == 1  # reused
    out = capsys.readouterr().out  # reused, and set against the session's baseline run
    assert out.startswith("(the same configuration as before: its run is reused)")
    assert out.endswith("\nCPU-seconds of your run / today's baseline run: 1.25\n")
    ex.run(spec, data, seed=1)
    ex.run(("vit", vit_with(depth=2, dim=44, heads=2)), data)
    assert [c[0][1] for c in calls] == [0, 1, 0] and len(calls) == 3  # another seed or config: a new run
    ex.run(("mlpmixer", dict(CONFIGS["mlpmixer"][1], depth=3, dim=42)), data)  # every family has runs
    assert calls[-1][1]["recipe"] == dict(lr=LR_CHOICE["mlpmixer"])
    with pytest.raises(ValueError, match="my_config: family must be one of"):
        ex.run(("densenet", {}), data)
    assert len(calls) == 4  # refused before any training


def test_06_4_accepts_the_record_that_ex_run_returns(monkeypatch, capsys):
    """A real record of run_config (no "part": only the results file adds one) is a record; trained on 256
    images it is refused for its budget, and with the committed step count it passes."""
    monkeypatch.setattr(nb06, "_RUNS", {})
    gen = torch.Generator().manual_seed(0)
    data = {k: (torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 10, (n,), generator=gen))
            for k, n in (("train", 256), ("val", 64), ("test", 64))}
    record = exercise("06.4").run(nb06.EXAMPLE, data)
    assert capsys.readouterr().out.startswith("your configuration: 51,050 parameters, test accuracy ")
    assert "part" not in record and record["steps"] == 2
    low, high = nb06.committed_intervals()["vit"]
    where = "below" if record["test_accuracy"] < low else "inside"
    assert verdict("06.4", answer(record, where), capsys) == (False, (
        "Exercise 06.4: not quite - it did not train for the committed budget, 1 epoch of the first 16,000 "
        "training images (use ex.run). Try again, or call .hint()."))
    assert verdict("06.4", answer(dict(record, steps=nb06.STEPS), where), capsys) == (
        True, "Exercise 06.4: correct!")


def test_06_4_chinese_lines_keep_each_number_in_its_place(monkeypatch, capsys):
    """Two Chinese templates put their fields in another order than the English: each number still
    lands where it belongs."""
    fake = dict(params=51_050, test_accuracy=0.7, seconds=12.54)
    monkeypatch.setattr(nb06, "run_config", lambda *args, **kw: fake)
    monkeypatch.setattr(nb06, "_RUNS", {})
    off_budget = fair_record(config=vit_with(depth=2, dim=48), **describe(("vit", vit_with(depth=2, dim=48))))
    set_language("zh")
    try:
        exercise("06.4").run(("vit", vit_with(depth=2, dim=44)), {}, baseline=dict(seconds=10.0))
        assert capsys.readouterr().out == (
            "你的配置：51,050 个参数，测试准确率 70.00%，训练和验证用了 12.5 CPU 秒\n"
            "你这次运行的 CPU 秒 / 今天基线运行的 CPU 秒：1.25\n")
        assert verdict("06.4", answer(off_budget, "below"), capsys) == (False, (
            "练习 06.4：还不对——60,298 个参数是预算的 121%；公平的比较要求与 50,000 相差不超过 5%"
            "（compare.closest_width 能找到合适的宽度）。再试一次，或者调用 .hint() 看提示。"))
    finally:
        set_language("en")


def convmixer_with(**changes):
    return dict(CONFIGS["convmixer"][1], **changes)


@pytest.mark.parametrize("spec,line", [
    (("convmixer", convmixer_with(dim=8000, depth=20)),  # 1.28 billion parameters: refused, never built
     "my_config: 1,282,632,010 parameters is 2565264% of the budget; a fair comparison stays within 5% of "
     "50,000 (compare.closest_width finds a width)"),
    (("vit", vit_with(heads=0)), "my_config: heads must be a positive int (>= 1), got 0"),
    (("convmixer", convmixer_with(kernel_size=0)), "my_config: kernel_size must be a positive int (>= 1)"),
    (("convmixer", convmixer_with(depth=-1)), "my_config: depth must be a positive int (>= 1), got -1"),
    (("convmixer", convmixer_with(dim=100.5)), "my_config: dim must be a positive int (>= 1), got float"),
    (("vit", vit_with(dim=37)), "my_config: heads=4 must divide dim=37"),
    (("convmixer", convmixer_with(width=3)), "unexpected keyword argument 'width'"),
    (("vit",), "my_config: spec must be a name in CONFIGS or a (family, config dict) pair"),
    ("vit", "my_config: that is one of the committed configurations; change something"),
    (("vit", CONFIGS["vit"][1]), "my_config: that is one of the committed configurations"),
    (("resnet", dict(CONFIGS["resnet"][1], width=40)), "my_config: 480,450 parameters is 961% of the budget"),
    ((["vit"], {}), "my_config: family must be one of 'convmixer', 'vit', 'mlpmixer', 'resnet', got ['vit']"),
])
def test_06_4_run_refuses_impossible_or_unfair_settings_in_one_line_before_building(spec, line, monkeypatch):
    monkeypatch.setattr(nb06, "run_config", lambda *args, **kw: pytest.fail("run_config was called"))
    monkeypatch.setattr(nb06, "_RUNS", {})
    with pytest.raises(ValueError) as refused:
        exercise("06.4").run(spec, {"train": None, "val": None, "test": None})
    assert line in str(refused.value) and "\n" not in str(refused.value)


def test_06_4_run_uses_the_command_line_s_memory_check(monkeypatch, capsys):
    """A ConvMixer within the budget whose activations need more memory than the training command
    line allows on this machine is refused before anything is built; with more memory, it trains."""
    config = convmixer_with(patch_size=1, dim=closest_width("convmixer", convmixer_with(patch_size=1)))
    need, _ = nb06.training_memory({k: config[k] for k in nb06.MODEL_KEYS}, RECIPE["batch_size"])
    assert 2**30 < need < 8 * 2**30
    assert abs(describe(("convmixer", config))["params"] - BUDGET) < 0.05 * BUDGET
    calls = []
    monkeypatch.setattr(nb06, "run_config", lambda *args, **kw: calls.append(args) or dict(
        params=1, test_accuracy=0.5, seconds=1.0))
    monkeypatch.setattr(nb06, "_RUNS", {})
    monkeypatch.setattr(nb06, "memory_limit", lambda device: (2**30, "1 GiB"))
    refusal = (rf"^my_config: training it would need about {need / 2**30:.1f} GiB at the committed runs' "
               r"batch size, more than the 1\.0 GiB the training command line allows on this machine")
    with pytest.raises(ValueError, match=refusal):
        exercise("06.4").run(("convmixer", config), {})
    assert calls == []
    monkeypatch.setattr(nb06, "memory_limit", lambda device: (need, "just enough"))
    exercise("06.4").run(("convmixer", config), {})
    assert len(calls) == 1 and calls[0][0] == ("convmixer", config)
    set_language("zh")
    try:
        monkeypatch.setattr(nb06, "memory_limit", lambda device: (2**30, "1 GiB"))
        with pytest.raises(ValueError, match=f"^my_config: 训练它大约需要 {need / 2**30:.1f} GiB 内存"):
            exercise("06.4").run(("convmixer", config), {})
    finally:
        set_language("en")


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
    extra = {"convmixer, today": RECORDS[0], "yours": dict(RECORDS[3], name=None), "not run": None}
    fig = plot.accuracy_size_points(ROWS, extra=extra, budget=(47_500, 52_500), title="T")
    left, right = fig.axes
    assert fig._suptitle.get_text() == "T" and right.get_xscale() == "linear"
    assert left.get_xlabel() == "parameters" and "± std" in left.get_ylabel()
    assert right.get_xlabel() == "MACs per 28x28 image"
    stars = [line for line in left.lines if line.get_marker() == "*"]
    assert [list(s.get_ydata()) for s in stars] == [[89.0], [84.0]]  # the two records; None skipped
    assert stars[0].get_color() == left.containers[0].lines[0].get_color()  # today's convmixer: its colour
    assert stars[1].get_color() == "black"                                   # one's own: black
    means = sorted(round(float(c.lines[0].get_ydata()[0]), 6) for c in left.containers)
    assert means == [84.0, 85.0, 90.0]
    assert len(left.texts) == 0 and [t.get_text() for t in left.get_legend().get_texts()] == [
        "convmixer", "vit", "convmixer-p2", "convmixer, today", "yours", "parameter budget"]
    low, high = left.get_xlim()  # the band's edges show: room on both sides
    assert low < 47_500 and high > 52_500 and (52_500 - 47_500) / (high - low) < 0.7
    fig.canvas.draw()
    for ax in (left, right):
        shown = [t for t in ax.get_xticklabels() if t.get_text() and low <= t.get_position()[0] <= high
                 or ax is right and t.get_text()]
        assert 2 <= len(shown) <= 6
        boxes = [t.get_window_extent() for t in shown]
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))  # tick labels do not touch
    assert all(t.get_text().endswith("M") for t in right.get_xticklabels() if t.get_text())
    with pytest.raises(ValueError, match="rows must hold at least one row"):
        plot.accuracy_size_points([])
    with pytest.raises(ValueError, match="metric must be one of"):
        plot.accuracy_size_points(ROWS, metric="loss")


def test_accuracy_time_curves_one_line_per_run_and_one_point_per_run():
    fig = plot.accuracy_time_curves(RECORDS, names=["convmixer", "vit"])
    left, right = fig.axes
    assert len(left.lines) == 6 and list(left.lines[0].get_xdata()) == [30.0, 58.0]
    assert list(left.lines[0].get_ydata()) == pytest.approx([84.0, 89.0])
    assert len(right.lines) == 6
    assert right.get_xlabel() == "epochs trained within the budget (0.5: half an epoch)"
    assert left.get_xlabel() == "CPU-seconds (training and validation)" and fig._suptitle.get_text()
    assert left.get_title() == "validation accuracy at the end of each epoch or run"
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["convmixer", "vit"]
    with pytest.raises(ValueError, match="records of 'resnet' must hold at least one run"):
        plot.accuracy_time_curves(RECORDS, names=["resnet"])


def test_ablation_bars_draw_differences_from_zero_with_the_test_s_interval():
    fig = plot.ablation_bars(ROWS, RECORDS, baseline="convmixer", title="A", window=10.0)
    ax = fig.axes[0]
    [bars] = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [p.get_y() for p in bars] == [0.0, 0.0]  # every bar starts at zero, the baseline
    assert [round(p.get_height(), 6) for p in bars] == [-6.0, -5.0]  # vit, convmixer-p2 minus convmixer
    assert [t.get_text() for t in ax.get_xticklabels()] == ["vit", "convmixer-p2"]
    tests = [difference(ROWS, n, "convmixer") for n in ("vit", "convmixer-p2")]
    [segments] = bars.errorbar.lines[2]
    halves = [(seg[1][1] - seg[0][1]) / 2 for seg in segments.get_segments()]
    assert halves == pytest.approx([100 * d["t"] * d["standard_error"] for d in tests])
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [[round(v, 6) for v in d.get_ydata()] for d in dots] == [[-6.0, -5.0, -7.0], [-5.0, -6.0, -4.0]]
    assert ax.get_title() == "A" and ax.get_ylabel() == "test accuracy: difference from convmixer (points)"
    assert len(ax.texts) == 0  # nothing cut at the default window
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["clear: the interval misses zero", "not clear: the interval crosses zero", "one seed"]
    assert [d["clear"] for d in tests] == [True, True]
    holm_fig = plot.ablation_bars(ROWS, RECORDS, clear={"convmixer-p2"})  # only p2 survives a correction
    holm_ax = holm_fig.axes[0]
    [holm_bars] = [c for c in holm_ax.containers if isinstance(c, BarContainer)]
    assert [p.get_facecolor() == bars[0].get_facecolor() for p in holm_bars] == [False, True]
    assert [t.get_text() for t in holm_ax.get_legend().get_texts()][:2] == [
        "clear: after Holm's correction", "not clear: after Holm's correction"]
    with pytest.raises(ValueError, match="baseline must be one of"):
        plot.ablation_bars(ROWS, baseline="resnet")
    with pytest.raises(ValueError, match="window must be"):
        plot.ablation_bars(ROWS, window=0)


def test_ablation_bars_cut_a_bar_far_below_zero_and_say_so():
    collapsed = [record("convmixer-tutorial", s, a) for s, a in enumerate((0.51, 0.53, 0.63))]
    rows = summarize(RECORDS + collapsed)
    fig = plot.ablation_bars(rows, RECORDS + collapsed, window=5.0)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == pytest.approx(-5.0)
    tests = [difference(rows, n, "convmixer") for n in ("vit", "convmixer-p2", "convmixer-tutorial")]
    assert [t.get_text() for t in ax.texts] == [  # every bar whose interval leaves the axis is labelled
        f"cut: {100 * d['difference']:.1f} ± {100 * d['t'] * d['standard_error']:.1f}" for d in tests]
    assert ax.texts[-1].get_text() == "cut: -34.3 ± 16.2" and ax.texts[-1].get_fontsize() >= 8


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
