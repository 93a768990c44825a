"""Self-checking exercises for the notebooks.

Each exercise has a key such as ``"03.1"`` (notebook 03, exercise 1). In a notebook::

    from convmixer_lab.exercises import exercise
    ex = exercise("03.1")
    ex.question()          # prints the task
    answer = ...           # the student's answer replaces the ...
    ex.check(answer)       # prints a verdict; "not answered yet" for a placeholder
    ex.hint()              # a nudge
    ex.solution()          # the worked answer

Solution lines in the instructor notebooks carry the marker ``# SOLUTION`` at the end of the
line; ``convmixer_lab.student`` turns them into placeholders (``...``) for the student copies.
Expected answers are computed from the package (never typed by hand) so they cannot go stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SOLUTION_MARKER = "# SOLUTION"


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

    def question(self) -> None:
        print(f"Exercise {self.key}: {self.text}")

    def check(self, answer: Any) -> bool:
        """Print a verdict for ``answer`` and return whether it is correct.

        A placeholder (``...`` or ``None``, or a function that returns one) is "not answered yet",
        never an error, so a student copy runs top to bottom.
        """
        not_yet = f"Exercise {self.key}: not answered yet - replace the ... with your answer."
        if answer is ... or answer is None:
            print(not_yet)
            return False
        try:
            ok = bool(self.is_correct(answer))
        except NotAnswered:
            print(not_yet)
            return False
        except Exception as err:  # a wrong type or a broken function is feedback, not a crash
            print(f"Exercise {self.key}: not quite - checking your answer raised "
                  f"{type(err).__name__}: {err}")
            return False
        if ok:
            print(f"Exercise {self.key}: correct!")
        else:
            extra = self.feedback(answer)
            print(f"Exercise {self.key}: not quite{' - ' + extra if extra else ''}. "
                  f"Try again, or call .hint().")
        return ok

    def hint(self) -> None:
        print(f"Hint for {self.key}: {self.hint_text}")

    def solution(self) -> None:
        print(f"Solution for {self.key}: {self.solution_text}")


class NotAnswered(Exception):
    """Raised by a checker when the answer is still a placeholder (e.g. a function that
    returns ``...`` or ``None``)."""


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
        return isinstance(answer, (int, float)) and not isinstance(answer, bool) \
            and float(answer) == float(expected)
    return ok


def close_to(expected: float, rel: float = 1e-3, abs_tol: float = 0.0) -> Callable[[Any], bool]:
    """Numeric answers within a relative tolerance."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (int, float)) and not isinstance(answer, bool) \
            and math.isclose(float(answer), float(expected), rel_tol=rel, abs_tol=abs_tol)
    return ok


def equals_shape(expected: tuple[int, ...]) -> Callable[[Any], bool]:
    """Shapes given as a tuple, list or torch.Size."""
    def ok(answer: Any) -> bool:
        return isinstance(answer, (tuple, list)) and tuple(int(a) for a in answer) == tuple(expected)
    return ok


def too_big_or_small(expected: float) -> Callable[[Any], str | None]:
    def say(answer: Any) -> str | None:
        if isinstance(answer, (int, float)) and not isinstance(answer, bool):
            return "too large" if answer > expected else "too small"
        return f"expected a number, got {type(answer).__name__}"
    return say


EXERCISES: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    if ex.key in EXERCISES:
        raise ValueError(f"exercise key {ex.key!r} is registered twice")
    EXERCISES[ex.key] = ex
    return ex


def exercise(key: str) -> Exercise:
    """The exercise with ``key`` (e.g. "03.1")."""
    try:
        return EXERCISES[key]
    except KeyError:
        raise KeyError(f"no exercise {key!r}; known keys: {sorted(EXERCISES)}") from None


# --- notebook 01: patch embedding ------------------------------------------------------------
# (exercises 01.x go here)

# --- notebook 02: depthwise vs pointwise -----------------------------------------------------
# (exercises 02.x go here)

# --- notebook 03: parameter count ------------------------------------------------------------
# (exercises 03.x go here)

# --- notebook 04: full model -----------------------------------------------------------------
# (exercises 04.x go here)

# --- notebook 05: training -------------------------------------------------------------------
# (exercises 05.x go here)
