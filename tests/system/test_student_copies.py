"""Each real notebook's student copy, executed in a kernel: no solution text survives, every cell runs,
and the placeholders leave the exercises unanswered."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from convmixer_lab.tools.student import (
    INSTRUCTOR_TAG,
    SOLUTION_MARKER,
    make_student_copies,
)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


CELL_TIMEOUT_S = 1200  # the training notebook's long cell, on a slow machine


def _solution_lines(nb: nbformat.NotebookNode) -> dict[int, list[str]]:
    """Code cell index -> its lines that end in the marker."""
    return {i: [line for line in c.source.split("\n") if line.rstrip().endswith(SOLUTION_MARKER)]
            for i, c in enumerate(nb.cells) if c.cell_type == "code" and SOLUTION_MARKER in c.source}


def _removed_text(line: str) -> str:
    """What the student must write: the right-hand side, the returned expression, or the statement."""
    code = line.rstrip()[: -len(SOLUTION_MARKER)].strip()
    return re.sub(r"^(return\b|[A-Za-z_][\w.]*(\s*:\s*[^=]+?)?\s*=(?!=))\s*", "", code)


def _stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("instructor", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copy(instructor: Path, tmp_path: Path) -> None:
    copy_path = tmp_path / instructor.name  # (its twin, zh/ with the same name, is copied too)
    assert copy_path in make_student_copies(tmp_path, instructor.parent).written
    original = nbformat.read(instructor, as_version=4)
    # the copy leaves out the instructor's answers (cells tagged instructor); compare the rest cell by cell
    original.cells = [c for c in original.cells if INSTRUCTOR_TAG not in c.metadata.get("tags", [])]
    copy = nbformat.read(copy_path, as_version=4)
    solutions = _solution_lines(original)
    code = [c.source for c in copy.cells if c.cell_type == "code"]

    # (a) no solution text survives: no marker, and no removed expression in any code cell (beyond
    # the places where the instructor notebook itself teaches it outside a solution line)
    assert SOLUTION_MARKER not in "\n".join(code)
    taught = "\n".join("\n".join(line for line in c.source.split("\n") if SOLUTION_MARKER not in line)
                       for c in original.cells if c.cell_type == "code")
    for line in (line for lines in solutions.values() for line in lines):
        removed = _removed_text(line)
        leaks = [src for src in code if removed in src]
        assert sum(src.count(removed) for src in code) == taught.count(removed), \
            f"{instructor.name}: the solution {removed!r} survives in {leaks}"
    assert all(c.outputs == [] and c.execution_count is None for c in copy.cells if c.cell_type == "code")
    assert len(copy.cells) == len(original.cells)

    # (b) the copy runs top to bottom without an error; every check says "not answered yet"
    client = NotebookClient(copy, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(copy.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)  # raises CellExecutionError on an error
        for index in solutions:
            out = _stdout(copy.cells[index])
            if "ex.check(" in copy.cells[index].source:
                assert "not answered yet" in out, f"{instructor.name} cell {index}: {out!r}"
            assert "correct!" not in out, f"{instructor.name} cell {index} is answered: {out!r}"

        # (c) putting the instructor's solution lines back (as a student would type them) passes;
        # like a student going back, re-run from the exercise's question cell (it sets `ex`)
        for index in solutions:
            start = max([i for i in range(index) if "exercise(" in copy.cells[i].source
                         and copy.cells[i].cell_type == "code"], default=index)
            for i in range(start, index):
                if copy.cells[i].cell_type == "code":
                    client.execute_cell(copy.cells[i], i)
            pairs = zip(copy.cells[index].source.split("\n"), original.cells[index].source.split("\n"))
            answered = "\n".join(solution.rstrip()[: -len(SOLUTION_MARKER)].rstrip()
                                 if solution.rstrip().endswith(SOLUTION_MARKER) else line
                                 for line, solution in pairs)
            cell = nbformat.v4.new_code_cell(answered)
            copy.cells.append(cell)
            client.execute_cell(cell, len(copy.cells) - 1)
            out = _stdout(cell)
            if "ex.check(" in answered:
                assert "correct!" in out and "not quite" not in out, \
                    f"{instructor.name} cell {index} answered with the solution says {out!r}"
