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
line; ``convmixer_lab.tools.student`` turns them into placeholders (``...``) for the student copies.
Expected answers are computed from the package (never typed by hand) so they cannot go stale.

``core`` holds ``Exercise``, the answer checkers and the registry; ``nb01`` ... ``nb06`` each
register one notebook's exercises (a new exercise goes in its notebook's module). ``exercise("03.1")``
imports only notebook 03's module; ``load_all()`` registers every notebook's exercises.
"""

from convmixer_lab.exercises.core import EXERCISES, Exercise, define, exercise, load_all

__all__ = ["EXERCISES", "Exercise", "define", "exercise", "load_all"]
