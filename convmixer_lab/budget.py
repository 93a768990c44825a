"""A wall-clock budget for training, spent once in total, across interruptions and resumes.

    budget = TimeBudget(60.0, spent=sum(history["seconds"]))  # seconds already trained count
    budget.start_epoch()
    plan = budget.after_step(step)          # after every step: the planned total steps, once calibrated
    seconds = budget.end_epoch()            # the epoch's wall time (validation included) is now spent
    plan = budget.replan(step, steps, seconds)

**Calibrate.** In every process the first ``WARMUP_STEPS`` steps are not timed (allocations and caches
warm up); the next ``CALIBRATION_STEPS`` are. Their mean time, plus each step's share of the validation
pass, says how many steps fit in what is left of the budget, less a reserve of ``1 - RESERVE`` of the
whole budget (a slower stretch at the end then still finishes the plan in time).
**Re-plan.** After every epoch, at the speed that epoch really ran (validation included), since the
machine's load may change. The trainer hands each plan to its schedule (``train.OneCycle.plan``), which
bends to the new length without a jump, so the learning rate still ends at zero.

A killed run loses only the epoch it was in: ``spent`` counts the epochs stored in its checkpoint, and
the resumed run trains for what is left.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from convmixer_lab.checks import check_number

__all__ = ["CALIBRATION_STEPS", "RESERVE", "WARMUP_STEPS", "TimeBudget"]

WARMUP_STEPS, CALIBRATION_STEPS = 5, 20
RESERVE = 0.95  # plan to finish after 95% of the budget; the last 5% absorbs a slower machine


class TimeBudget:
    """``seconds`` of training in total, of which ``spent`` are already used (by a run being resumed).

    ``eval_share``: the validation pass's cost per training step, as a fraction of a step (the trainer
    sets it from the sizes of the two sets). ``clock`` and ``sync`` (wait for the GPU) are replaceable
    for tests and devices."""

    def __init__(self, seconds: float, spent: float = 0.0, *, eval_share: float = 0.0,
                 clock: Callable[[], float] = time.perf_counter,
                 sync: Callable[[], None] | None = None) -> None:
        self.seconds = check_number("time_budget", seconds, minimum=0, strict=True)
        self.spent = check_number("spent", spent, minimum=0)
        self.eval_share = check_number("eval_share", eval_share, minimum=0)
        self.clock, self.sync = clock, sync or (lambda: None)
        self.steps_here = 0  # steps taken by this process (calibration restarts in each process)
        self._timed = 0.0
        self._epoch_start: float | None = None
        self._last = 0.0

    def left(self) -> float:
        """Seconds of the budget still unspent, counting the epoch running now."""
        running = self.clock() - self._epoch_start if self._epoch_start is not None else 0.0
        return self.seconds - self.spent - running

    def out_of_time(self) -> bool:
        return self.left() <= 0

    def start_epoch(self) -> None:
        self._epoch_start = self._last = self.clock()

    def after_step(self, step: int) -> int | None:
        """Count the step just taken (``step`` steps in all). Returns the planned total number of
        steps at the end of calibration, else None."""
        if self.steps_here < WARMUP_STEPS + CALIBRATION_STEPS:
            self.sync()  # a GPU runs ahead of Python: time what it has really done
        now = self.clock()
        self.steps_here += 1
        if WARMUP_STEPS < self.steps_here <= WARMUP_STEPS + CALIBRATION_STEPS:
            self._timed += now - self._last
        self._last = now
        if self.steps_here == WARMUP_STEPS + CALIBRATION_STEPS:
            return self.plan(step, self._timed / CALIBRATION_STEPS * (1 + self.eval_share))
        return None

    def end_epoch(self) -> float:
        """The epoch's wall time, now added to ``spent``."""
        seconds = self.clock() - self._epoch_start
        self.spent += seconds
        self._epoch_start = None
        return seconds

    def plan(self, step: int, seconds_per_step: float) -> int:
        """Total steps: the ``step`` done plus as many as fit in the time left before the reserve."""
        more = max(0.0, self.left() - (1 - RESERVE) * self.seconds) / max(seconds_per_step, 1e-9)
        return step + max(1, int(more))

    def replan(self, step: int, steps: int, seconds: float) -> int:
        """``plan`` at the speed of the epoch just run: ``steps`` steps in ``seconds``."""
        return self.plan(step, seconds / max(steps, 1))
