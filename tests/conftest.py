"""Shared test set-up: the one thread fixture.

The tests come in three tiers (README, "Tests"): unit tests that mirror the package
(``make test-fast``), the notebooks and their content, and system tests (subprocesses, kernels,
JupyterLab, the browser, the wheel). ``make test`` runs them all in one pytest call.
"""

from __future__ import annotations

import pytest

from convmixer_lab.threads import torch_threads


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread for a test module (tiny models train faster, and steadily on a shared machine),
    the thread count restored afterwards."""
    with torch_threads(1):
        yield
