"""The drift check on the real course: every committed Chinese twin is in step with its English notebook."""

from __future__ import annotations

import pytest

from convmixer_lab.tools.nbtools import read_notebook
from convmixer_lab.tools.twins import (
    differences,
    english_notebooks,
    twin_path,
)


@pytest.mark.parametrize("english", english_notebooks(), ids=lambda p: p.name)
def test_every_committed_twin_is_in_step(english):
    """The drift check on the real course: every notebook has its Chinese twin, with the same cells,
    code, figures and printed numbers, and every markdown cell translated from the current English."""
    twin = twin_path(english)
    assert twin.exists(), f"no twin for {english.name}: run `python -m convmixer_lab.tools.twins sync`"
    assert differences(read_notebook(english), read_notebook(twin), english.name) == []
