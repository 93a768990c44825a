"""The one-cycle learning-rate schedule, and the time budget that plans its length: after
``WARMUP_STEPS``, ``CALIBRATION_STEPS`` timed steps say how many fit (less a reserve), redone every epoch."""

import math
import time
from collections.abc import Callable

import torch

from convmixer_lab.checks import check_number

WARMUP_STEPS, CALIBRATION_STEPS = 5, 20
RESERVE = 0.95  # plan to finish after 95% of the budget; the last 5% absorbs a slower machine


class OneCycle(torch.optim.lr_scheduler.LambdaLR):
    """The peak lr times 1/25 to 1 over ``pct_start`` of the run, then a cosine to 0; ``plan(total)``
    sets or changes the length (None: 1/25 until then) keeping the progress made."""

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int | None,
                 pct_start: float = 0.25) -> None:
        self.total_steps, self.pct_start = total_steps, pct_start
        self.anchor_step, self.anchor_progress = 0, 0.0  # where the current plan took over
        super().__init__(optimizer, self.factor)

    def progress(self, step: int) -> float:
        s0, p0, total = self.anchor_step, self.anchor_progress, self.total_steps
        return p0 if total is None else min(1.0, p0 + (1 - p0) * (step - s0) / max(1, total - s0))

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
    """``seconds`` of training in all, ``spent`` already; ``eval_share``: validation's cost per step."""

    def __init__(self, seconds: float, spent: float = 0.0, *, eval_share: float = 0.0,
                 clock: Callable[[], float] = time.perf_counter,
                 sync: Callable[[], None] | None = None) -> None:
        self.seconds = check_number("time_budget", seconds, minimum=0, strict=True)
        self.spent = check_number("spent", spent, minimum=0)
        self.eval_share = check_number("eval_share", eval_share, minimum=0)
        self.clock, self.sync = clock, sync or (lambda: None)
        self.steps_here = 0  # steps taken by this process (calibration restarts in each process)
        self._timed, self._last, self._epoch_start = 0.0, 0.0, None  # seconds timed, last step, epoch start

    def left(self) -> float:
        running = self.clock() - self._epoch_start if self._epoch_start is not None else 0.0
        return self.seconds - self.spent - running

    def out_of_time(self) -> bool:
        return self.left() <= 0

    def start_epoch(self) -> None:
        self._epoch_start = self._last = self.clock()

    def after_step(self, step: int) -> int | None:
        """Count the step just taken (``step`` in all); the planned total when calibrated, else None."""
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
        """The ``step`` done plus as many as fit in the time left before the reserve."""
        more = max(0.0, self.left() - (1 - RESERVE) * self.seconds) / max(seconds_per_step, 1e-9)
        return step + max(1, int(more))

    def replan(self, step: int, steps: int, seconds: float) -> int:
        """``plan`` at the speed of the epoch just run: ``steps`` steps in ``seconds``."""
        return self.plan(step, seconds / max(steps, 1))
