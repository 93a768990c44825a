"""Shared test set-up.

tests/test_i18n.py's checks marked ``i18n_last`` run after every other test of the session: the
package's own tests drive every exercise, explorer and table, and ``convmixer_lab.i18n.SEEN`` records
each English text they made the package print; those checks then ask that each has its Chinese (and,
when the whole tests/ folder ran, that no Chinese entry is left unused).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from convmixer_lab import i18n

TESTS = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "i18n_last: runs after every other test (tests/conftest.py)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    last = [item for item in items if item.get_closest_marker("i18n_last")]
    items[:] = [item for item in items if not item.get_closest_marker("i18n_last")] + last
    collected = {Path(str(item.fspath)).name for item in items}
    every_test_file = {path.name for path in TESTS.glob("test_*.py")}
    config.stash[FULL_RUN] = every_test_file <= collected


FULL_RUN = pytest.StashKey[bool]()


@pytest.fixture
def full_run(request: pytest.FixtureRequest) -> bool:
    """Whether this session collected every test file in tests/ (so every text was driven)."""
    return request.config.stash.get(FULL_RUN, False)


@pytest.fixture
def private_texts():
    """For tests that make the package print texts of their own (made-up exercises): what they
    print is forgotten afterwards, so it is not asked to have a Chinese translation; the package's
    own texts among it (the verdict templates, which the catalogue holds) are kept."""
    before = set(i18n.SEEN)
    yield
    kept = {text for text in i18n.SEEN if text in i18n.ZH}
    i18n.SEEN.clear()
    i18n.SEEN.update(before | kept)
