"""Bad inputs to the instructor tools, one row each: the command line (`python -m
convmixer_lab.tools.student`, `.nbgrader`, `.nbtools`, `.twins`, run through its `main` in the test's
folder) ends with exactly one line on stderr, `TOOL: error: ...`, that names the culprit (file, cell
or argument) and the fix, exit code 2, and nothing on disk changed (under the test's folder and in
the course's notebooks/).
Rows marked `runs` start a kernel on a tiny notebook (a failing cell, a time-out): they run in
tests/system/test_bad_inputs_tools_kernels.py.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from convmixer_lab.tools import nbgrader, nbtools, student, twins

REPO = Path(__file__).resolve().parents[2]
IN_COURSE = REPO / "notebooks" / "student-copies"
MAINS = {"student": student.main, "nbgrader": nbgrader.main, "nbtools": nbtools.main, "twins": twins.main}
ADD_IDS = "re-save it in JupyterLab 3 or later to give every cell an id"


# --- making bad inputs -----------------------------------------------------------------------------

def instructor_notebook(path: Path, source: str = "answer = 6 * 7  # SOLUTION\nex.check(answer)") -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercise"), nbformat.v4.new_code_cell(source)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def course(d: Path) -> None:
    instructor_notebook(d / "src" / "01_a.ipynb")


def write(text: str, *parts: str) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        d.joinpath(*parts).parent.mkdir(parents=True, exist_ok=True)
        d.joinpath(*parts).write_text(text)
    return setup


def both(*setups: Callable[[Path], object]) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        for one in setups:
            one(d)
    return setup


def mkdir(*parts: str) -> Callable[[Path], None]:
    return lambda d: d.joinpath(*parts).mkdir(parents=True)


def nothing(d: Path) -> None:
    return None


def small(*code: str, name: str = "nb.ipynb", twin: bool = False) -> Callable[[Path], None]:
    """An English notebook that runs without the package (its language line defined inline), and,
    with ``twin``, its twin in zh/ with the title translated."""
    def setup(d: Path) -> None:
        nb = nbformat.v4.new_notebook()
        language = 'def set_language(x):\n    pass\nset_language("en")'
        nb.cells = [nbformat.v4.new_markdown_cell("# Small", id="title"),
                    nbformat.v4.new_code_cell(language, id="lang")]
        nb.cells += [nbformat.v4.new_code_cell(source, id=f"c{i}") for i, source in enumerate(code)]
        nbformat.write(nb, d / name)
        if twin:
            zh = twins.carry(nb, None)
            zh.cells[0].source = "# 小"
            zh.cells[0].metadata["translation"] = {"source_sha256": twins.source_sha256("# Small")}
            (d / "zh").mkdir(exist_ok=True)
            nbformat.write(zh, d / "zh" / name)
    return setup


def edit_json(change: Callable[[str], str], *parts: str) -> Callable[[Path], None]:
    def setup(d: Path) -> None:
        path = d.joinpath(*parts)
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return setup


def twin_note(d: Path) -> None:
    nb = nbformat.read(d / "zh" / "nb.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("译者注：这是一个小例子。", id="note"))
    nbformat.write(nb, d / "zh" / "nb.ipynb")


# --- the table -------------------------------------------------------------------------------------

@dataclass
class Bad:
    setup: Callable[[Path], object]  # makes the bad input under the folder d
    tool: str  # student, nbtools or twins
    args: Callable[[Path], list[str]]  # its command line
    culprit: str  # text that names the file, cell or argument ("{d}": the folder d)
    fix: str  # text of the fix the message must give
    readonly: str | None = None  # a folder under d made read-only first
    runs: bool = False  # starts a kernel
    unsaid: str | None = None  # text the message must not hold (advice that would do harm)


def args(*parts: str) -> Callable[[Path], list[str]]:
    """A command line; "{d}" in a part stands for the folder d."""
    return lambda d: [part.format(d=d) for part in parts]


STUDENT = args("{d}/out", "--notebooks", "{d}/src")
CASES = {
    # student copies: instructor notebooks in {d}/src
    "student OUT is SRC": Bad(course, "student", args("{d}/src", "--notebooks", "{d}/src"),
                              "{d}/src is the instructor notebooks folder", "Pass another folder",
                              unsaid="--force"),
    "student OUT is SRC, with --force": Bad(
        course, "student", args("{d}/src", "--notebooks", "{d}/src", "--force"),
        "{d}/src is the instructor notebooks folder", "Pass another folder", unsaid="--force"),
    "student OUT inside SRC, with --force": Bad(course, "student", args("{d}/src/copies", "--notebooks",
                                                                        "{d}/src", "--force"),
                                                "{d}/src/copies is inside the instructor notebooks folder",
                                                "Pass another folder", unsaid="--force"),
    "student OUT holds SRC": Bad(course, "student", args("{d}", "--notebooks", "{d}/src", "--force"),
                                 "outdir {d} holds the instructor notebooks folder {d}/src",
                                 "the copies need a folder of their own: pass another folder"),
    "student OUT inside the course's notebooks/, with --force": Bad(
        course, "student", args(str(IN_COURSE), "--notebooks", "{d}/src", "--force"),
        f"{IN_COURSE} is inside the course's notebooks folder", "Pass another folder", unsaid="--force"),
    "student OUT holds instructor notebooks": Bad(
        both(course, lambda d: instructor_notebook(d / "out" / "01_a.ipynb")), "student", STUDENT,
        "holds 01_a.ipynb, which has # SOLUTION lines", "--force"),
    "student OUT holds an unreadable notebook": Bad(both(course, write("{", "out", "x.ipynb")), "student",
                                                    STUDENT, "holds x.ipynb, which cannot be read",
                                                    "--force"),
    "student OUT holds a folder where a copy goes": Bad(both(course, mkdir("out", "01_a.ipynb")), "student",
                                                        args("{d}/out", "--notebooks", "{d}/src", "--force"),
                                                        "holds a folder 01_a.ipynb, where a copy goes",
                                                        "move it away"),
    "student OUT is a file": Bad(both(course, write("x", "out")), "student", STUDENT,
                                 "{d}/out is a file, not a folder", "pass another path"),
    "student SRC empty": Bad(mkdir("src"), "student", STUDENT, "{d}/src holds no .ipynb files",
                             "pass the folder of instructor notebooks"),
    "student SRC missing": Bad(nothing, "student", STUDENT, "{d}/src does not exist",
                               "pass the folder of instructor notebooks"),
    "student SRC has a broken solution line": Bad(
        lambda d: instructor_notebook(d / "src" / "01_a.ipynb", "answer = (1,  # SOLUTION\n  2)"), "student",
        STUDENT, "01_a.ipynb, cell 1", "must be a whole statement on one line"),
    "student SRC notebook not JSON": Bad(write("{", "src", "01_a.ipynb"), "student", STUDENT,
                                         "{d}/src/01_a.ipynb is not valid notebook JSON",
                                         "restore it from git"),
    # the nbgrader course: instructor notebooks in {d}/src
    "nbgrader OUT inside the course's notebooks/ (the default --notebooks)": Bad(
        nothing, "nbgrader", args(str(REPO / "notebooks" / "ng")),
        f"course folder {REPO / 'notebooks' / 'ng'} is inside the instructor notebooks folder",
        "Pass another folder (e.g. nbgrader/)", unsaid="--force"),
    "nbgrader OUT inside the course's notebooks/, with --force": Bad(
        course, "nbgrader", args(str(IN_COURSE), "--notebooks", "{d}/src", "--force"),
        f"course folder {IN_COURSE} is inside the course's notebooks folder", "Pass another folder",
        unsaid="--force"),
    "nbgrader OUT is the repository, with --force": Bad(
        nothing, "nbgrader", args(str(REPO), "--force"),
        f"course folder {REPO} holds the instructor notebooks folder {REPO / 'notebooks'}",
        "pass another folder (e.g. nbgrader/)"),
    "nbgrader OUT is '', with --force": Bad(
        course, "nbgrader", args("", "--notebooks", "{d}/src", "--force"), "course folder '' names no folder",
        "pass a folder, e.g. nbgrader/"),
    "nbgrader OUT not empty, not written by it": Bad(
        both(course, write("grades", "out", "gradebook.db")), "nbgrader", STUDENT,
        "course folder {d}/out is not empty and holds no .nbgrader-course.json",
        "pass another folder, or --force"),
    "nbgrader OUT is a file": Bad(both(course, write("x", "out")), "nbgrader", STUDENT,
                                  "course folder {d}/out is a file, not a folder", "pass another path"),
    "nbgrader SRC missing": Bad(nothing, "nbgrader", STUDENT, "{d}/src does not exist",
                                "pass the folder of instructor notebooks"),
    # re-executing notebooks
    "nbtools: not a notebook": Bad(write("x", "notes.txt"), "nbtools", args("{d}/notes.txt"),
                                   "{d}/notes.txt is not a notebook", "pass a notebook file"),
    "nbtools: missing file": Bad(nothing, "nbtools", args("{d}/nb.ipynb"), "{d}/nb.ipynb does not exist",
                                 "pass an existing .ipynb file"),
    "nbtools: invalid JSON": Bad(write('{"cells": [', "nb.ipynb"), "nbtools", args("{d}/nb.ipynb"),
                                 "{d}/nb.ipynb is not valid notebook JSON", "restore it from git"),
    "nbtools: JSON but not a notebook": Bad(write('{"a": 1}', "nb.ipynb"), "nbtools", args("{d}/nb.ipynb"),
                                            "{d}/nb.ipynb is not a valid Jupyter notebook",
                                            "restore it from git"),
    "nbtools: a folder": Bad(mkdir("nb.ipynb"), "nbtools", args("{d}/nb.ipynb"), "{d}/nb.ipynb is a folder",
                             "pass an existing .ipynb file"),
    "nbtools: time-out 0": Bad(small("x = 1"), "nbtools", args("{d}/nb.ipynb", "--timeout", "0"),
                               "--timeout must be at least 1 second", "got 0"),
    "nbtools: a read-only folder": Bad(small("x = 1"), "nbtools", args("{d}/nb.ipynb"),
                                       "{d} is read-only, so nb.ipynb could not be written there",
                                       "make the folder writable", readonly="."),
    "nbtools: a failing cell": Bad(small("x = 1", "x / 0"), "nbtools", args("{d}/nb.ipynb"),
                                   "{d}/nb.ipynb: cell 3 (id c1) failed with ZeroDivisionError: division "
                                   "by zero",
                                   "nothing was written", runs=True),
    "nbtools: a cell past the time-out": Bad(small("import time\ntime.sleep(60)"), "nbtools",
                                             args("{d}/nb.ipynb", "--timeout", "1"),
                                             "{d}/nb.ipynb: cell 2 (id c0) ran longer than the time-out "
                                             "(1 s)",
                                             "pass a larger --timeout", runs=True),
    # the Chinese twins
    "twins: missing notebook": Bad(nothing, "twins", args("check", "{d}/nb.ipynb"),
                                   "{d}/nb.ipynb does not exist", "pass an existing .ipynb file"),
    "twins: not a notebook": Bad(write("x", "notes.txt"), "twins", args("sync", "{d}/notes.txt"),
                                 "{d}/notes.txt is not a notebook", "pass a notebook file"),
    "twins: invalid JSON": Bad(write('{"cells": [', "nb.ipynb"), "twins", args("sync", "{d}/nb.ipynb"),
                               "{d}/nb.ipynb is not valid notebook JSON", "restore it from git"),
    "twins: a twin given for its English notebook": Bad(small(twin=True), "twins",
                                                        args("sync", "--no-execute", "{d}/zh/nb.ipynb"),
                                                        "{d}/zh/nb.ipynb is a Chinese twin (inside zh/)",
                                                        "pass its English notebook {d}/nb.ipynb"),
    "twins: English without cell ids (nbformat 4.4)": Bad(
        both(small(twin=True), edit_json(lambda t: t.replace('"id": "c0",', "").replace('"id": "title",', ""),
                                         "nb.ipynb")),
        "twins", args("sync", "{d}/nb.ipynb"), "{d}/nb.ipynb: cell 0 has no id", ADD_IDS),
    "twins: twin without cell ids": Bad(
        both(small(twin=True), edit_json(lambda t: t.replace('"id": "lang",', ""), "zh", "nb.ipynb")),
        "twins", args("check", "{d}/nb.ipynb"), "{d}/zh/nb.ipynb: cell 1 has no id", ADD_IDS),
    "twins: duplicate cell ids": Bad(
        both(small("x = 1", twin=True),
             edit_json(lambda t: t.replace('"id": "c0"', '"id": "lang"'), "nb.ipynb")),
        "twins", args("sync", "--no-execute", "{d}/nb.ipynb"), "cells 1 and 2 have the same id 'lang'",
        "give one a new id"),
    "twins: a translator's note sync would drop": Bad(
        both(small(twin=True), twin_note), "twins", args("sync", "--no-execute", "{d}/nb.ipynb"),
        "{d}/zh/nb.ipynb: twin cell 1 (id note) has no English markdown cell with that id, so sync would "
        "drop it",
        "add it to the English too, or delete it"),
    "twins: mark a cell still in English": Bad(
        both(small(twin=True), edit_json(lambda t: t.replace("# 小", "# Small"), "zh", "nb.ipynb")), "twins",
        args("mark", "{d}/nb.ipynb", "--cells", "title"),
        "the twin's cell 'title' still holds the English text",
        "translate it first"),
    "twins: mark without cells": Bad(small(twin=True), "twins", args("mark", "{d}/nb.ipynb"),
                                     "mark takes one English notebook", "--cells ID"),
    "twins: time-out 0": Bad(small(twin=True), "twins", args("sync", "{d}/nb.ipynb", "--timeout", "0"),
                             "--timeout must be at least 1 second", "got 0"),
    "twins: a read-only zh/ folder": Bad(small(twin=True), "twins", args("sync", "{d}/nb.ipynb"),
                                         "{d}/zh is read-only, so nb.ipynb could not be written there",
                                         "make the folder writable", readonly="zh"),
    "twins: a failing cell in the twin's run": Bad(small("x = 1", "x / 0", twin=True), "twins",
                                                   args("sync", "{d}/nb.ipynb"),
                                                   "{d}/zh/nb.ipynb: cell 3 (id c1) failed with "
                                                   "ZeroDivisionError",
                                                   "nothing was written", runs=True),
}


def state(*folders: Path) -> dict[str, str]:
    """Every file and folder under ``folders``: path -> sha256 of its bytes ("dir" for a folder)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            found[str(path)] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_the_table_is_large_enough():
    assert len(CASES) >= 30
    assert {case.tool for case in CASES.values()} == set(MAINS)


IN_PROCESS = {name: case for name, case in CASES.items() if not case.runs}  # the others: tests/system


@pytest.mark.parametrize("case", IN_PROCESS.values(), ids=IN_PROCESS.keys())
def test_bad_input(case: Bad, tmp_path: Path, monkeypatch, capsys):
    d = tmp_path / "d"
    d.mkdir()
    case.setup(d)
    (tmp_path / "runtime").mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    if case.readonly is not None:
        folder = (d / case.readonly).resolve()
        folder.chmod(0o555)
        if os.geteuid() == 0:  # root writes anywhere: make the check see what another user would
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda p, mode: real_access(p, mode) and Path(p) != folder)
    before = state(tmp_path, REPO / "notebooks")
    monkeypatch.chdir(d)  # where OUT '' would write
    try:
        code = MAINS[case.tool](case.args(d))
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    if case.readonly is not None:
        folder.chmod(0o755)
    err = [line for line in captured.err.splitlines() if not line.startswith("[IPKernelApp]")]
    assert (code, captured.out) == (2, ""), captured
    assert len(err) == 1 and err[0].startswith(f"{case.tool}: error: "), captured.err
    assert case.culprit.format(d=d) in err[0], err[0]
    assert case.fix.format(d=d) in err[0], err[0]
    assert case.unsaid is None or case.unsaid not in err[0], err[0]
    assert state(tmp_path, REPO / "notebooks") == before
