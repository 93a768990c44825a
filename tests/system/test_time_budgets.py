"""Runs that spend a real time budget (4 wall-seconds for fit, 2 CPU-seconds for run_config): moved out
of tests/unit because the budget is the test's duration (make test-fast stays under 60 s). The
fixtures and helpers are the unit tests' own."""

from __future__ import annotations

import pytest

from convmixer_lab.compare import run_config
from convmixer_lab.train import read_checkpoint_state
from convmixer_lab.train.schedule import CALIBRATION_STEPS, WARMUP_STEPS
from tests.unit.test_compare import TINY, data  # noqa: F401 (data: a fixture)
from tests.unit.test_train import run, tiny_data, tiny_model  # noqa: F401 (tiny_data: a fixture)

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def test_time_budgeted_fit_ends_on_its_planned_length_with_the_rate_near_zero(tiny_data, tmp_path):  # noqa: F811 (the fixture)
    rates = []
    history = run(tiny_model(), tiny_data, time_budget=4.0, checkpoint_path=tmp_path / "last.pt",
                  on_step=lambda step, lr: rates.append(lr))
    scheduler = read_checkpoint_state(tmp_path / "last.pt", resumable=True)["training"]["scheduler"]
    assert scheduler["total_steps"] == scheduler["last_epoch"] == len(rates)
    assert len(rates) > WARMUP_STEPS + CALIBRATION_STEPS
    assert rates[0] == pytest.approx(0.02 / 25) and max(rates) > 0.9 * 0.02
    assert rates[-1] < 0.01 * 0.02  # the cosine has come down
    assert history["epoch"][-1] == pytest.approx(len(rates) / 5, abs=1e-3)


def test_run_config_with_a_time_budget(data):  # noqa: F811 (the fixture)
    record = run_config(TINY, 0, 2.0, data)
    assert record["time_budget"] == 2.0 and record["epochs"] > 0 and record["steps"] >= 1
    assert record["seconds"] <= 2.0  # CPU-seconds counted by the budget (its 5% reserve absorbs overruns)
