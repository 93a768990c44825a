"""The stored notebooks' exercise cells: registered keys of their own notebook, a marked solution in every
check cell, and no .solution() call."""

import json
import re
from pathlib import Path

import pytest

from convmixer_lab.exercises import EXERCISES, load_all

load_all()  # every notebook's exercises


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


SOLUTION_MARKER = "# SOLUTION"
EXERCISE_CALL = re.compile(r'exercise\("([^"]+)"\)')


def _code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name)
def test_notebook_exercise_cells(path):
    """Notebooks use registered keys of their own number, mark solutions, and never call .solution()."""
    sources = _code_cells(path)
    keys = [k for src in sources for k in EXERCISE_CALL.findall(src)]
    for key in keys:
        assert key in EXERCISES, f"{path.name} uses unregistered exercise {key!r}"
        assert key.startswith(path.name[:2] + "."), f"{path.name} uses another notebook's exercise {key}"
    for src in sources:
        assert ".solution()" not in src, f"{path.name} calls .solution() in a stored cell"
        if "ex.check(" in src or "ex.predict(" in src:
            assert SOLUTION_MARKER in src, f"{path.name}: a check cell without a {SOLUTION_MARKER} line"


CHOICE_SOLUTION = re.compile(r'^\s*answer = "([a-z])"  ' + SOLUTION_MARKER + r"$", re.MULTILINE)


BOTH_EDITIONS = sorted([*NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"), *NOTEBOOKS.glob("zh/[0-9][0-9]_*.ipynb")])


@pytest.mark.parametrize("path", BOTH_EDITIONS, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_choice_solutions_are_the_answer_keys(path):
    """Every stored `answer = "x"  # SOLUTION` line is its exercise's key, so nbval keeps a correct state."""
    key, checked, opened = None, set(), set()
    for src in _code_cells(path):
        found = EXERCISE_CALL.findall(src)
        opened.update(found)
        key = found[-1] if found else key  # the exercise a SOLUTION line answers: the last one opened
        for letter in CHOICE_SOLUTION.findall(src):
            expected = EXERCISES[key].answer if key else None
            assert letter == expected, f"{path.name}: {key}: SOLUTION says {letter!r}, its key {expected!r}"
            checked.add(key)
    chosen = {k for k in opened if EXERCISES[k].options}
    assert checked == chosen, f"{path.name}: multiple-choice exercises without an answer SOLUTION line"
