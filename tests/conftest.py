"""Shared test set-up: the one thread fixture.

The tests come in three tiers (README, "Tests"): unit tests that mirror the package
(``make test-fast``), the notebooks and their content, and system tests (subprocesses, kernels,
JupyterLab, the browser, the wheel). ``make test`` runs them all in one pytest call.
"""

from __future__ import annotations

import os

import pytest

# Idle OpenMP threads sleep instead of spinning. When torch shares the cores with other work (a kernel
# beside the test process, JupyterLab and Chromium, a second test worker), spinning threads hold the cores
# that working ones need: a small training loop on 2 threads beside a second one took 63 s of wall time
# with spinning and 5 s without, on a busy 2-core machine. Set before torch is imported; the kernels
# and subprocesses that tests start inherit it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from convmixer_lab.threads import torch_threads  # noqa: E402  (after the variable, which torch reads at import)


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread for a test module (tiny models train faster, and steadily on a shared machine),
    the thread count restored afterwards."""
    with torch_threads(1):
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first: those that hold a slow test, then the notebooks under nbval, then the rest, each
    group in its usual order (and each file's tests in theirs). `make test` runs two pytest-xdist workers
    that take one file at a time: a long file left to the end would run alone while the other idles."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path not in slow_files, item.path.suffix != ".ipynb"))
