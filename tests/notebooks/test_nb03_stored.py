"""Notebook 03 as stored: exercises of every kind, predictions before measurements, and the check of
understanding with its answers for the instructor only."""

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn

from convmixer_lab.counting import conv_macs, count_parameters
from convmixer_lab.exercises import EXERCISES, exercise, nb03
from convmixer_lab.model import Residual
from convmixer_lab.texts import set_language


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


NB03 = NOTEBOOKS / "03_parameter_count.ipynb"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _code_sources(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]


def _cell_output(path: Path, marker: str) -> str:
    (cell,) = [c for c in _cells(path) if c["cell_type"] == "code" and marker in "".join(c["source"])]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


@pytest.mark.parametrize("path", [NB03], ids=lambda p: p.name)
def test_exercises_of_every_kind_and_predictions_before_measurements(path):
    sources = ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code"]
    keys = [k for src in sources for k in re.findall(r'exercise\("([^"]+)"\)', src)]
    assert len(keys) >= 4 and len(set(keys)) == len(keys)
    assert {"predict", "experiment", "why"} <= {EXERCISES[k].kind for k in keys}
    for key in (k for k in keys if EXERCISES[k].kind == "predict"):
        start = next(i for i, s in enumerate(sources) if f'exercise("{key}")' in s)
        predict = next(i for i, s in enumerate(sources) if i > start and "ex.predict(" in s)
        reveal = next(i for i, s in enumerate(sources) if i > start and "ex.reveal(" in s)
        assert start < predict < reveal, f"{path.name} {key}: predict before the measuring cell"


@pytest.mark.parametrize("path", [NB03], ids=lambda p: p.name)
def test_check_your_understanding_then_instructor_answers(path):
    cells = _cells(path)
    i = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Check your understanding"))
    questions = re.findall(r"^\d+\. ", "".join(cells[i]["source"]), flags=re.M)
    assert 5 <= len(questions) <= 8
    answers = cells[i + 1]
    assert answers["cell_type"] == "markdown" and answers["metadata"].get("tags") == ["instructor"]
    assert len(re.findall(r"^\d+\. ", "".join(answers["source"]), flags=re.M)) == len(questions)
    assert sum("instructor" in c["metadata"].get("tags", []) for c in cells) == 1
    assert any("".join(c["source"]).startswith("## Summary") for c in cells[:i])
