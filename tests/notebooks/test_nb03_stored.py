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
from tests.helpers import assert_check_your_understanding, cell_output, cells, code_sources


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


NB03 = NOTEBOOKS / "03_parameter_count.ipynb"








@pytest.mark.parametrize("path", [NB03], ids=lambda p: p.name)
def test_exercises_of_every_kind_and_predictions_before_measurements(path):
    sources = ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "code"]
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
    assert_check_your_understanding(path)
