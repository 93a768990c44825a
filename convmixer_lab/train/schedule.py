"""The learning-rate schedule (one-cycle) and the time budget that plans its length.

A wall-clock budget for training, spent once in total, across interruptions and resumes.

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
machine's load may change. The trainer hands each plan to its schedule (``OneCycle.plan``), which
bends to the new length without a jump, so the learning rate still ends at zero.

A killed run loses only the epoch it was in: ``spent`` counts the epochs stored in its checkpoint, and
the resumed run trains for what is left.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import torch

from convmixer_lab.checks import check_number

__all__ = ["CALIBRATION_STEPS", "RESERVE", "WARMUP_STEPS", "OneCycle", "TimeBudget"]

WARMUP_STEPS, CALIBRATION_STEPS = 5, 20
RESERVE = 0.95  # plan to finish after 95% of the budget; the last 5% absorbs a slower machine


class OneCycle(torch.optim.lr_scheduler.LambdaLR):
    """One-cycle schedule, as a factor of the peak lr, along the run's progress p (0 at the first
    step, 1 at ``total_steps``): a linear warm-up from 1/25 to 1 over the first ``pct_start`` of the
    run, then a cosine down to 0 at the end.

    ``total_steps=None`` holds the factor at 1/25 until the length is known (a time budget plans it
    after timing the first steps). ``plan(total)`` sets or changes the length mid-run: the progress
    made so far is kept, and the rest of it is spread over the steps left, so the rate never jumps
    and still ends at 0. The length and the progress are part of ``state_dict``: a resumed run
    continues the same schedule."""

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int | None,
                 pct_start: float = 0.25) -> None:
        self.total_steps, self.pct_start = total_steps, pct_start
        self.anchor_step, self.anchor_progress = 0, 0.0  # where the current plan took over
        super().__init__(optimizer, self.factor)

    def progress(self, step: int) -> float:
        """How far through the run ``step`` is (0..1) under the current plan."""
        s0, p0, total = self.anchor_step, self.anchor_progress, self.total_steps
        if total is None:
            return p0
        return min(1.0, p0 + (1 - p0) * (step - s0) / max(1, total - s0))

    def factor(self, step: int) -> float:
        p, warm = self.progress(step), self.pct_start
        if p < warm:
            return 1 / 25 + (1 - 1 / 25) * p / warm
        return 0.5 * (1 + math.cos(math.pi * (p - warm) / (1 - warm)))

    def plan(self, total_steps: int) -> None:
        """Make the run ``total_steps`` long, keeping the progress made so far."""
        step = self.last_epoch  # steps taken so far
        self.anchor_step, self.anchor_progress = step, self.progress(step)
        self.total_steps = max(int(total_steps), step)


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
