"""Self-checking exercises: ``ex = exercise("03.1")``, then ``ex.question()``, ``ex.check(answer)``,
``ex.hint()``, ``ex.solution()``. ``core`` holds the machinery; ``nb01`` ... ``nb06`` each register one
notebook's exercises, with expected answers computed from the package."""

from convmixer_lab.exercises.core import EXERCISES, Exercise, define, exercise, load_all

__all__ = ["EXERCISES", "Exercise", "define", "exercise", "load_all"]
