"""The exercise machinery: one ``Exercise`` class, the answer checkers, and the registry. An exercise
is declared once, in ``nb01`` ... ``nb06``: ``define("03.1", kind="compute", answer=1_179_648)`` (a
number: exact, too large/small) or ``define("01.3", kind="why", answer="b", options="abcd")`` (a letter).
Kinds (``KINDS``): compute, predict (``ex.predict`` before the measuring cell, ``ex.reveal`` after),
experiment, why. Texts (``nbNN.toml``): ``NN.M.question``, ``.solution``, ``.hint`` (or ``.hint.1`` ...),
``.option.<letter>``, ``.wrong.<letter>``. Answers are judged by value (numpy, 0-d tensors, Fraction,
Decimal are numbers; NaN is not; a shape is a sequence of integers)."""

import importlib
import math
import numbers
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import torch

from convmixer_lab.texts import Text, has, t

KINDS = ("compute", "predict", "experiment", "why")
# A float32 result this close (relative) to the answer is right: float32 keeps about 7 digits, and a
# computation such as a standard deviation of numbers near 90 loses two more to cancellation.
FLOAT32_REL = 1e-4


class NotAnswered(Exception):
    """Raised by a checker when the answer is still a placeholder (a function that returns ``...``)."""


def _scalar(answer: Any) -> Any:
    """A 0-d tensor or array, or a one-element numpy scalar, as a Python value; anything else as is."""
    if isinstance(answer, (torch.Tensor, np.ndarray, np.generic)) and answer.ndim == 0:
        return answer.item()
    return answer


def as_number(answer: Any) -> float | None:
    """``answer`` as a float if it is a real number (numpy, 0-d tensor, Fraction, Decimal), else None."""
    value = _scalar(answer)
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int or Fraction too large for a float: judged as infinitely large
        number = math.inf if value > 0 else -math.inf
    except ValueError:  # Decimal's signalling NaN
        return None
    return None if math.isnan(number) else number


def as_integers(answer: Any) -> tuple[int, ...] | None:
    """``answer`` as a tuple of ints when it is a sequence (a 1-d array too) of whole numbers, else None."""
    if isinstance(answer, (torch.Tensor, np.ndarray)) and answer.ndim == 1:
        answer = answer.tolist()
    if not isinstance(answer, (tuple, list)):
        return None
    values = [as_number(a) for a in answer]
    if any(v is None or not v.is_integer() for v in values):
        return None
    return tuple(int(v) for v in values)  # type: ignore[arg-type]


def call_answer(func: Any, *args: Any) -> Any:
    """Call a student's function; a placeholder result (``...`` or ``None``) means not answered."""
    if not callable(func):
        raise TypeError(f"expected a function, got {type(func).__name__}")
    result = func(*args)
    if result is ... or result is None:
        raise NotAnswered
    return result


def equals_int(expected: int) -> Callable[[Any], bool]:
    """Exact integer answers (``1_179_648``); a whole number in any numeric type is accepted."""
    return lambda answer: as_number(answer) == float(expected)


def close_to(expected: float, rel: float = 1e-3, abs_tol: float = 0.0) -> Callable[[Any], bool]:
    """Numeric answers within a relative tolerance (at least float32's precision for a float32 answer)."""
    def ok(answer: Any) -> bool:
        value = as_number(answer)
        tol = max(rel, FLOAT32_REL) if getattr(answer, "dtype", None) in (np.float32, torch.float32) else rel
        return value is not None and math.isclose(value, float(expected), rel_tol=tol, abs_tol=abs_tol)
    return ok


def equals_shape(expected: tuple[int, ...]) -> Callable[[Any], bool]:
    """Shapes (or pairs) given as a tuple, list, ``torch.Size`` or 1-d array of integers."""
    return lambda answer: as_integers(answer) == tuple(expected)


def too_big_or_small(expected: float, known: dict[float, str] | None = None,
                     fields: dict[str, Any] | None = None) -> Callable[[Any], Text]:
    """Feedback for a number: the text of a ``known`` mistake (within 1%, so 28.4 is taken for 256 / 9 =
    28.44...) with ``fields``, else too large, too small, or not a number at all."""
    def say(answer: Any) -> Text:
        value = as_number(answer)
        if value is None:
            return not_a_number(answer)
        for wrong, text_id in (known or {}).items():
            if abs(value - wrong) <= 0.01 * abs(wrong):
                return t(text_id, **(fields or {}))
        return t("core.too_large" if value > expected else "core.too_small")
    return say


def not_a_number(answer: Any, text_id: str = "core.expected_number") -> Text:
    """The feedback for an answer that should have been a number (``text_id`` unless it is NaN)."""
    if isinstance(_scalar(answer), float) and math.isnan(_scalar(answer)):
        return t("core.nan")
    return t(text_id, type=type(answer).__name__)


@dataclass(eq=False)
class Exercise:
    """One exercise: ``is_correct(answer)`` decides, ``feedback(answer)`` says what is wrong (or None),
    ``answer`` is a reference answer, ``fields`` the numbers its texts show, ``hints`` graded hints."""

    key: str
    kind: str
    answer: Any
    is_correct: Callable[[Any], bool]
    feedback: Callable[[Any], str | None] | None = None  # None: nothing is said
    fields: dict[str, Any] = field(default_factory=dict)
    options: str = ""
    hints: int = 0
    prediction: Any = None
    hints_given: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"exercise {self.key}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.options and self.answer not in self.options:
            raise ValueError(f"exercise {self.key}: answer {self.answer!r} is not one of the options "
                             f"{self.options!r}")

    def text(self, role: str, **more: Any) -> Text:
        """This exercise's text ``NN.M.<role>``, formatted with its fields (and ``more``)."""
        return t(f"{self.key}.{role}", **self.fields, **more)

    def question(self) -> None:
        print(t("core.question", key=self.key, text=self.text("question")))
        for letter in self.options:
            print(f"  ({letter}) {self.text(f'option.{letter}')}")

    def verdict(self, answer: Any) -> tuple[bool | None, str]:
        """(whether ``answer`` is correct, what is wrong or ""); (None, "") for a placeholder."""
        if answer is ... or answer is None:
            return None, ""
        if self.options and isinstance(answer, str):
            answer = answer.strip().strip("()").lower()
        try:
            ok = bool(self.is_correct(answer))
            reason = None if ok or self.feedback is None else self.feedback(answer)
        except NotAnswered:
            return None, ""
        except (Exception, SystemExit) as err:  # a wrong type or a broken function is feedback, not a crash
            return False, t("core.raised", error=type(err).__name__, message=err)
        return ok, str(reason).rstrip(" .。") if reason else ""

    def check(self, answer: Any) -> bool:
        """Print a verdict and return whether ``answer`` is correct; a placeholder is "not answered yet"."""
        ok, reason = self.verdict(answer)
        said = ("core.not_answered" if ok is None else "core.correct" if ok
                else "core.not_quite_because" if reason else "core.not_quite")
        _say(self, t(said, key=self.key, reason=reason), passed=bool(ok))
        return bool(ok)

    def first_hint(self) -> Text:
        """The hint ``hint()`` gives first (the first of graded hints)."""
        text = (self.text("hint.1") if self.hints else self.text("hint") if has(f"{self.key}.hint")
                else t("core.choice_hint"))
        return t("core.hint", key=self.key, text=text)

    def hint(self) -> None:
        if not self.hints:
            print(self.first_hint())
            return
        level = min(self.hints_given, self.hints - 1) + 1
        self.hints_given += 1
        print(t("core.graded_hint", n=level, total=self.hints, key=self.key, text=self.text(f"hint.{level}")))
        print(t("core.last_hint", key=self.key) if level == self.hints else t("core.next_hint", n=level + 1))

    def solution(self) -> None:
        print(t("core.solution", key=self.key, text=self.text("solution")))

    def predict(self, value: Any) -> None:
        """Record a prediction before the measuring cell (a placeholder ``...`` is "not answered yet")."""
        self._predicting()
        self.prediction = None if value is ... else value
        print(t("core.predict_first", key=self.key) if self.prediction is None
              else t("core.prediction_recorded", key=self.key, value=repr(value)))

    def reveal(self, measured: Any) -> bool:
        """Print the measurement next to the prediction, with a verdict; return whether it was right."""
        self._predicting()
        if self.prediction is None:
            _say(self, t("core.measured_no_prediction", key=self.key, measured=repr(measured)), passed=False)
            return False
        print(t("core.you_predicted", key=self.key, prediction=repr(self.prediction),
                measured=repr(measured)))
        ok, reason = self.verdict(self.prediction)
        said = ("core.prediction_right" if ok else "core.prediction_wrong_because" if reason
                else "core.prediction_wrong")
        _say(self, t(said, key=self.key, reason=reason), passed=bool(ok))
        return bool(ok)

    def _predicting(self) -> None:
        if self.kind != "predict":
            raise TypeError(f"exercise {self.key} is a {self.kind!r} exercise: predict() and reveal() "
                            "belong to 'predict' exercises; answer it with check()")


GRADING = False  # set_grading(True): wrong or unanswered raises (the nbgrader copies' first cell)


def set_grading(on: bool = True) -> None:
    """In grading mode a wrong or unanswered ``check``/``reveal`` raises ``AssertionError`` instead."""
    global GRADING
    GRADING = bool(on)


def _say(ex: Exercise, verdict: str, passed: bool) -> None:
    """Print ``verdict``; in grading mode a failed one raises instead (verdict, then the hint)."""
    if GRADING and not passed:
        raise AssertionError(f"{verdict}\n{ex.first_hint()}")
    print(verdict)


EXERCISES: dict[str, Exercise] = {}


def define(key: str, kind: str, answer: Any, *, is_correct: Callable[[Any], bool] | None = None,
           feedback: Callable[[Any], str | None] | None = None, fields: dict[str, Any] | None = None,
           options: str = "", hints: int = 0) -> Exercise:
    """Register exercise ``key``; a choice is right for ``answer`` alone, a number exactly or within 0.1%."""
    if options:
        is_correct = is_correct or (lambda letter: isinstance(letter, str) and letter == answer)
        feedback = feedback or _choice_feedback(key, options, fields or {})
    elif is_correct is None and as_number(answer) is not None:
        is_correct = equals_int(answer) if isinstance(answer, int) else close_to(answer)
        feedback = feedback or too_big_or_small(answer)
    if is_correct is None:
        raise ValueError(f"exercise {key}: give is_correct= for an answer of type {type(answer).__name__}")
    ex = Exercise(key=key, kind=kind, answer=answer, is_correct=is_correct, feedback=feedback,
                  fields=dict(fields or {}), options=options, hints=hints)
    if key in EXERCISES:
        raise ValueError(f"exercise key {key!r} is defined twice")
    EXERCISES[key] = ex
    return ex


def _choice_feedback(key: str, options: str, fields: dict[str, Any]) -> Callable[[Any], Text]:
    def say(letter: Any) -> Text:
        if isinstance(letter, str) and len(letter) == 1 and letter in options:
            return t(f"{key}.wrong.{letter}", **fields)
        return t("core.choose_one", letters=", ".join(options))
    return say


def _notebook_modules() -> list[str]:
    package = importlib.import_module("convmixer_lab.exercises")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("nb"))


def load_all() -> dict[str, Exercise]:
    """Register every notebook's exercises (each module is imported once) and return the registry."""
    for name in _notebook_modules():
        importlib.import_module(f"convmixer_lab.exercises.{name}")
    return EXERCISES


def exercise(key: str) -> Exercise:
    """The exercise with ``key`` (e.g. "03.1"); only its notebook's module (``nb03``) is imported."""
    module = f"nb{str(key).split('.')[0]}"
    if key not in EXERCISES and module in _notebook_modules():
        importlib.import_module(f"convmixer_lab.exercises.{module}")
    if key not in EXERCISES:
        raise KeyError(f"no exercise {key!r}; known keys: {sorted(load_all())}")
    return EXERCISES[key]
