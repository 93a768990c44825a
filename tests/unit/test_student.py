"""Student copies: no solution survives, each copy runs top to bottom ("not answered yet"), and
putting the instructor's solution back into a copy makes its check say "correct!"."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from convmixer_lab.tools.student import (
    MANIFEST,
    NOTEBOOKS_DIR,
    main,
    make_student_copies,
    placeholder,
    student_notebook,
    student_source,
)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
GLOSSARY = "GLOSSARY.md"
_LINK = re.compile(r"\]\(([^()\s]+)\)")  # the target of a markdown link [text](target)


@pytest.mark.parametrize("line,expected", [
    ("answer = 5 * 5 * 128 * 256  # SOLUTION", "answer = ..."),
    ("    return 1 / c_out + 1 / k**2  # SOLUTION", "    return ..."),
    ("        return(x)  # SOLUTION   ", "        return ..."),
    ("model.head = nn.Linear(8, 10)  # SOLUTION", "model.head = ..."),
    ("n: int = 4  # SOLUTION", "n: int = ..."),
    ("  print(secret)  # SOLUTION", "  ..."),
    ("x == 3  # SOLUTION", "..."),
    ("total += 1  # SOLUTION", "total = ..."),
    ("f(k=3)  # SOLUTION", "..."),
    ("returned = 3  # SOLUTION", "returned = ..."),
    ("x, y = 8, 9  # SOLUTION", "x, y = ..., ..."),
    ("    (a, b), *rest = f()  # SOLUTION", "    (a, b), *rest = (..., ...),"),
    ("a, = f()  # SOLUTION", "a, = ...,"),
    ("d['k'] = 5  # SOLUTION", "d['k'] = ..."),
    ("grid[i][j] += 1  # SOLUTION", "grid[i][j] = ..."),
    ("a = b = 3  # SOLUTION", "a = b = ..."),
])
def test_placeholder(line, expected):
    assert placeholder(line) == expected


def test_placeholders_run_and_leave_every_name_unanswered():
    """Tuple, augmented and item assignments stay runnable: each name they bind is ``...``."""
    source = ("d = {}\ntotal = 1\nx, y = 8, 9  # SOLUTION\n(a, b), *rest = f()  # SOLUTION\n"
              "total += 2  # SOLUTION\nd['k'] = 5  # SOLUTION")
    names: dict = {}
    exec(student_source(source), names)  # would raise (unpacking, NameError) with a bare `...`
    assert [names[n] for n in ("x", "y", "a", "b", "total")] == [...] * 5
    assert names["rest"] == [] and names["d"] == {"k": ...}


def test_placeholder_needs_the_marker_at_the_end():
    with pytest.raises(ValueError, match="must end with '# SOLUTION'"):
        placeholder("answer = 3")
    with pytest.raises(ValueError, match="cell 7, line 1: '# SOLUTION' must end the line"):
        student_source("answer = 3  # SOLUTION, because", where="cell 7")


def test_student_source_keeps_other_lines_and_refuses_broken_results():
    source = "%matplotlib inline\ndef f(n):\n    m = n + 1\n    return m * m  # SOLUTION\n\nex.check(f)"
    expected = "%matplotlib inline\ndef f(n):\n    m = n + 1\n    return ...\n\nex.check(f)"
    assert student_source(source) == expected
    with pytest.raises(ValueError, match="x.ipynb, cell 3: the student version is not valid Python"):
        student_source("answer = (1,  # SOLUTION\n          2)", where="x.ipynb, cell 3")


def _instructor_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [nbformat.v4.new_markdown_cell("Answer = 42  # SOLUTION is only text here"),
                nbformat.v4.new_code_cell("ex = exercise('99.1')\nex.question()", execution_count=1,
                                          outputs=[nbformat.v4.new_output("stream", text="Exercise 99.1\n")],
                                          metadata={"execution": {"iopub.status.busy": "2026"},
                                                    "tags": ["x"]}),
                nbformat.v4.new_code_cell("answer = 6 * 7  # SOLUTION\nex.check(answer)", execution_count=2),
                nbformat.v4.new_markdown_cell("**Answers.** 1. Because six times seven is 42.",
                                              metadata={"tags": ["instructor"]})]
    return nb


def test_student_notebook_clears_outputs_and_replaces_solutions():
    nb = _instructor_notebook()
    copy = student_notebook(nb)
    assert copy.cells[0].source == nb.cells[0].source  # markdown untouched
    assert copy.cells[1].source == "ex = exercise('99.1')\nex.question()"  # questions and checks kept
    assert copy.cells[2].source == "answer = ...\nex.check(answer)"
    assert all(c.outputs == [] and c.execution_count is None for c in copy.cells[1:])
    assert copy.cells[1].metadata == {"tags": ["x"]} and "widgets" not in copy.metadata
    assert nb.cells[2].source.startswith("answer = 6 * 7") and nb.cells[1].outputs  # original unchanged
    assert len(copy.cells) == 3 and len(nb.cells) == 4  # the instructor's answers are left out
    assert all("Because six times seven" not in c.source for c in copy.cells)


def test_make_student_copies_writes_every_notebook_atomically(tmp_path, capsys):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    src.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        nbformat.write(_instructor_notebook(), src / name)
    assert main([str(out), "--notebooks", str(src)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "01_a.ipynb", "02_b.ipynb"]  # no temporaries
    assert capsys.readouterr().out.count("wrote ") == 2
    assert nbformat.read(out / "01_a.ipynb", as_version=4).cells[2].source == "answer = ...\nex.check(answer)"
    # a bad solution line in any notebook: nothing is written, old copies stay as they were
    old_copy = (out / "02_b.ipynb").read_bytes()
    (out / "01_a.ipynb").unlink()
    bad = _instructor_notebook()
    bad.cells[2].source = "answer = (6 *  # SOLUTION\n          7)"
    nbformat.write(bad, src / "02_b.ipynb")
    with pytest.raises(ValueError, match="02_b.ipynb, cell 2"):
        make_student_copies(out, src)
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "02_b.ipynb"]
    assert (out / "02_b.ipynb").read_bytes() == old_copy


def test_make_student_copies_refuses_bad_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no .ipynb files; pass the folder of instructor"):
        make_student_copies(tmp_path / "out", tmp_path / "empty")
    (tmp_path / "empty").rmdir()
    nbformat.write(_instructor_notebook(), tmp_path / "01_a.ipynb")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="outdir .*file is a file, not a folder"):
        make_student_copies(tmp_path / "file", tmp_path)
    before = _folder_state(tmp_path)
    for force in (False, True):  # the instructor notebooks would be overwritten: not even with force
        with pytest.raises(ValueError, match=r"is the instructor notebooks folder \(--notebooks\); the "
                                             r"copies would replace or mix with the instructor notebooks. "
                                             r"Pass another folder \(e.g. student/\)$"):
            make_student_copies(tmp_path, tmp_path, force=force)
        with pytest.raises(ValueError, match="is inside the instructor notebooks folder"):
            make_student_copies(tmp_path / "copies", tmp_path, force=force)
    assert _folder_state(tmp_path) == before
    for force in (False, True):  # a folder above the notebooks: the real problem, not "no .ipynb files"
        with pytest.raises(ValueError, match=f"outdir {tmp_path.parent} holds the instructor notebooks "
                                             f"folder {tmp_path}; the copies need a folder of their own"):
            make_student_copies(tmp_path.parent, tmp_path, force=force)


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_subfolders_are_mirrored_and_hidden_folders_skipped(tmp_path):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    (src / "zh").mkdir(parents=True)
    (src / ".ipynb_checkpoints").mkdir()
    for path in (src / "01_a.ipynb", src / "zh" / "01_a.ipynb", src / ".ipynb_checkpoints" / "01_a.ipynb"):
        nbformat.write(_instructor_notebook(), path)
    assert make_student_copies(out, src).written == [out / "01_a.ipynb", out / "zh" / "01_a.ipynb"]
    assert sorted(_folder_state(out)) == [MANIFEST, "01_a.ipynb", "zh/01_a.ipynb"]
    zh = nbformat.read(out / "zh" / "01_a.ipynb", as_version=4)
    assert zh.cells[2].source == "answer = ...\nex.check(answer)"
    again = make_student_copies(out, src)  # fresh copies may be replaced by fresh copies
    assert again.written == [out / "01_a.ipynb", out / "zh" / "01_a.ipynb"] and again.kept == []


def _students_edits() -> dict[str, object]:
    """Ways a student changes a copy without running it (no outputs, no solution lines)."""
    def typed(nb):  # an answer typed, not run
        nb.cells[2].source = "answer = 42\nex.check(answer)"

    def notes(nb):  # a note in a markdown cell
        nb.cells[0].source += "\nmy note: ask about this"

    def resaved(nb):  # "Clear All Outputs" then save: JupyterLab writes its own metadata
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def ran(nb):  # a cell run and saved
        nb.cells[1].execution_count = 1
    return {"typed": typed, "notes": notes, "resaved": resaved, "ran": ran}


@pytest.mark.parametrize("edit", _students_edits().values(), ids=_students_edits().keys())
def test_a_second_run_keeps_every_file_changed_since_it_was_written(tmp_path, capsys, edit):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    (src / "zh").mkdir(parents=True)
    nbformat.write(_instructor_notebook(), src / "01_a.ipynb")
    nbformat.write(_instructor_notebook(), src / "zh" / "01_a.ipynb")
    make_student_copies(out, src)
    worked = nbformat.read(out / "zh" / "01_a.ipynb", as_version=4)
    edit(worked)
    nbformat.write(worked, out / "zh" / "01_a.ipynb")
    kept = (out / "zh" / "01_a.ipynb").read_bytes()
    nb = _instructor_notebook()
    nb.cells[0].source = "# Changed by the instructor"
    nbformat.write(nb, src / "01_a.ipynb")  # the course changed: the other copy is refreshed
    assert main([str(out), "--notebooks", str(src)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"wrote {out / '01_a.ipynb'}",
                     f"kept {out / 'zh' / '01_a.ipynb'}: it changed since this tool wrote it (a student's "
                     "work?); --force replaces it"]
    assert (out / "zh" / "01_a.ipynb").read_bytes() == kept
    assert nbformat.read(out / "01_a.ipynb", as_version=4).cells[0].source == "# Changed by the instructor"
    assert main([str(out), "--notebooks", str(src)]) == 0  # still kept the next time
    assert (out / "zh" / "01_a.ipynb").read_bytes() == kept
    assert main([str(out), "--notebooks", str(src), "--force"]) == 0  # with the flag it is replaced
    assert (out / "zh" / "01_a.ipynb").read_bytes() != kept
    assert make_student_copies(out, src).kept == []


def test_files_this_tool_never_wrote_are_kept(tmp_path):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    src.mkdir()
    nbformat.write(_instructor_notebook(), src / "01_a.ipynb")
    out.mkdir()
    (out / "01_a.ipynb").write_text(nbformat.writes(student_notebook(_instructor_notebook())) + " ")
    before = _folder_state(out)
    assert make_student_copies(out, src).kept == [out / "01_a.ipynb"]
    assert _folder_state(out)["01_a.ipynb"] == before["01_a.ipynb"]
    (out / MANIFEST).write_text("{not json")  # a damaged record: nothing is taken as the tool's
    assert make_student_copies(out, src).kept == [out / "01_a.ipynb"]


def test_instructor_notebooks_in_outdir_are_refused(tmp_path, capsys):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    for folder in (src, out):
        folder.mkdir()
        nbformat.write(_instructor_notebook(), folder / "01_a.ipynb")
    before = _folder_state(tmp_path)
    with pytest.raises(ValueError, match=r"outdir .*student holds 01_a.ipynb, which has # SOLUTION lines "
                                         r"\(an instructor notebook\).*--force"):
        make_student_copies(out, src)
    with pytest.raises(SystemExit) as exit_info:
        main([str(out), "--notebooks", str(src)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.startswith("student: error: outdir") and err.count("\n") == 1
    assert _folder_state(tmp_path) == before
    assert main([str(out), "--notebooks", str(src), "--force"]) == 0  # with the flag it is replaced
    assert nbformat.read(out / "01_a.ipynb", as_version=4).cells[2].source == "answer = ...\nex.check(answer)"


def _glossary_course(src: Path) -> None:
    """A small course in ``src``: a glossary, a notebook and its twin, each linking the glossary."""
    (src / "zh").mkdir(parents=True)
    (src / GLOSSARY).write_text("| English | 中文 |\n| --- | --- |\n| patch | 图像块 |\n", encoding="utf-8")
    for path, link in ((src / "01_a.ipynb", GLOSSARY), (src / "zh" / "01_a.ipynb", f"../{GLOSSARY}")):
        nb = _instructor_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell(f"[Glossary]({link})"))
        nbformat.write(nb, path)


def test_the_glossary_is_copied_so_the_copies_links_work(tmp_path, capsys):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    _glossary_course(src)
    assert main([str(out), "--notebooks", str(src)]) == 0
    assert capsys.readouterr().out.count("wrote ") == 3
    assert sorted(_folder_state(out)) == [MANIFEST, "01_a.ipynb", GLOSSARY, "zh/01_a.ipynb"]
    assert (out / GLOSSARY).read_bytes() == (src / GLOSSARY).read_bytes()
    for copy in (out / "01_a.ipynb", out / "zh" / "01_a.ipynb"):
        (link,) = _LINK.findall(nbformat.read(copy, as_version=4).cells[-1].source)
        assert (copy.parent / link).resolve() == (out / GLOSSARY).resolve()
    # the same glossary again: nothing would be lost, so it is replaced without --force
    assert make_student_copies(out, src).written[-1] == out / GLOSSARY
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_a_changed_glossary_in_outdir_is_never_replaced_without_force(tmp_path, capsys):
    src, out = tmp_path / "notebooks", tmp_path / "student"
    _glossary_course(src)
    make_student_copies(out, src)
    (out / GLOSSARY).write_text("my own notes\n", encoding="utf-8")  # someone edited the copy
    (src / GLOSSARY).write_text("a newer glossary\n", encoding="utf-8")  # and the course changed
    assert main([str(out), "--notebooks", str(src)]) == 0
    assert f"kept {out / GLOSSARY}: it changed since this tool wrote it" in capsys.readouterr().out
    assert (out / GLOSSARY).read_text(encoding="utf-8") == "my own notes\n"
    (out / GLOSSARY).unlink()
    (out / GLOSSARY).mkdir()
    before = _folder_state(tmp_path)
    with pytest.raises(ValueError, match="holds a folder GLOSSARY.md, where a copy goes; move it away"):
        make_student_copies(out, src)
    assert _folder_state(tmp_path) == before
    (out / GLOSSARY).rmdir()
    (out / GLOSSARY).write_text("my own notes\n", encoding="utf-8")
    assert main([str(out), "--notebooks", str(src), "--force"]) == 0  # with the flag it is replaced
    assert (out / GLOSSARY).read_bytes() == (src / GLOSSARY).read_bytes()


def _relative_links(nb: nbformat.NotebookNode) -> list[str]:
    """The targets of the markdown links of ``nb`` that point at a file (no URL, no #anchor)."""
    return [target.split("#")[0] for cell in nb.cells if cell.cell_type == "markdown"
            for target in _LINK.findall(cell.source)
            if not target.startswith(("http://", "https://", "#", "mailto:"))]


def test_the_real_copies_keep_every_link_that_works_in_the_course(tmp_path):
    """Every relative link that opens a file from an instructor notebook (the glossary, the other
    edition) opens the same file from its student copy; the glossary itself is copied unchanged."""
    copies = make_student_copies(tmp_path / "student", NOTEBOOKS_DIR).written
    out = tmp_path / "student"
    assert out / GLOSSARY in copies
    assert (out / GLOSSARY).read_bytes() == (NOTEBOOKS_DIR / GLOSSARY).read_bytes()
    checked = 0
    for copy in (c for c in copies if c.suffix == ".ipynb"):
        source = NOTEBOOKS_DIR / copy.relative_to(out)
        for link in _relative_links(nbformat.read(source, as_version=4)):
            target = (source.parent / link).resolve()
            if target.is_relative_to(NOTEBOOKS_DIR.resolve()) and target.exists():
                assert (copy.parent / link).exists(), f"{copy.relative_to(out)}: {link} does not open"
                checked += 1
    assert checked >= len(NOTEBOOKS)  # at least every English notebook's link to the glossary
