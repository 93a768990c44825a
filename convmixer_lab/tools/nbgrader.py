"""The course as an nbgrader course, graded by the same checkers that students use.

    python -m convmixer_lab.tools.nbgrader OUT [--notebooks SRC] [--force]   # make nbgrader: OUT = nbgrader/

OUT gets ``nbgrader_config.py``, ``SETUP.md`` and ``source/<assignment>/`` (``01_x``, ``zh_01_x``, each with
GLOSSARY.md). ``# SOLUTION`` lines go between nbgrader's markers; the check after an answer (a "predict"
exercise's ``ex.reveal`` cell) becomes a locked test worth ``POINTS[kind]``; ``instructor`` cells are left
out; the first code cell calls ``set_grading(True)``. Files edited since it wrote them (sha256s in
OUT/.nbgrader-course.json) are kept, and a non-empty OUT it did not write refused, unless ``--force``."""

import argparse
import ast
import itertools
import os
import re
import sys
from pathlib import Path

import nbformat

from convmixer_lab.exercises import exercise
from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.tools import student
from convmixer_lab.tools.nbtools import Written, notebook_bytes, read_notebook, refuse, write_unless_changed
from convmixer_lab.tools.student import SOLUTION_MARKER

POINTS = {"compute": 2, "experiment": 2, "predict": 1, "why": 1}  # points of one exercise, by its kind
CELL_TIMEOUT = 600  # seconds one cell may run when autograding (notebook 05 trains for minutes)
COURSE_ID = "convmixer-lab"
MANIFEST = ".nbgrader-course.json"  # in OUT: the sha256 of every file this command wrote there
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
GRADING_LINES = ("from convmixer_lab.exercises.core import set_grading  # nbgrader copy: wrong answers fail",
                 "set_grading(True)")
_KEY = re.compile(r"""exercise\(["'](\d\d\.\d+)["']\)""")
_LINK = re.compile(r"\]\(([^)#:\s]+)\)")


def _meta(cell: nbformat.NotebookNode, grade_id: str, *, solution=False, points=None) -> None:
    """Give ``cell`` nbgrader's metadata: an answer (``solution``), a test (``points``) or read-only."""
    cell.metadata["nbgrader"] = {"grade": points is not None, "grade_id": grade_id, "locked": not solution,
                                 "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        cell.metadata["nbgrader"]["points"] = points


def _is_solution(line: str) -> bool:
    return line.rstrip().endswith(SOLUTION_MARKER)


def _with_markers(lines: list[str]) -> list[str]:
    """Each run of ``# SOLUTION`` lines between the solution markers, after their student placeholders."""
    out: list[str] = []
    for solution, group in itertools.groupby(lines, key=_is_solution):
        run = list(group)
        if not solution:
            out += run
            continue
        indent = run[0][: len(run[0]) - len(run[0].lstrip())]
        if indent:  # a block's body: `...` keeps it a body when nbgrader leaves only its comment
            out.append(indent + "...")
        else:  # variables start unanswered, whatever an earlier exercise left in them
            out += [p for p in dict.fromkeys(student.placeholder(line) for line in run) if p != "..."]
        out += [indent + BEGIN, *(line.rstrip()[: -len(SOLUTION_MARKER)].rstrip() for line in run),
                indent + END]
    return out


def _split_answer(cell: nbformat.NotebookNode, key: str) -> tuple[nbformat.NotebookNode, ...]:
    """An answer cell -> (the answer, with solution markers; the lines after it, as their own cell)."""
    lines = cell.source.split("\n")
    last = max(i for i, line in enumerate(lines) if _is_solution(line))
    rest = "\n".join(lines[last + 1:]).strip("\n")
    if "ex.check(" not in rest and "ex.predict(" not in rest:
        raise ValueError(f"exercise {key}: the answer cell must end with ex.check(...) or ex.predict(...) "
                         f"after its {SOLUTION_MARKER} lines, got:\n{cell.source}")
    answer = nbformat.from_dict(cell)
    answer.source = "\n".join(_with_markers(lines[: last + 1]))
    checking = nbformat.v4.new_code_cell(rest, id=f"{cell.get('id', key.replace('.', '-'))}-check"[:64])
    _meta(answer, f"answer_{key.replace('.', '_')}", solution=True)
    return answer, checking


def _quiet(source: str) -> str:
    """``source`` with a ``;`` after a last call: nbgrader reads a test cell's output as partial credit."""
    try:
        last = ast.parse(source).body[-1]
    except (SyntaxError, IndexError):  # %magics, or nothing but comments: left as they are
        return source
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)):
        return source
    lines = source.split("\n")
    row, col = last.end_lineno - 1, last.end_col_offset  # type: ignore[operator]
    lines[row] = lines[row][:col] + ";" + lines[row][col:]
    return "\n".join(lines)


def _points(key: str | None, where: str) -> int:
    """The points of exercise ``key``, by its kind (the registry's)."""
    try:
        return POINTS[exercise(str(key)).kind]
    except KeyError as err:
        raise ValueError(f"{where}: an answer cell for an exercise not in the registry: {err}") from None


def _graded_cells(cells: list, where: str) -> list:
    """The code cells of a notebook with nbgrader's metadata (answer, test, read-only)."""
    if first := next((cell for cell in cells if cell.cell_type == "code"), None):
        first.source = first.source.rstrip("\n") + "\n\n" + "\n".join(GRADING_LINES)
    out, key, revealing = [], None, None
    for cell in cells:
        if cell.cell_type != "code":
            out.append(cell)
            continue
        key = (_KEY.findall(cell.source) or [key])[-1]
        test_id = f"test_{str(key).replace('.', '_')}"
        if SOLUTION_MARKER in cell.source:
            if key is None:
                raise ValueError(f"{where}: a {SOLUTION_MARKER} cell before any exercise(\"NN.M\") cell")
            answer, checking = _split_answer(cell, key)
            if "ex.predict(" in checking.source:
                revealing = key
                _meta(checking, f"predict_{key.replace('.', '_')}")
            else:
                checking.source = _quiet(checking.source)
                _meta(checking, test_id, points=_points(key, where))
            out += [answer, checking]
            continue
        if revealing and "ex.reveal(" in cell.source:
            cell.source = _quiet(cell.source)
            _meta(cell, test_id, points=_points(revealing, where))
            revealing = None
        out.append(cell)
    if revealing:
        raise ValueError(f"{where}: exercise {revealing} records a prediction, but no cell after it calls "
                         "ex.reveal(...)")
    return out


def _relink(source: str, notebook: Path, names: dict[Path, str]) -> str:
    """Markdown links to another notebook or GLOSSARY.md, as seen from an assignment folder."""
    def target(match: re.Match) -> str:
        path = Path(os.path.normpath(notebook.parent / match[1]))
        if path.name == "GLOSSARY.md":
            return "](GLOSSARY.md)"
        if path in names:
            return f"](../{names[path]}/{path.name})"
        return match[0]
    return _LINK.sub(target, source)


def nbgrader_notebook(nb: nbformat.NotebookNode, where: str = "notebook") -> nbformat.NotebookNode:
    """The nbgrader source version of an instructor notebook (see the module's docstring)."""
    copy = student.cleared_copy(nb)
    copy.cells = _graded_cells(copy.cells, where)
    for index, cell in enumerate(copy.cells):
        if "nbgrader" not in cell.metadata:
            _meta(cell, f"cell_{index:03d}_{cell.get('id', '')}"[:64])
    return copy


CONFIG = '''"""nbgrader settings of the convmixer-lab course (from python -m convmixer_lab.tools.nbgrader)."""
import os

c = get_config()  # noqa: F821 (nbgrader defines it)
c.CourseDirectory.course_id = {course_id!r}
# A solution becomes this comment, after the `...` of "not answered yet" (as in `make student` copies).
c.ClearSolutions.code_stub = {{"python": "# YOUR ANSWER HERE"}}
# Autograding runs each student's code: at most this many seconds per cell, then the cell fails.
c.Execute.timeout = {timeout}
# A test cell that a student deleted is put back (and run) when autograding, with a warning.
c.OverwriteCells.add_missing_cells = True
# The course's data (Fashion-MNIST, the reference checkpoint), unless the environment says otherwise.
if os.path.isdir({data!r}):
    os.environ.setdefault("CONVMIXER_LAB_DATA", {data!r})
'''

SETUP = """# Setting up the convmixer-lab nbgrader course

Written by `python -m convmixer_lab.tools.nbgrader`. Assignments (source/): {assignments}.
Points per exercise, by kind: {points}. Points per assignment: {totals}.

The students' kernels and the autograder need the course package and its data:

1. In the environment of the students' kernels and of the grader (nbgrader runs each notebook
   with the `python3` kernel), install the course from its repository: `pip install -r
   requirements.txt` and `pip install --no-deps -e .` in {repo}.
2. The data: the repository's data/ folder ({data}). `nbgrader_config.py` points the grader at it
   (`CONVMIXER_LAB_DATA`); for the students' kernels, an editable install finds it by itself,
   otherwise set `CONVMIXER_LAB_DATA` to that folder in their environment.
3. Work in this folder: `nbgrader generate_assignment 01_patch_embedding`, then release, collect,
   `nbgrader autograde 01_patch_embedding`, `nbgrader generate_feedback 01_patch_embedding`.
"""


def _converted(notebooks: Path) -> tuple[dict[Path, nbformat.NotebookNode], dict[str, int], dict]:
    """The nbgrader version of every notebook, the points of each assignment, the assignment names."""
    rels = [path.relative_to(notebooks) for path in student.instructor_notebooks(notebooks)]
    names = {rel: "_".join(rel.with_suffix("").parts) for rel in rels}  # zh/01_x.ipynb -> zh_01_x
    converted, points = {}, {}
    for rel in rels:
        nb = nbgrader_notebook(read_notebook(notebooks / rel), where=str(rel))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _relink(cell.source, rel, names)
        converted[rel] = nb
        points[names[rel]] = sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells)
    return converted, points, names


def write_course(out: str | Path, notebooks: str | Path = student.NOTEBOOKS_DIR, *,
                 force: bool = False) -> tuple[dict[str, int], Written]:
    """Write the course folder ``out``; return each assignment's points and the files written and kept."""
    student.check_place(out, Path(notebooks), "course folder", "nbgrader/")
    out, notebooks = Path(out), Path(notebooks)
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file() and not force:
        raise ValueError(f"course folder {out} is not empty and holds no {MANIFEST} (this command did not "
                         "write it; it may hold a gradebook and the students' submissions); pass another "
                         "folder, or --force to write there (replacing the files this command writes)")
    converted, points, names = _converted(notebooks)
    glossary, contents = notebooks / "GLOSSARY.md", {}
    for rel, nb in converted.items():
        contents[out / "source" / names[rel] / rel.name] = notebook_bytes(nb)
        if glossary.is_file():
            contents[out / "source" / names[rel] / glossary.name] = glossary.read_bytes()
    data = str(REPO_ROOT / "data")
    contents[out / "nbgrader_config.py"] = CONFIG.format(course_id=COURSE_ID, timeout=CELL_TIMEOUT,
                                                         data=data).encode()
    contents[out / "SETUP.md"] = SETUP.format(
        assignments=", ".join(points), points=", ".join(f"{k} {v}" for k, v in POINTS.items()),
        totals=", ".join(f"{k} {v}" for k, v in points.items()), repo=REPO_ROOT, data=data).encode()
    return points, write_unless_changed(contents, out / MANIFEST, force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.tools.nbgrader",
                                     description="Write the course as an nbgrader course folder.")
    parser.add_argument("out", help="the course folder to write (make nbgrader: nbgrader/)")
    parser.add_argument("--notebooks", default=str(student.NOTEBOOKS_DIR),
                        help="folder of instructor notebooks, zh/ included (default: notebooks/)")
    parser.add_argument("--force", action="store_true",
                        help="replace the files it writes even where you changed them since it wrote them "
                             "(without it they are kept and named), and write into a non-empty OUT it did "
                             "not write; other files in OUT are never touched")
    args = parser.parse_args(argv)
    try:
        points, done = write_course(args.out, args.notebooks, force=args.force)
    except (OSError, ValueError) as err:
        refuse("nbgrader", str(err))
    for name, total in points.items():
        print(f"{Path(args.out) / 'source' / name}: {total} points")
    for path in done.kept:
        print(f"kept {path}: it changed since this command wrote it (your edit?); --force replaces it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
