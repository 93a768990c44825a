"""Exercises of notebook 06 (are patches all you need?); texts in ``texts/nb06.toml``. MACs come from
``compare.describe``, statistics from the committed results (read when an answer is checked)."""

import math
import statistics
from functools import lru_cache
from typing import Any

from convmixer_lab.compare import (
    BUDGET,
    CONFIGS,
    EPOCHS,
    FAMILIES,
    LR_CHOICE,
    RECIPE,
    RECORD_KEYS,
    TOLERANCE,
    TRAIN_IMAGES,
    describe,
    load_results,
    part,
    run_config,
)
from convmixer_lab.exercises.core import (
    NotAnswered,
    as_number,
    call_answer,
    close_to,
    define,
    not_a_number,
)
from convmixer_lab.presets import model_config
from convmixer_lab.spread import prediction_interval
from convmixer_lab.texts import Text, t
from convmixer_lab.train.cli import MODEL_KEYS, memory_limit, training_memory

# --- 06.1 why: one family, two budgets ---------------------------------------------------------------

define("06.1", kind="why", answer="d", options="abcd")


# --- 06.2 compute: the standard error of a mean ----------------------------------------------------

_SEED_CASES = [(89.5, 90.1, 90.4), (91.0, 91.0, 92.5, 90.2), (85.0, 87.0)]


def standard_error(values: list[float]) -> float:
    """Reference for 06.2: how uncertain a mean of n independent runs is, stdev / sqrt(n)."""
    return statistics.stdev(values) / math.sqrt(len(values))


_SEM_NEAR_MISSES = {"06.2.stdev": statistics.stdev,
                    "06.2.divides_by_n": lambda v: statistics.stdev(v) / len(v),
                    "06.2.population": lambda v: statistics.pstdev(v) / math.sqrt(len(v))}


def _sem_ok(func: Any) -> bool:
    """Right within 1e-4: float32 inputs (numpy or torch) lose about 1e-6 to cancellation, and a float32
    std divided by a float64 root is float64 with float32's precision; the near misses are 20% off."""
    return all(close_to(standard_error(list(case)), rel=1e-4)(call_answer(func, list(case)))
               for case in _SEED_CASES)


def _sem_feedback(func: Any) -> Text:
    case = list(_SEED_CASES[0])
    result = call_answer(func, case)  # it ran without error: is_correct called it on every case
    got = as_number(result)
    if got is None:
        return not_a_number(result)
    for text_id, wrong in _SEM_NEAR_MISSES.items():
        if math.isclose(got, wrong(case), rel_tol=1e-6):
            return t(text_id)
    return t("06.2.returned", case=case, got=got, expected=standard_error(case))


define("06.2", kind="compute", answer=standard_error, is_correct=_sem_ok, feedback=_sem_feedback)

# --- 06.3 why: a 0.2-point difference ---------------------------------------------------------------

define("06.3", kind="why", answer="c", options="abcd")


# --- 06.4 experiment: your own configuration, fairly ------------------------------------------------

VERDICTS = ("below", "inside", "above")
STEPS = -(-TRAIN_IMAGES // RECIPE["batch_size"]) * EPOCHS  # of every committed main run


@lru_cache(maxsize=1)
def committed_intervals() -> dict[str, tuple[float, float]]:
    """Per family: the 95% prediction interval for one new seed's test accuracy of the family's committed
    configuration (its main runs)."""
    main = part(load_results(), "main")
    return {f: prediction_interval([r["test_accuracy"] for r in main if r["name"] == f]) for f in FAMILIES}


def _where(record: dict[str, Any]) -> str:
    low, high = committed_intervals()[record["family"]]
    acc = record["test_accuracy"]
    return "below" if acc < low else "above" if acc > high else "inside"


def _not_comparable(family: Any, config: Any, params: int) -> str | None:
    """Why a configuration cannot be compared with the committed runs (None when it can)."""
    if any([family, config] == list(spec) for spec in CONFIGS.values()):
        return t("06.4.committed")
    if abs(params - BUDGET) > TOLERANCE * BUDGET:
        return t("06.4.off_budget", params=params, share=params / BUDGET, tolerance=TOLERANCE, budget=BUDGET)
    return None


def _too_large_to_train(family: str, config: dict[str, Any]) -> str | None:
    """The training command line's memory check (a ConvMixer estimate) at the live batch size, on CPU."""
    if family != "convmixer":
        return None
    defaults = model_config("small")
    model = {key: config.get(key, defaults[key]) for key in MODEL_KEYS}
    need, _ = training_memory(model, RECIPE["batch_size"])
    limit, _ = memory_limit("cpu")
    return t("06.4.memory", need=need / 2**30, limit=limit / 2**30) if need > limit else None


def _refusal(spec: Any) -> str | None:
    """Why ``ex.run`` will not train ``spec`` (None when it will), found before anything is built."""
    if isinstance(spec, str) and spec in CONFIGS:
        return t("06.4.committed")
    try:
        params = describe(spec)["params"]  # closed-form: impossible settings refused, nothing built
    except (TypeError, ValueError) as err:
        return str(err)
    return _not_comparable(*spec, params) or _too_large_to_train(*spec)


_RUNS: dict[tuple[str, Any, int], dict[str, Any]] = {}


def run(spec: Any, data: dict, seed: int = 0, baseline: dict | None = None) -> dict[str, Any] | None:
    """06.4's ``ex.run``: train the student's configuration like the committed runs (``EPOCHS`` epochs of
    ``data``, its family's rate; reused when repeated); print its CPU time over ``baseline``'s (live)."""
    if spec is ... or spec is None:
        print(t("06.4.not_answered", key="06.4"))
        return None
    if why := _refusal(spec):
        raise ValueError(f"my_config: {why}")
    key = (repr(spec), seed, id(data))
    if key in _RUNS:
        print(t("06.4.reused"))
    else:
        _RUNS.clear()  # keep one run: the data it refers to may be gone otherwise
        _RUNS[key] = run_config(spec, seed, None, data, epochs=EPOCHS, recipe=dict(lr=LR_CHOICE[spec[0]]))
    record = _RUNS[key]
    print(t("06.4.your_run", params=record["params"], accuracy=record["test_accuracy"],
            seconds=record["seconds"]))
    if baseline:
        print(t("06.4.time_ratio", ratio=record["seconds"] / baseline["seconds"]))
    return record


def _unfair(record: Any) -> str | None:
    """Why ``record`` is not a fair run next to the committed ones (None when it is)."""
    if not isinstance(record, dict) or not RECORD_KEYS <= set(record):
        return t("06.4.not_a_record")
    if record.get("name") in CONFIGS:
        return t("06.4.committed")
    if why := _not_comparable(record["family"], record["config"], record["params"]):
        return why
    recipe = dict(RECIPE, lr=LR_CHOICE[record["family"]])
    if (record.get("epochs"), record.get("steps"), record.get("time_budget")) != (EPOCHS, STEPS, None):
        return t("06.4.budget", epochs=EPOCHS, images=TRAIN_IMAGES)
    if record.get("recipe") != recipe or record.get("threads") != 1:
        return t("06.4.recipe")
    return None


def _record_and_verdict(answer: Any) -> tuple[Any, Any]:
    if not (isinstance(answer, dict) and set(answer) == {"record", "verdict"}):
        raise TypeError(t("06.4.answer_with"))
    return answer["record"], answer["verdict"]


def _experiment_ok(answer: Any) -> bool:
    record, verdict = _record_and_verdict(answer)
    if record is None or record is ... or verdict is ... or verdict is None:
        raise NotAnswered
    return _unfair(record) is None and verdict in VERDICTS and verdict == _where(record)


def _experiment_feedback(answer: Any) -> str:
    record, verdict = _record_and_verdict(answer)
    if why := _unfair(record):
        return why
    if verdict not in VERDICTS:
        return t("06.4.verdicts", verdict=verdict)
    low, high = committed_intervals()[record["family"]]
    return t("06.4.look_again", accuracy=record["test_accuracy"], family=record["family"], low=low, high=high)


EXAMPLE = ("vit", dict(CONFIGS["vit"][1], depth=2, dim=44))  # a configuration of one's own


def _example_answer() -> dict[str, Any]:
    """A fair record of ``EXAMPLE`` (not trained: it scores 0%, so its verdict is 'below')."""
    record = dict(part=None, name=None, family=EXAMPLE[0], config=EXAMPLE[1], **describe(EXAMPLE), seed=0,
                  lr=None, seconds=10.0, epochs=EPOCHS, steps=STEPS,
                  val_accuracy=0.0, test_accuracy=0.0, time_budget=None, threads=1,
                  recipe=dict(RECIPE, lr=LR_CHOICE[EXAMPLE[0]]))
    return dict(record=record, verdict="below")


define("06.4", kind="experiment", answer=_example_answer(), is_correct=_experiment_ok,
       feedback=_experiment_feedback, fields=dict(
           epochs=EPOCHS, images=TRAIN_IMAGES, tolerance=TOLERANCE, budget=BUDGET, example=repr(EXAMPLE),
           params=describe(EXAMPLE)["params"], dim=EXAMPLE[1]["dim"], depth=EXAMPLE[1]["depth"],
       )).run = run  # the notebook trains with ex.run(my_config, data)

# --- 06.5 why: which spread is the seeds' alone --------------------------------------------------

# The ViT's fewest and most steps in the committed CPU-time view (test_nb06_results.py checks the file).
CPU_VIEW_STEPS = dict(fewest=51, most=60)

define("06.5", kind="why", answer="a", options="abcd",
       fields=dict(**CPU_VIEW_STEPS, share=1 - CPU_VIEW_STEPS["fewest"] / CPU_VIEW_STEPS["most"]))
