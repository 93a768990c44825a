"""Statistics over seeds: summarize (mean, sample std, standard error, range), difference, Student's t
quantile against closed forms, the prediction interval for one new seed, the text tables (tables.py)."""

from __future__ import annotations

import math
import statistics

import pytest

from convmixer_lab.spread import (
    difference,
    holm,
    prediction_interval,
    summarize,
    t_cdf,
    t_quantile,
    welch_df,
)
from convmixer_lab.tables import format_differences, format_summary


def record(name, seed, val, test, params=100, family="convmixer", config=None):
    return dict(name=name, family=family, config=config or {"dim": 1}, params=params, macs=10, seed=seed,
                seconds=2.0 + seed, epochs=1.5, val_accuracy=val, test_accuracy=test)


def test_summarize_mean_sample_std_sem_min_max():
    rows = summarize([record("a", 0, 0.90, 0.89), record("b", 0, 0.50, 0.40), record("a", 1, 0.92, 0.91),
                      record("a", 2, 0.94, 0.90)])
    assert [r["name"] for r in rows] == ["a", "b"]
    a, b = rows
    assert a["n"] == 3 and a["seeds"] == [0, 1, 2] and a["params"] == 100
    assert a["val_accuracy_mean"] == pytest.approx(0.92)
    assert a["val_accuracy_std"] == pytest.approx(0.02)  # sample std: sqrt((0.02^2 + 0 + 0.02^2) / 2)
    assert a["val_accuracy_std"] == pytest.approx(statistics.stdev([0.90, 0.92, 0.94]))
    assert a["val_accuracy_sem"] == pytest.approx(0.02 / math.sqrt(3))
    assert (a["val_accuracy_min"], a["val_accuracy_max"]) == (0.90, 0.94)
    assert a["test_accuracy_mean"] == pytest.approx(0.90) and a["seconds_mean"] == pytest.approx(3.0)
    assert b["n"] == 1 and b["val_accuracy_std"] is None and b["val_accuracy_sem"] is None
    assert b["val_accuracy_mean"] == 0.50


def test_summarize_groups_unnamed_records_by_family_and_config():
    rows = summarize([record(None, 0, 0.8, 0.8, config={"dim": 2}),
                      record(None, 1, 0.6, 0.6, config={"dim": 2}),
                      record(None, 0, 0.7, 0.7, config={"dim": 3})])
    assert [r["n"] for r in rows] == [2, 1]
    assert rows[0]["val_accuracy_mean"] == pytest.approx(0.7) and rows[0]["config"] == {"dim": 2}
    with pytest.raises(ValueError, match="disagree on config or params"):
        summarize([record("a", 0, 0.9, 0.9, params=100), record("a", 1, 0.9, 0.9, params=101)])


def test_format_summary_shows_test_mean_std_range_and_validation():
    rows = summarize([record("a", 0, 0.90, 0.89), record("a", 1, 0.92, 0.91), record("a", 2, 0.94, 0.90),
                      record("b", 0, 0.50, 0.40)])
    lines = format_summary(rows).splitlines()
    assert lines[0].split() == ["name", "params", "n", "test", "mean", "±", "std", "range", "val", "mean",
                                "±", "std", "epochs", "seconds"]
    assert lines[1].split() == ["a", "100", "3", "90.00", "1.00", "89.00-91.00", "92.00", "2.00", "1.5",
                                "3.0"]
    assert lines[2].split() == ["b", "100", "1", "40.00", "40.00-40.00", "50.00", "1.5", "2.0"]


def test_difference_of_two_configurations():
    rows = summarize([record("a", s, 0.9, t) for s, t in enumerate((0.914, 0.911, 0.917))]
                     + [record("b", s, 0.9, t) for s, t in enumerate((0.912, 0.909, 0.915))]
                     + [record("c", s, 0.9, t) for s, t in enumerate((0.80, 0.81))])
    d = difference(rows, "a", "b")
    sem = statistics.stdev([0.914, 0.911, 0.917]) / math.sqrt(3)  # the same spread in a and b
    assert d["difference"] == pytest.approx(0.002)
    assert d["standard_error"] == pytest.approx(math.sqrt(2) * sem)
    assert d["ratio"] == pytest.approx(0.002 / (math.sqrt(2) * sem)) and d["ranges_overlap"] is True
    far = difference(rows, "a", "c")
    assert far["ranges_overlap"] is False and far["ratio"] > 10
    assert difference(rows, "c", "a")["difference"] == pytest.approx(-far["difference"])
    with pytest.raises(ValueError, match="name must be one of 'a', 'b', 'c'"):
        difference(rows, "a", "vit")
    near = difference(rows, "b", "a")
    assert near["df"] == 4 and near["p"] == pytest.approx(0.46005, abs=1e-5)  # two-sided, t with 4 df
    lines = [f"b                  - a:  -0.20 points, standard error {100 * math.sqrt(2) * sem:.2f}, "
             f"ratio   -0.8, p {near['p']:.4f}, ranges overlap: yes",
             f"c                  - a: -10.90 points, standard error {100 * far['standard_error']:.2f}, "
             f"ratio {-far['ratio']:+6.1f}, p {far['p']:.4f}, ranges overlap: no"]
    assert format_differences(rows, ["b", "c"], "a").splitlines() == lines
    assert format_differences(rows, ["b", "c"], "a", holm=[0.92, 0.03]).splitlines() == [
        lines[0] + "; Holm p 0.9200, clear: no", lines[1] + "; Holm p 0.0300, clear: yes"]
    single = summarize([record("x", 0, 0.9, 0.9), record("a", 0, 0.9, 0.9), record("a", 1, 0.9, 0.8)])
    with pytest.raises(ValueError, match="need at least 2 seeds each"):
        difference(single, "a", "x")


@pytest.mark.parametrize("b_tests,overlap", [
    ((0.70, 0.75), True),    # b's max is a's min: ranges that touch at one value overlap
    ((0.80, 0.85), True),    # b's min is a's max
    ((0.70, 0.7499), False),  # just below a's range
    ((0.8001, 0.85), False),  # just above it
])
def test_ranges_that_touch_at_one_value_overlap(b_tests, overlap):
    rows = summarize([record("a", s, 0.9, t) for s, t in enumerate((0.75, 0.80))]
                     + [record("b", s, 0.9, t) for s, t in enumerate(b_tests)])
    assert difference(rows, "a", "b")["ranges_overlap"] is overlap
    assert difference(rows, "b", "a")["ranges_overlap"] is overlap


@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_quantile_matches_the_closed_forms_for_1_and_2_degrees_of_freedom(p):
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), abs=1e-6)  # Cauchy
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), abs=1e-6)


def test_t_quantile_tends_to_the_normal_quantile():
    assert t_quantile(0.975, 100_000) == pytest.approx(statistics.NormalDist().inv_cdf(0.975), abs=1e-4)
    assert t_quantile(0.975, 10) == pytest.approx(2.228139, abs=1e-6)  # printed t tables
    assert t_quantile(0.95, 30) == pytest.approx(1.697261, abs=1e-6)
    assert t_quantile(0.5, 3) == pytest.approx(0.0, abs=1e-9)
    assert t_quantile(0.975, 4) > t_quantile(0.975, 10) > t_quantile(0.975, 100)  # heavier tails, fewer df
    with pytest.raises(ValueError, match="df must be a positive int"):
        t_quantile(0.975, 0)
    with pytest.raises(ValueError, match="p must be >= 0.5"):
        t_quantile(0.2, 3)


def test_prediction_interval_for_one_new_seed():
    values = [0.90, 0.91, 0.93]
    low, high = prediction_interval(values)
    half = t_quantile(0.975, 2) * statistics.stdev(values) * math.sqrt(1 + 1 / 3)
    assert (low, high) == pytest.approx((statistics.fmean(values) - half, statistics.fmean(values) + half))
    assert high - low == pytest.approx(2 * 4.302653 * 0.0152753 * 1.1547005, rel=1e-5)
    narrow = prediction_interval(values, level=0.5)
    assert low < narrow[0] < narrow[1] < high
    with pytest.raises(ValueError, match="needs at least 2 values"):
        prediction_interval([0.9])


def test_welch_df_lies_between_its_bounds_and_matches_the_formula():
    assert welch_df(0.1, 3, 0.1, 3) == 4  # equal spreads: n_a + n_b - 2
    assert welch_df(1.0, 3, 0.001, 3) == 2  # one spread dominates: min(n) - 1
    va, vb = 0.31**2 / 3, 0.22**2 / 3
    exact = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 2)
    assert 3 < exact < 4 and welch_df(0.31 / 3**0.5, 3, 0.22 / 3**0.5, 3) == 3  # rounded down
    assert welch_df(0.0, 3, 0.0, 5) == 6


def test_difference_is_clear_only_beyond_t_standard_errors():
    """The criterion notebook 06 teaches: |ratio| > t_quantile(0.975, Welch df), not a flat 2."""
    def rows_for(gap):
        a = (0.900, 0.910, 0.920)
        return summarize([record("a", s, 0.9, t) for s, t in enumerate(a)]
                         + [record("b", s, 0.9, t + gap) for s, t in enumerate(a)])

    se = math.sqrt(2) * statistics.stdev([0.900, 0.910, 0.920]) / math.sqrt(3)
    t = t_quantile(0.975, 4)
    assert round(t, 2) == 2.78
    for ratio, clear in [(2.5, False), (2.7, False), (2.9, True), (-3.0, True)]:
        d = difference(rows_for(ratio * se), "b", "a")
        assert d["df"] == 4 and d["t"] == pytest.approx(t) and d["ratio"] == pytest.approx(ratio)
        assert d["clear"] is clear  # 2.5 standard errors: "about twice" would say clear, t does not
    tight = summarize([record(n, s, 0.9, 0.9) for n in "ab" for s in range(3)])
    assert difference(tight, "a", "b")["ratio"] == 0.0 and difference(tight, "a", "b")["clear"] is False


def test_t_cdf_against_closed_forms():
    """df = 1 is the Cauchy distribution, df = 2 has F(x) = 1/2 + x / (2 sqrt(2 + x^2))."""
    for x in (0.0, 0.5, 2.0, 4.3027, 30.0):
        assert t_cdf(x, 1) == pytest.approx(0.5 + math.atan(x) / math.pi, abs=1e-6)
        assert t_cdf(x, 2) == pytest.approx(0.5 + x / (2 * math.sqrt(2 + x * x)), abs=1e-6)
    with pytest.raises(ValueError, match="x must be"):
        t_cdf(-1.0, 3)


def test_the_p_value_is_below_0_05_exactly_when_the_ratio_passes_t():
    for df in (2, 3, 4):
        t = t_quantile(0.975, df)
        assert 2 * (1 - t_cdf(t, df)) == pytest.approx(0.05, abs=1e-6)
    se = statistics.stdev([0.0, 0.01, 0.02]) / math.sqrt(3) * math.sqrt(2)

    def rows_for(gap):
        return summarize([record(n, s, 0.9, v + (gap if n == "b" else 0.0))
                          for n in "ab" for s, v in enumerate((0.90, 0.91, 0.92))])

    for ratio in (2.7, 2.9, -3.5):
        d = difference(rows_for(ratio * se), "b", "a")
        assert (d["p"] < 0.05) is d["clear"] and d["p"] == pytest.approx(2 * (1 - t_cdf(abs(ratio), 4)))


def test_holm_against_a_hand_worked_example():
    """Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04, kept at the 0.06 before
    it. At 5% the two smallest survive; 0.04 and 0.03, each below 0.05 alone, do not."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == [1.0, 1.0]  # 0.5 x 2 = 1.0; 0.6 x 1 kept at the 1.0 before it
    assert holm([0.2]) == [0.2]  # one test: nothing to correct
    for bad in ([], [0.1, 1.2], [-0.01]):
        with pytest.raises(ValueError, match="p_values must be a non-empty list of numbers in 0..1"):
            holm(bad)
