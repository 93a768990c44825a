"""The course as an nbgrader course (convmixer_lab.tools.nbgrader), graded with nbgrader's own commands.

The fast tests read the generated notebooks; the slow ones run ``nbgrader generate_assignment``,
``autograde`` and ``generate_feedback`` in subprocesses, offline, and autograde notebook 01 only
(05 and 06 train for minutes).
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convmixer_lab.exercises import core, exercise, load_all
from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.texts import set_language, t
from convmixer_lab.tools import nbgrader as tool

NOTEBOOKS = REPO_ROOT / "notebooks"
NB01 = "01_patch_embedding"


def _cells(nb: nbformat.NotebookNode, what: str) -> dict[str, nbformat.NotebookNode]:
    """The cells of ``nb`` that are answers (``what="solution"``) or tests (``"grade"``), by grade id."""
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata["nbgrader"].get(what)}


def _keys(number: str) -> list[str]:
    return sorted(key for key in load_all() if key.startswith(f"{number}."))


# --- grading mode --------------------------------------------------------------------------------

@pytest.fixture
def grading():
    set_language("en")
    core.set_grading(True)
    yield
    core.set_grading(False)
    exercise("01.1").prediction = None


def test_grading_mode_raises_the_verdict_and_the_hint(grading, capsys):
    ex = exercise("01.3")
    hint = t("core.hint", key="01.3", text=t("01.3.hint"))
    with pytest.raises(AssertionError) as wrong:
        ex.check("a")
    reason = exercise("01.3").text("wrong.a").rstrip(" .")
    assert str(wrong.value) == t("core.not_quite_because", key="01.3", reason=reason) + "\n" + hint
    with pytest.raises(AssertionError) as blank:
        ex.check(...)
    assert str(blank.value) == t("core.not_answered", key="01.3") + "\n" + hint
    assert ex.check("b") is True
    assert capsys.readouterr().out == t("core.correct", key="01.3") + "\n"


def test_grading_mode_reveal_without_or_with_a_wrong_prediction_raises(grading, capsys):
    ex = exercise("01.1")
    ex.prediction = None
    with pytest.raises(AssertionError, match=r"^Exercise 01\.1: measured 1\.0; you have not made a "
                                             r"prediction yet\.\nHint for 01\.1: "):
        ex.reveal(1.0)
    ex.predict(2.0)
    with pytest.raises(AssertionError, match=r"^Exercise 01\.1: not what you predicted - too large"):
        ex.reveal(1.0)
    ex.predict(1.0)
    assert ex.reveal(1.0) is True


def test_students_see_todays_verdicts_when_grading_is_off(capsys):
    set_language("en")
    assert core.GRADING is False
    assert exercise("01.3").check(...) is False
    assert capsys.readouterr().out == t("core.not_answered", key="01.3") + "\n"


# --- the generated course (no nbgrader command) ----------------------------------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("course") / "nbgrader"
    tool.main([str(out)])
    return out


def test_every_notebook_of_both_editions_is_an_assignment(course):
    english = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(english) == 6
    expected = sorted(english + [f"zh_{name}" for name in english])
    assert sorted(p.name for p in (course / "source").iterdir()) == expected
    for name in expected:
        folder = course / "source" / name
        notebook = name.removeprefix("zh_") + ".ipynb"
        assert sorted(p.name for p in folder.iterdir()) == sorted(["GLOSSARY.md", notebook])
    assert "c.Execute.timeout = 600" in (course / "nbgrader_config.py").read_text()


@pytest.mark.parametrize("edition", ["", "zh_"])
def test_each_exercise_is_one_answer_cell_and_one_test_cell_with_its_points(course, edition):
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        number = path.name[:2]
        nb = nbformat.read(course / "source" / f"{edition}{path.stem}" / path.name, as_version=4)
        keys = _keys(number)
        assert sorted(_cells(nb, "solution")) == [f"answer_{k.replace('.', '_')}" for k in keys]
        tests = _cells(nb, "grade")
        assert sorted(tests) == [f"test_{k.replace('.', '_')}" for k in keys]
        for key in keys:
            assert tests[f"test_{key.replace('.', '_')}"].metadata["nbgrader"]["points"] == \
                tool.POINTS[exercise(key).kind]
        for cell in nb.cells:  # every other cell is locked; answers are the only unlocked ones
            meta = cell.metadata["nbgrader"]
            assert meta["locked"] is not meta["solution"], cell.source
            assert "instructor" not in cell.metadata.get("tags", [])
            assert (tool.BEGIN in cell.source) is meta["solution"]
            assert "# SOLUTION" not in cell.source.replace(tool.BEGIN, "").replace(tool.END, "")
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert first.source.endswith("\n".join(tool.GRADING_LINES))


def test_answer_cell_keeps_the_student_placeholder_before_the_solution(course):
    nb = nbformat.read(course / "source" / NB01 / f"{NB01}.ipynb", as_version=4)
    answers, tests = _cells(nb, "solution"), _cells(nb, "grade")
    assert answers["answer_01_3"].source == 'answer = ...\n### BEGIN SOLUTION\nanswer = "b"\n### END SOLUTION'
    assert tests["test_01_3"].source == "ex.check(answer);"
    assert answers["answer_01_4"].source.startswith("def patchify(x, p):\n    ...\n    ### BEGIN SOLUTION\n")
    assert tests["test_01_1"].source.endswith("ex.reveal(macs14 / stem_macs);")


def test_points_per_notebook(course, capsys):
    english = {"01_patch_embedding": 6, "02_depthwise_vs_pointwise": 7, "03_parameter_count": 7,
               "04_full_model": 8, "05_train_small_convmixer": 6, "06_are_patches_all_you_need": 7}
    points, done = tool.write_course(course.parent / "again")
    assert len(done.written) == 2 + 2 * 12 and done.kept == []  # config, SETUP.md; notebook, glossary x 12
    assert points == {**english, **{f"zh_{name}": total for name, total in english.items()}}
    assert sum(points.values()) == 2 * sum(tool.POINTS[ex.kind] for ex in load_all().values())


def test_links_point_at_the_sibling_assignments(course):
    nb = nbformat.read(course / "source" / f"zh_{NB01}" / f"{NB01}.ipynb", as_version=4)
    last = nb.cells[-1].source
    assert "](GLOSSARY.md)" in last and f"](../{NB01}/{NB01}.ipynb)" in last and "../GLOSSARY" not in last


def test_a_folder_it_did_not_write_is_refused_without_force(course, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "gradebook.db").write_bytes(b"grades")
    with pytest.raises(SystemExit) as refused:
        tool.main([str(other)])
    err = capsys.readouterr().err
    assert refused.value.code == 2 and err.count("\n") == 1
    assert err.startswith(f"nbgrader: error: course folder {other} is not empty and holds no {tool.MANIFEST}")
    assert sorted(p.name for p in other.iterdir()) == ["gradebook.db"]
    assert tool.main([str(other), "--force"]) == 0  # writes its files, keeps the others
    assert (other / "gradebook.db").read_bytes() == b"grades"
    assert (other / "nbgrader_config.py").read_bytes() == (course / "nbgrader_config.py").read_bytes()
    with pytest.raises(SystemExit):
        tool.main([str(course / "nbgrader_config.py"), "--force"])
    assert "nbgrader_config.py is a file, not a folder" in capsys.readouterr().err


def test_a_second_run_keeps_the_instructors_edits_unless_force(course, capsys):
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    config, notebook = course / "nbgrader_config.py", course / "source" / NB01 / f"{NB01}.ipynb"
    (course / "gradebook.db").write_bytes(b"grades")
    config.write_text(config.read_text() + "c.Execute.timeout = 1200  # my edit\n")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source += "\nMy note to the class."
    nbformat.write(nb, notebook)
    edited = {config: config.read_bytes(), notebook: notebook.read_bytes()}
    capsys.readouterr()
    assert tool.main([str(course)]) == 0
    kept = [line for line in capsys.readouterr().out.splitlines() if line.startswith("kept ")]
    assert kept == [f"kept {path}: it changed since this command wrote it (your edit?); --force replaces it"
                    for path in (notebook, config)]
    assert all(path.read_bytes() == data for path, data in edited.items())
    assert all(p.read_bytes() == data for p, data in before.items() if p not in edited)
    assert tool.main([str(course), "--force"]) == 0  # the edits are replaced, the gradebook is not touched
    assert "kept " not in capsys.readouterr().out
    assert (course / "gradebook.db").read_bytes() == b"grades"
    assert all(p.read_bytes() == data for p, data in before.items())
    (course / "gradebook.db").unlink()


# --- nbgrader's own commands -----------------------------------------------------------------------

def nbgrader(course: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course`` with this environment (its kernel imports this checkout)."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PATH=f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ.get('PATH', '')}", JUPYTER_CONFIG_DIR=str(course / ".jupyter"))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, text=True,
                          capture_output=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def released(course) -> Path:
    nbgrader(course, "generate_assignment", "*")
    return course


@pytest.mark.slow
def test_every_assignment_goes_through_generate_assignment(released):
    for source in sorted((released / "source").glob("*/*.ipynb")):
        release = released / "release" / source.parent.name / source.name
        nb = nbformat.read(release, as_version=4)
        assert len(_cells(nb, "solution")) == len(_keys(source.name[:2])) > 0
        assert len(_cells(nb, "grade")) == len(_keys(source.name[:2]))
        assert not any(tool.BEGIN in c.source or "# SOLUTION" in c.source for c in nb.cells)
        locked = [c for c in nb.cells if c.metadata["nbgrader"]["locked"]]
        assert all(c.metadata.get("editable") is False and c.metadata.get("deletable") is False
                   for c in locked)


def _submit(course: Path, student: str, assignment: str, change) -> None:
    """A submission of ``assignment`` by ``student``: the released notebook with ``change(nb, sources)``
    applied (``sources``: the source notebook's answer cells by grade id)."""
    name = assignment.removeprefix("zh_")
    nb = nbformat.read(course / "release" / assignment / f"{name}.ipynb", as_version=4)
    source = nbformat.read(course / "source" / assignment / f"{name}.ipynb", as_version=4)
    sources = _cells(source, "solution")
    change(nb, sources)
    (course / "submitted" / student / assignment).mkdir(parents=True)
    nbformat.write(nb, course / "submitted" / student / assignment / f"{name}.ipynb")


def _answer(nb, sources, wrong: dict[str, str] | None = None) -> None:
    """Fill every answer cell with the solution, except those in ``wrong`` (grade id -> source)."""
    for grade_id, cell in _cells(nb, "solution").items():
        cell.source = (wrong or {}).get(grade_id, sources[grade_id].source)


def _tamper(nb, sources) -> None:
    """Wrong answers for 01.2 and 01.3, whose test cells are edited (01.2) and deleted (01.3)."""
    _answer(nb, sources, wrong={"answer_01_2": 'answer = "a"', "answer_01_3": 'answer = "c"'})
    _cells(nb, "grade")["test_01_2"].source = "print('checked')"
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] != "test_01_3"]


def _scores(course: Path, assignment: str, students: list[str]) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: {g.name: g.score for g in gradebook.find_submission(assignment, s).notebooks[0].grades}
                for s in students}


def _text(course: Path, student: str, assignment: str) -> str:
    name = assignment.removeprefix("zh_")
    page = (course / "feedback" / student / assignment / f"{name}.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.slow
def test_autograde_and_feedback_of_notebook_01(released):
    course = released
    _submit(course, "solved", NB01, _answer)
    _submit(course, "blank", NB01, lambda nb, sources: None)
    _submit(course, "one_wrong", NB01, lambda nb, s: _answer(nb, s, wrong={"answer_01_3": 'answer = "a"'}))
    _submit(course, "tampered", NB01, _tamper)
    done = nbgrader(course, "autograde", NB01)
    log = done.stdout + done.stderr
    full = {f"test_{k.replace('.', '_')}": float(tool.POINTS[exercise(k).kind]) for k in _keys("01")}
    scores = _scores(course, NB01, ["solved", "blank", "one_wrong", "tampered"])
    assert scores["solved"] == full
    assert scores["blank"] == dict.fromkeys(full, 0.0)
    assert scores["one_wrong"] == dict(full, test_01_3=0.0)  # 01.3 ("why") is worth 1 of the 6
    # the edited test cell was put back as released, the deleted one re-added; both ran and failed
    assert scores["tampered"] == dict(full, test_01_2=0.0, test_01_3=0.0)
    assert "Attribute 'checksum' for cell test_01_2 has changed!" in log
    assert "Missing grade cell test_01_3 encountered, adding to notebook" in log

    nbgrader(course, "export", "--to", "grades.csv")
    rows = {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open())
            if row["assignment"] == NB01}
    assert {name: float(row["score"]) for name, row in rows.items()} == \
        {"solved": 6.0, "blank": 0.0, "one_wrong": 5.0, "tampered": 3.0}

    nbgrader(course, "generate_feedback", NB01)
    set_language("en")
    blank, wrong = _text(course, "blank", NB01), _text(course, "one_wrong", NB01)
    for key in _keys("01"):
        hint = exercise(key).first_hint()
        unanswered = "measured_no_prediction" if exercise(key).kind == "predict" else "not_answered"
        verdict = t(f"core.{unanswered}", key=key, measured="1.0")
        assert f"AssertionError: {verdict}\n{hint}" in blank, key
    reason = exercise("01.3").text("wrong.a").rstrip(" .")
    assert f"AssertionError: {t('core.not_quite_because', key='01.3', reason=reason)}" in wrong
    assert wrong.count("AssertionError: ") == 1


@pytest.mark.slow
def test_release_fetch_submit_collect_through_an_exchange(released, tmp_path):
    """The classroom round trip (nbgrader's exchange, here a folder): what a student submits is what
    the instructor collects."""
    course, exchange, home = released, f"--Exchange.root={tmp_path / 'exchange'}", tmp_path / "student"
    home.mkdir()
    nbgrader(course, "release_assignment", f"zh_{NB01}", exchange)
    nbgrader(home, "fetch_assignment", f"zh_{NB01}", "--course", tool.COURSE_ID, exchange)
    fetched = home / f"zh_{NB01}" / f"{NB01}.ipynb"
    nb = nbformat.read(fetched, as_version=4)
    _cells(nb, "solution")["answer_01_3"].source = 'answer = "b"'
    nbformat.write(nb, fetched)
    nbgrader(home, "submit", f"zh_{NB01}", "--course", tool.COURSE_ID, exchange)
    nbgrader(course, "collect", f"zh_{NB01}", exchange)
    (collected,) = (course / "submitted").glob(f"*/zh_{NB01}/{NB01}.ipynb")
    assert _cells(nbformat.read(collected, as_version=4), "solution")["answer_01_3"].source == 'answer = "b"'
    shutil.rmtree(collected.parent.parent)  # the other tests make their own submissions


@pytest.mark.slow
def test_a_chinese_assignment_is_graded_in_chinese(released):
    course, assignment = released, f"zh_{NB01}"
    _submit(course, "zh_student", assignment,
            lambda nb, s: _answer(nb, s, wrong={"answer_01_3": 'answer = "a"'}))
    nbgrader(course, "autograde", assignment)
    scores = _scores(course, assignment, ["zh_student"])["zh_student"]
    assert scores == {"test_01_1": 1.0, "test_01_2": 2.0, "test_01_3": 0.0, "test_01_4": 2.0}
    nbgrader(course, "generate_feedback", assignment)
    set_language("zh")
    try:
        reason = exercise("01.3").text("wrong.a").rstrip(" .。")
        verdict = t("core.not_quite_because", key="01.3", reason=reason)
        expected = f"{verdict}\n{exercise('01.3').first_hint()}"
    finally:
        set_language("en")
    assert f"AssertionError: {expected}" in _text(course, "zh_student", assignment)


def test_the_command_the_issue_names_runs_the_tool(tmp_path):
    """``python -m convmixer_lab.nbgrader OUT`` (issue 18's name) is the instructor tool, not a copy of it."""
    out = tmp_path / "course"
    done = subprocess.run([sys.executable, "-m", "convmixer_lab.nbgrader", str(out)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "nbgrader_config.py").is_file() and (out / "source" / "zh_01_patch_embedding").is_dir()
    refused = subprocess.run([sys.executable, "-m", "convmixer_lab.nbgrader", ""], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
