"""Exercises of notebook 06 (are patches all you need?). Expected answers come from the package:
MACs from ``compare.describe``, statistics from the committed results (``compare.load_results``,
read when an answer is checked, so the exercises follow the file if it is re-made)."""

from __future__ import annotations

import math
import statistics
from functools import lru_cache
from typing import Any

from convmixer_lab.compare import (
    BUDGET,
    CONFIGS,
    LIVE_BUDGET,
    LIVE_RESULTS,
    RECIPE,
    REQUIRED,
    TOLERANCE,
    describe,
    load_results,
    run_config,
)
from convmixer_lab.exercises.core import (
    Exercise,
    NotAnswered,
    call_answer,
    choice_exercise,
    function_exercise,
    prediction_exercise,
    register,
)
from convmixer_lab.i18n import tr
from convmixer_lab.spread import prediction_interval

MAC_RATIO = describe("convmixer-p2")["macs"] / describe("convmixer")["macs"]
_P2, _P4 = CONFIGS["convmixer-p2"][1], CONFIGS["convmixer"][1]


def _is_number(answer: Any) -> bool:
    return isinstance(answer, (int, float)) and not isinstance(answer, bool)


# --- 06.1 predict: same parameters, how much more compute? ------------------------------------------

def _mac_ratio_ok(answer: Any) -> bool:
    return _is_number(answer) and abs(answer / MAC_RATIO - 1) <= 0.15


def _mac_ratio_feedback(answer: Any) -> str:
    if not _is_number(answer):
        return tr("expected a number (how many times more MACs), got {type}", type=type(answer).__name__)
    if abs(answer - 1) < 0.2:
        return ("the parameters are nearly the same, but the compute is not: every mixer layer runs once "
                "per patch, and p=2 makes many more patches")
    if abs(answer - 2) < 0.3:
        return "halving p doubles the patches along each side of the grid: count both sides"
    return "too large" if answer > MAC_RATIO else "too small"


prediction_exercise(
    "06.1",
    text=f"ConvMixer-{_P4['dim']}/{_P4['depth']} with p={_P4['patch_size']} and ConvMixer-{_P2['dim']}/"
         f"{_P2['depth']} with p={_P2['patch_size']} (both k={_P4['kernel_size']}) have almost the same "
         "number of parameters. Predict: how many times more multiply-accumulates (MACs) does the "
         f"p={_P2['patch_size']} model need for one 28x28 image? (within 15%)",
    expected=MAC_RATIO,
    is_correct=_mac_ratio_ok,
    feedback=_mac_ratio_feedback,
    hint="A mixer layer costs (k*k + h) * h MACs per patch. How many patches does each grid have?",
    solution=f"About {MAC_RATIO:.1f}x: p=2 gives a 14x14 grid (196 patches), p=4 a 7x7 grid (49), "
             "4x as many; the widths differ a little, and the stem costs the same in both.",
)


# --- 06.2 compute: the standard error of a mean ----------------------------------------------------

_SEED_CASES = [(89.5, 90.1, 90.4), (91.0, 91.0, 92.5, 90.2), (85.0, 87.0)]


def standard_error(values: list[float]) -> float:
    """Reference for 06.2: the sample standard deviation over sqrt(n), how uncertain a mean of
    n independent runs is."""
    return statistics.stdev(values) / math.sqrt(len(values))


_SEM_NEAR_MISSES = {
    "it returns the standard deviation itself; divide it by sqrt(n)": statistics.stdev,
    "it divides by n; the standard error divides by sqrt(n)": lambda v: statistics.stdev(v) / len(v),
    "use the SAMPLE standard deviation (n - 1 in its denominator, statistics.stdev)":
        lambda v: statistics.pstdev(v) / math.sqrt(len(v)),
}


def _sem_ok(func: Any) -> bool:
    return all(math.isclose(float(call_answer(func, list(case))), standard_error(list(case)), rel_tol=1e-6)
               for case in _SEED_CASES)


def _sem_feedback(func: Any) -> str:
    case = list(_SEED_CASES[0])
    got = float(call_answer(func, case))  # it ran without error: is_correct called it on every case
    for why, wrong in _SEM_NEAR_MISSES.items():
        if math.isclose(got, wrong(case), rel_tol=1e-6):
            return why
    return tr("standard_error({case}) returned {got:.4g}, expected {expected:.4g}", case=case, got=got,
              expected=standard_error(case))


function_exercise(
    "06.2",
    text="Write standard_error(values): values is a list of accuracies of one configuration, one per "
         "seed; return how uncertain their MEAN is, the standard error of the mean.",
    is_correct=_sem_ok, reference=standard_error, feedback=_sem_feedback,
    hint="Two steps. First: how far do single runs scatter around their mean (which function of the "
         "statistics module divides by n - 1)? Then: does a mean of n runs scatter more or less than one "
         "run, and by what factor? Section 5 says.",
    solution="return statistics.stdev(values) / math.sqrt(len(values))",
)


# --- 06.3 why: a 0.2-point difference ---------------------------------------------------------------

choice_exercise(
    "06.3",
    text="Suppose configuration A reaches 91.4% mean test accuracy and B 91.2%, over 3 seeds each, and "
         "each configuration's seeds scatter with a sample standard deviation of about 0.3 points. "
         "What may you conclude?",
    options={"a": "A is better than B, because its mean over the seeds is higher.",
             "b": "A and B are equally good, because the gap is too small to matter.",
             "c": "Nothing yet: seed noise alone could easily make a gap this size.",
             "d": "B is better, because a lower mean with the same spread is steadier."},
    answer="c",
    why_not={"a": "a higher mean from 3 noisy runs can come from lucky seeds; the standard error of the "
                  "difference, sqrt(0.3^2/3 + 0.3^2/3) = 0.24 points, is larger than the 0.2-point gap",
             "b": "not finding a difference is not showing there is none; with more seeds a real "
                  "0.2-point difference could still appear",
             "d": "the spreads are the same, so neither is more stable, and a lower mean is not a merit"},
    solution="(c). The means' standard errors are 0.3/sqrt(3) = 0.17 points each; the difference's is "
             "sqrt(0.17^2 + 0.17^2) = 0.24 points, larger than the 0.2-point gap (ratio 0.8, where 3 seeds "
             "each need a ratio above t, 2.78 to 4.30). Say 'no evidence either way'.",
    hint="Compare the gap with the standard error of the difference of two means, and that ratio with t.",
)


# --- 06.4 experiment: your own configuration, fairly ------------------------------------------------

VERDICTS = ("below", "inside", "above")


@lru_cache(maxsize=1)
def live_intervals() -> dict[str, tuple[float, float]]:
    """Per family with committed runs at the live budget (``LIVE_RESULTS``: one configuration per
    family): the 95% prediction interval for the test accuracy of one new seed of that configuration
    (``spread.prediction_interval`` over its committed seeds)."""
    accuracies: dict[str, list[float]] = {}
    for r in load_results(LIVE_RESULTS)["records"]:
        accuracies.setdefault(r["family"], []).append(r["test_accuracy"])
    return {family: prediction_interval(values) for family, values in accuracies.items()}


def _where(record: dict[str, Any]) -> str:
    low, high = live_intervals()[record["family"]]
    acc = record["test_accuracy"]
    return "below" if acc < low else "above" if acc > high else "inside"


def _family_refused(family: Any) -> str | None:
    """Why a configuration of ``family`` cannot be compared here (None when it can)."""
    if family in live_intervals():
        return None
    return tr("only the {families} families have committed runs at {budget:g} CPU-seconds to compare with; "
              "choose one of them", families=tr(" and ").join(live_intervals()), budget=LIVE_BUDGET)


def _unfair(record: Any) -> str | None:
    """Why ``record`` is not a fair run next to the live pair (None when it is)."""
    if not isinstance(record, dict) or not REQUIRED <= set(record):
        return "expected the record that ex.run(my_config, data) returned"
    if record.get("name") in CONFIGS or any([record["family"], record["config"]] == list(spec)
                                            for spec in CONFIGS.values()):
        return "that is one of the committed configurations; change something and make it your own"
    if _family_refused(record["family"]):
        return _family_refused(record["family"])
    if abs(record["params"] - BUDGET) > TOLERANCE * BUDGET:
        return tr("{params:,} parameters is {share:.0%} of the budget; a fair comparison stays within "
                  "{tolerance:.0%} of {budget:,} (compare.closest_width finds a width)",
                  params=record["params"], share=record["params"] / BUDGET, tolerance=TOLERANCE,
                  budget=BUDGET)
    if record.get("time_budget") != LIVE_BUDGET:
        return tr("it did not train for the same budget, {budget:g} CPU-seconds, as the live pair",
                  budget=LIVE_BUDGET)
    if record.get("recipe") != RECIPE or record.get("clock") != "cpu" or record.get("threads") != 1:
        return "it did not use the same recipe, clock and one thread as the others (use ex.run)"
    return None


def _record_and_verdict(answer: Any) -> tuple[Any, Any]:
    if not (isinstance(answer, dict) and set(answer) == {"record", "verdict"}):
        raise TypeError(tr("answer with dict(record=my_record, verdict=my_verdict)"))
    return answer["record"], answer["verdict"]


def _experiment_ok(answer: Any) -> bool:
    record, verdict = _record_and_verdict(answer)
    if record is None or record is ... or verdict is ... or verdict is None:
        raise NotAnswered
    return _unfair(record) is None and verdict in VERDICTS and verdict == _where(record)


def _experiment_feedback(answer: Any) -> str:
    record, verdict = _record_and_verdict(answer)
    why = _unfair(record)
    if why:
        return why
    if verdict not in VERDICTS:
        return tr("my_verdict must be 'below', 'inside' or 'above', got {verdict!r}", verdict=verdict)
    low, high = live_intervals()[record["family"]]
    return tr("your run scored {accuracy:.2%}, and a new seed of the committed {family} configuration is "
              "expected in {low:.2%}-{high:.2%}: look again", accuracy=record["test_accuracy"],
              family=record["family"], low=low, high=high)


class ConfigExperiment(Exercise):
    """06.4: ``run(spec, data)`` trains the student's configuration exactly like the live pair, and
    prints what it reached. The same configuration, seed and data again reuse that run (the cell is
    run a second time to answer, and should not train again)."""

    def run(self, spec: Any, data: dict, seed: int = 0) -> dict[str, Any] | None:
        if spec is ... or spec is None:
            print(tr("Exercise {key}: not answered yet - write your configuration in place of the ...",
                     key=self.key))
            return None
        if isinstance(spec, tuple) and spec and _family_refused(spec[0]):
            raise ValueError(f"my_config: {_family_refused(spec[0])}")
        key = (repr(spec), seed, id(data))
        runs = self.__dict__.setdefault("_runs", {})
        if key in runs:
            print(tr("(the same configuration as before: its run is reused)"))
        else:
            runs.clear()  # keep one run: the data it refers to may be gone otherwise
            runs[key] = run_config(spec, seed, LIVE_BUDGET, data)
        record = runs[key]
        print(tr("your configuration: {params:,} parameters, test accuracy {accuracy:.2%} after "
                 "{epochs:.2f} epochs", params=record["params"], accuracy=record["test_accuracy"],
                 epochs=record["epochs"]))
        return record


EXAMPLE = ("vit", dict(CONFIGS["vit"][1], depth=2, dim=44))  # a configuration of one's own


def _example_answer() -> dict[str, Any]:
    """A fair record of ``EXAMPLE`` (not trained: it scores 0%, so its verdict is 'below')."""
    record = dict(name=None, family=EXAMPLE[0], config=EXAMPLE[1], **describe(EXAMPLE), seed=0,
                  seconds=LIVE_BUDGET, epochs=0.5, val_accuracy=0.0, test_accuracy=0.0,
                  time_budget=LIVE_BUDGET, recipe=dict(RECIPE), clock="cpu", threads=1)
    return dict(record=record, verdict="below")


register(ConfigExperiment(
    key="06.4",
    text=f"Design a configuration of your own in the ConvMixer or ViT family (the two with committed runs "
         f"at {LIVE_BUDGET:g} CPU-seconds), within {TOLERANCE:.0%} of the {BUDGET:,}-parameter budget, "
         "not one of CONFIGS. Train it with ex.run (the live pair's budget and recipe) and say where its "
         "test accuracy landed against the 95% prediction interval printed above for its family's "
         "committed configuration: 'below', 'inside' or 'above'. Answer with "
         "dict(record=my_record, verdict=my_verdict).",
    is_correct=_experiment_ok, feedback=_experiment_feedback,
    hint_text="Change one thing of CONFIGS['convmixer'][1] or CONFIGS['vit'][1] (depth, kernel size, "
              "heads ...), then let compare.closest_width(family, config) choose the width; "
              "compare.describe((family, config)) counts the parameters before you train.",
    solution_text=f"For example {EXAMPLE!r} ({describe(EXAMPLE)['params']:,} parameters; dim=44 is what "
                  "compare.closest_width gives for a 2-layer ViT). Compare your run's test accuracy with "
                  "the prediction interval of its family: 'inside' means one run cannot tell your change "
                  "from a new seed of the committed configuration; 'below' or 'above' means it moved the "
                  "accuracy by more than seed noise would in 19 runs of 20, if runs scatter normally.",
    answer=_example_answer(), kind="experiment"))


# --- 06.5 why: CPU-seconds on a busy machine ---------------------------------------------------------

choice_exercise(
    "06.5",
    text="Other programs kept the shared machine busy while the committed runs trained (section 4 "
         "printed its load averages). Each run's time budget counted the CPU-seconds of its own process. "
         "What did that load do to a run?",
    options={"a": "It trained fewer steps: its budget ran out while others held the core.",
             "b": "Nothing at all: a CPU-second budget makes runs identical under any load.",
             "c": "It trained more steps: a CPU-second lasts longer on a busy machine.",
             "d": "It took longer by the wall clock, yet still got its full CPU-time budget."},
    answer="d",
    why_not={"a": "that is what a wall-clock budget would do; time.process_time does not count the time "
                  "another program holds the core, so the budget waits with the run",
             "b": "not quite nothing: sharing a core also slows each step a little (caches, memory), and "
                  "CPU-seconds do count that, so one configuration completed different numbers of epochs "
                  "on different seeds",
             "c": "a CPU-second is one second of the run's own computation, busy machine or not; what grows "
                  "is the wall-clock time around it"},
    solution="(d): the budget waits while other programs hold the core, so a run lasts longer by the wall "
             "clock but gets the same CPU time; only the slowdown of sharing (caches, memory) still "
             "changes its number of steps a little.",
)
