"""What several test files share: reading a stored notebook, and putting an answer to an exercise."""

from __future__ import annotations

import json
import re
from pathlib import Path

from convmixer_lab.exercises import exercise


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def code_sources(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "code"]


def cell_output(path: Path, marker: str) -> str:
    """The printed text of the one code cell whose source holds ``marker``."""
    (cell,) = [c for c in cells(path) if c["cell_type"] == "code" and marker in "".join(c["source"])]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def verdict(key: str, answer, capsys) -> tuple[bool, str]:
    """Check ``answer`` (predict exercises: predict, then reveal the expected value): (ok, printed)."""
    ex = exercise(key)
    if ex.kind == "predict":
        ex.predict(answer)
        ok = ex.reveal(ex.answer)
    else:
        ok = ex.check(answer)
    return ok, capsys.readouterr().out


def refused_with(key: str, answer, capsys) -> str:
    """Assert ``answer`` is refused with a reason and return what was printed."""
    ok, out = verdict(key, answer, capsys)
    said = "not what you predicted - " if exercise(key).kind == "predict" else "not quite - "
    assert ok is False and said in out, f"{key} accepted {answer!r} or gave no reason: {out!r}"
    return out


def accepted(key: str, answer, capsys) -> None:
    ok, out = verdict(key, answer, capsys)
    assert ok is True, out


def assert_check_your_understanding(path: Path) -> None:
    """5-8 questions under "Check your understanding", after the Summary, answered in the one next cell
    tagged instructor (which ``make student`` leaves out)."""
    nb = cells(path)
    i = next(i for i, c in enumerate(nb) if "".join(c["source"]).startswith("## Check your understanding"))
    questions = re.findall(r"^\d+\. ", "".join(nb[i]["source"]), flags=re.M)
    assert 5 <= len(questions) <= 8
    answers = nb[i + 1]
    assert answers["cell_type"] == "markdown" and answers["metadata"].get("tags") == ["instructor"]
    assert len(re.findall(r"^\d+\. ", "".join(answers["source"]), flags=re.M)) == len(questions)
    assert sum("instructor" in c["metadata"].get("tags", []) for c in nb) == 1
    assert any("".join(c["source"]).startswith("## Summary") for c in nb[:i])
