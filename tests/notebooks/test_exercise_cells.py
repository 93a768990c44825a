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


def _code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name)
def test_notebook_exercise_cells(path):
    """Notebooks use registered keys of their own number, mark solutions, and never call .solution()."""
    sources = _code_cells(path)
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    for key in keys:
        assert key in EXERCISES, f"{path.name} uses unregistered exercise {key!r}"
        assert key.startswith(path.name[:2] + "."), f"{path.name} uses another notebook's exercise {key}"
    for src in sources:
        assert ".solution()" not in src, f"{path.name} calls .solution() in a stored cell"
        if "ex.check(" in src or "ex.predict(" in src:
            assert SOLUTION_MARKER in src, f"{path.name}: a check cell without a {SOLUTION_MARKER} line"
