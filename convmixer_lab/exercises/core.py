"""The exercise machinery: ``Exercise``, the answer checkers, and the registry behind ``exercise(key)``.

Each notebook's exercises live in their own module (``nb01`` ... ``nb05``), which registers them
here when the package is imported. Every exercise has a ``kind`` (``KINDS``):

    "compute"     work out a number, a shape or a function (``Exercise``)
    "predict"     write a prediction, then a cell measures it (``PredictionExercise``:
                  ``ex.predict(value)`` before the measuring cell, ``ex.reveal(measured)`` after)
    "experiment"  change one thing, run it, and interpret what changed (any exercise class; the
                  notebook cell holds the experiment, the check asks about its result)
    "why"         a conceptual question answered by a letter (``ChoiceExercise``), each wrong
                  option explained
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convmixer_lab.i18n import tr

SOLUTION_MARKER = "# SOLUTION"
KINDS = ("compute", "predict", "experiment", "why")


class NotAnswered(Exception):
    """Raised by a checker when the answer is still a placeholder (e.g. a function that
    returns ``...`` or ``None``)."""


@dataclass
class Exercise:
    """One exercise: ``is_correct(answer) -> bool`` decides; texts explain."""

    key: str
    text: str
    is_correct: Callable[[Any], bool]
    hint_text: str
    solution_text: str
    feedback: Callable[[Any], str | None] = field(default=lambda answer: None)
    answer: Any = None  # a reference answer ``check`` accepts (a value or a function); tests use it
    kind: str = "compute"  # one of KINDS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")

    def question(self) -> None:
        print(tr("Exercise {key}: {text}", key=self.key, text=tr(self.text)))

    def verdict(self, answer: Any) -> tuple[bool | None, str]:
        """(None, "") for a placeholder (``...``, ``None``, or a function that returns one);
        otherwise (whether ``answer`` is correct, what is wrong with it: "" when nothing is said)."""
        if answer is ... or answer is None:
            return None, ""
        try:
            ok = bool(self.is_correct(answer))
        except NotAnswered:
            return None, ""
        except Exception as err:  # a wrong type or a broken function is feedback, not a crash
            return False, tr("checking your answer raised {error}: {message}", error=type(err).__name__,
                             message=err)
        reason = "" if ok else self.feedback(answer)
        return ok, tr(reason).rstrip(" .。") if reason else ""

    def check(self, answer: Any) -> bool:
        """Print a verdict for ``answer`` and return whether it is correct.

        A placeholder is "not answered yet", never an error, so a student copy runs top to bottom.
        """
        ok, extra = self.verdict(answer)
        if ok is None:
            print(tr("Exercise {key}: not answered yet - replace the ... with your answer.", key=self.key))
        elif ok:
            print(tr("Exercise {key}: correct!", key=self.key))
        elif extra:
            print(tr("Exercise {key}: not quite - {reason}. Try again, or call .hint().", key=self.key,
                     reason=extra))
        else:
            print(tr("Exercise {key}: not quite. Try again, or call .hint().", key=self.key))
        return bool(ok)

    def hint(self) -> None:
        print(tr("Hint for {key}: {text}", key=self.key, text=tr(self.hint_text)))

    def solution(self) -> None:
        print(tr("Solution for {key}: {text}", key=self.key, text=tr(self.solution_text)))


@dataclass
class ChoiceExercise(Exercise):
    """A "why" question answered by one letter. ``options`` maps letters to statements;
    ``why_not`` explains, for every wrong letter, what is wrong with it (printed as feedback)."""

    options: dict[str, str] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        wrong = set(self.options) - {self.answer}
        if self.answer not in self.options or set(self.why_not) != wrong:
            raise ValueError(f"exercise {self.key}: answer must be one of the options, and why_not must "
                             f"explain exactly the wrong ones {sorted(wrong)}")

    def question(self) -> None:
        super().question()
        for letter, statement in self.options.items():
            print(f"  ({letter}) {tr(statement)}")

    def check(self, answer: Any) -> bool:
        if isinstance(answer, str):
            answer = answer.strip().strip("()").lower()
        return super().check(answer)


@dataclass
class PredictionExercise(Exercise):
    """Predict, then run: ``predict(value)`` records the student's prediction before a cell
    measures the quantity; ``reveal(measured)`` compares the two. ``is_correct`` judges a value
    against the expected measurement (``answer``), which the package computes."""

    prediction: Any = None

    def predict(self, value: Any) -> None:
        """Record a prediction (a placeholder ``...`` is "not answered yet")."""
        if value is ... or value is None:
            self.prediction = None
            print(tr("Exercise {key}: not answered yet - write your prediction in place of the ..., "
                     "then run the cells below.", key=self.key))
            return
        self.prediction = value
        print(tr("Exercise {key}: prediction recorded ({value}). Now run the next cells and see.",
                 key=self.key, value=repr(value)))

    def reveal(self, measured: Any) -> bool:
        """Print the measurement next to the prediction, with a verdict; return whether it was right."""
        if self.prediction is None:
            print(tr("Exercise {key}: measured {measured}; you have not made a prediction yet.",
                     key=self.key, measured=repr(measured)))
            return False
        print(tr("Exercise {key}: you predicted {prediction}, the cell measured {measured}.", key=self.key,
                 prediction=repr(self.prediction), measured=repr(measured)))
        ok, extra = self.verdict(self.prediction)
        if ok:
            print(tr("Exercise {key}: your prediction was right.", key=self.key))
        elif extra:
            print(tr("Exercise {key}: not what you predicted - {reason}. ex.solution() explains why.",
                     key=self.key, reason=extra))
        else:
            print(tr("Exercise {key}: not what you predicted. ex.solution() explains why.", key=self.key))
        return bool(ok)


# --- checkers: each turns an expected value into ``is_correct(answer) -> bool`` -----------------

def _is_number(answer: Any) -> bool:
    return isinstance(answer, (int, float)) and not isinstance(answer, bool)


def call_answer(func: Any, *args: Any) -> Any:
    """Call a student's function; a placeholder result (``...`` or ``None``) means not answered."""
    if not callable(func):
        raise TypeError(f"expected a function, got {type(func).__name__}")
    result = func(*args)
    if result is ... or result is None:
        raise NotAnswered
    return result


def equals_int(expected: int) -> Callable[[Any], bool]:
    """Exact integer answers (``1_179_648``); floats that are whole numbers are accepted."""
    def ok(answer: Any) -> bool:
        return _is_number(answer) and float(answer) == float(expected)
    return ok


def close_to(expected: float, rel: float = 1e-3, abs_tol: float = 0.0) -> Callable[[Any], bool]:
    """Numeric answers within a relative tolerance."""
    def ok(answer: Any) -> bool:
        return _is_number(answer) and math.isclose(float(answer), float(expected), rel_tol=rel,
                                                   abs_tol=abs_tol)
    return ok


def equals_shape(expected: tuple[int, ...]) -> Callable[[Any], bool]:
    """Shapes given as a tuple, list or torch.Size."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (tuple, list)) and tuple(int(a) for a in answer) == tuple(expected)
    return ok


def same_function(reference: Callable[..., Any], cases: list[tuple[Any, ...]],
                  rel: float = 1e-9) -> Callable[[Any], bool]:
    """A student's function is correct when it agrees with ``reference`` on every case."""
    def ok(func: Any) -> bool:
        return all(close_to(reference(*case), rel=rel)(call_answer(func, *case)) for case in cases)
    return ok


def too_big_or_small(expected: float) -> Callable[[Any], str | None]:
    def say(answer: Any) -> str | None:
        if _is_number(answer):
            return "too large" if answer > expected else "too small"
        return tr("expected a number, got {type}", type=type(answer).__name__)
    return say


def shape_feedback(expected: tuple[int, ...], names: str) -> Callable[[Any], str | None]:
    """Feedback for a shape answer with the wrong number of entries (``names`` lists them)."""
    def say(answer: Any) -> str | None:
        if isinstance(answer, (tuple, list)) and len(answer) == len(expected):
            return None
        return tr("expected {count} numbers {names}", count=len(expected), names=tr(names))
    return say


# --- the registry ------------------------------------------------------------------------------

EXERCISES: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    if ex.key in EXERCISES:
        raise ValueError(f"exercise key {ex.key!r} is registered twice")
    EXERCISES[ex.key] = ex
    return ex


def _notebook_modules() -> list[str]:
    package = importlib.import_module("convmixer_lab.exercises")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("nb"))


def load_all() -> dict[str, Exercise]:
    """Register every notebook's exercises (each module is imported once) and return the registry."""
    for name in _notebook_modules():
        importlib.import_module(f"convmixer_lab.exercises.{name}")
    return EXERCISES


def exercise(key: str) -> Exercise:
    """The exercise with ``key`` (e.g. "03.1"). Only notebook 03's module is imported for it, so a
    notebook does not pay for the other notebooks' exercises."""
    module = f"nb{str(key).split('.')[0]}"
    if key not in EXERCISES and module in _notebook_modules():
        importlib.import_module(f"convmixer_lab.exercises.{module}")
    try:
        return EXERCISES[key]
    except KeyError:
        raise KeyError(f"no exercise {key!r}; known keys: {sorted(load_all())}") from None


def number_exercise(key: str, text: str, expected: int, hint: str, solution: str,
                    kind: str = "compute") -> Exercise:
    """Register an exercise whose answer is one exact number (says "too large"/"too small")."""
    return register(Exercise(key=key, text=text, is_correct=equals_int(expected), hint_text=hint,
                             solution_text=solution, feedback=too_big_or_small(expected),
                             answer=expected, kind=kind))


def shape_exercise(key: str, text: str, expected: tuple[int, ...], names: str, hint: str,
                   solution: str) -> Exercise:
    """Register an exercise whose answer is a shape; ``names`` says what its entries are."""
    return register(Exercise(key=key, text=text, is_correct=equals_shape(expected), hint_text=hint,
                             solution_text=solution, feedback=shape_feedback(expected, names),
                             answer=expected))


def choice_exercise(key: str, text: str, options: dict[str, str], answer: str,
                    why_not: dict[str, str], solution: str, hint: str = "") -> ChoiceExercise:
    """Register a "why" question: one correct letter among ``options``, each wrong one explained."""
    return register(ChoiceExercise(
        key=key, text=text, is_correct=lambda letter: letter == answer,
        hint_text=hint or "Rule out the options you can show are false, one by one.",
        solution_text=solution, feedback=lambda letter: why_not.get(letter) or tr(
            "choose one of {letters}", letters=", ".join(options)),
        answer=answer, kind="why", options=options, why_not=why_not))


def prediction_exercise(key: str, text: str, expected: Any, hint: str, solution: str,
                        is_correct: Callable[[Any], bool] | None = None,
                        feedback: Callable[[Any], str | None] | None = None) -> PredictionExercise:
    """Register a predict-then-run exercise; ``expected`` is what the measuring cell will show
    (an exact int by default, with "too large"/"too small" feedback)."""
    return register(PredictionExercise(
        key=key, text=text, is_correct=is_correct or equals_int(expected), hint_text=hint,
        solution_text=solution, feedback=feedback or too_big_or_small(expected), answer=expected,
        kind="predict"))


def function_exercise(key: str, text: str, is_correct: Callable[[Any], bool], reference: Callable[..., Any],
                      hint: str, solution: str, feedback: Callable[[Any], str | None] | None = None,
                      kind: str = "compute") -> Exercise:
    """Register an exercise whose answer is a function (or a module class), checked by ``is_correct``;
    ``reference`` is a correct answer (tests check that it passes); ``feedback`` says what is wrong."""
    return register(Exercise(key=key, text=text, is_correct=is_correct, hint_text=hint,
                             solution_text=solution, feedback=feedback or (lambda answer: None),
                             answer=reference, kind=kind))
