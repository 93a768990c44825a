"""The rows of the instructor tools' bad-input table (tests/unit/test_bad_inputs_tools.py) that start a
kernel on a tiny notebook (a failing cell, a time-out): the same check, one row each."""

from __future__ import annotations

import pytest

from tests.unit.test_bad_inputs_tools import CASES
from tests.unit.test_bad_inputs_tools import test_bad_input as check_bad_input

KERNEL_CASES = {name: case for name, case in CASES.items() if case.runs}


@pytest.mark.parametrize("case", KERNEL_CASES.values(), ids=KERNEL_CASES.keys())
def test_bad_input_that_starts_a_kernel(case, tmp_path, monkeypatch, capsys):
    check_bad_input(case, tmp_path, monkeypatch, capsys)
