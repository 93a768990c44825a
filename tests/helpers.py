"""What several test files share: reading a stored notebook, and putting an answer to an exercise."""

from __future__ import annotations

import json
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
