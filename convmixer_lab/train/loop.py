"""The training loop: ``fit(model, data["train"], data["val"], Settings(epochs=3))`` trains in-memory
tensors batched in a seeded order with AdamW, a one-cycle schedule and label smoothing; no files."""

import math
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from convmixer_lab.augment import augment_batch, draw
from convmixer_lab.checks import check_bool, check_int, check_number, check_positive_int
from convmixer_lab.texts import t
from convmixer_lab.train.schedule import OneCycle, TimeBudget

SEED_MAX = 2**32 - 1  # numpy's seeds stop here (torch's go to 2**64 - 1): seeds are 0 .. SEED_MAX
# Far above any course run, low enough that every estimate from them stays a float.
EPOCHS_MAX, BATCH_MAX, BUDGET_MAX = 10_000, 10**8, 7 * 24 * 3600
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
HISTORY_KEYS = ("epoch", "loss", "train_accuracy", "val_accuracy", "seconds")


@dataclass(frozen=True)
class Settings:
    """How ``fit`` trains, checked here only; ``time_budget`` (seconds) replaces ``epochs``."""

    epochs: int = 3
    batch_size: int = 128
    lr: float = 0.01
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    augment: bool = False
    seed: int = 0
    time_budget: float | None = None
    clock: Callable[[], float] = field(default=time.perf_counter, compare=False)

    def __post_init__(self) -> None:
        check_positive_int("epochs", self.epochs, maximum=EPOCHS_MAX)
        check_positive_int("batch_size", self.batch_size, maximum=BATCH_MAX)
        check_number("lr", self.lr, minimum=0, strict=True)
        check_number("weight_decay", self.weight_decay, minimum=0)
        check_number("label_smoothing", self.label_smoothing, minimum=0, maximum=0.99)
        check_bool("augment", self.augment)
        check_int("seed", self.seed, minimum=0, maximum=SEED_MAX)
        if self.time_budget is not None:
            check_number("time_budget", self.time_budget, minimum=0, strict=True, maximum=BUDGET_MAX,
                         hint="seconds of training")
        if not callable(self.clock):
            raise TypeError(f"clock must be a function that returns seconds (time.perf_counter or "
                            f"time.process_time), got {type(self.clock).__name__}")

    def record(self, n_train: int) -> dict[str, Any]:
        """The settings as a checkpoint stores them (without the clock)."""
        stored = {k: v for k, v in asdict(self).items() if k != "clock"}
        return {**stored, "n_train": check_positive_int("n_train", n_train)}


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a CPU ``torch.Generator`` seeded the same way."""
    seed = check_int("seed", seed, minimum=0, maximum=SEED_MAX)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA, else Apple MPS, else the CPU; or the named device, which this machine must have."""
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if mps else "cpu"
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        chosen = None
    if chosen is None or chosen.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be auto, cpu, cuda, cuda:N or mps, got {device!r}")
    gpus = torch.cuda.device_count()
    if chosen.type == "cuda" and (chosen.index or 0) >= gpus:
        has = f"{gpus} CUDA GPU(s), numbered from 0" if gpus else f"no CUDA GPU (torch {torch.__version__})"
        raise ValueError(f"device={device!r}, but this machine has {has}; use device='auto' or 'cpu'")
    if chosen.type == "mps" and not mps:
        raise ValueError(f"device={device!r}, but Apple's MPS is not available here; use 'auto' or 'cpu'")
    return chosen


@contextmanager
def _kept_modes(model: nn.Module, batch_statistics: bool) -> Iterator[None]:
    """Eval mode inside (BatchNorm on batch statistics if asked, storing nothing); modes restored after."""
    saved = [(m, m.training, getattr(m, "track_running_stats", None)) for m in model.modules()]
    model.eval()
    for m in model.modules():
        if batch_statistics and isinstance(m, BATCH_NORMS):
            m.training, m.track_running_stats = True, False  # normalise by the batch, store nothing
    try:
        yield
    finally:
        for m, training, tracking in saved:
            m.training = training
            if tracking is not None:
                m.track_running_stats = tracking


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 100,
            batch_statistics: bool = False) -> torch.Tensor:
    """Logits [N, classes] on the CPU, in eval mode (``batch_statistics``: BatchNorm as in training).
    100 images at a time: on a CPU about twice as fast as 1,000 (the activations stay in cache)."""
    batch_size = check_positive_int("batch_size", batch_size)
    device = next(model.parameters()).device
    with _kept_modes(model, batch_statistics):
        return torch.cat([model(x[i:i + batch_size].to(device)).float().cpu()
                          for i in range(0, len(x), batch_size)])


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 100,
             batch_statistics: bool = False) -> float:
    """Accuracy (0..1) on images ``x`` [N, 1, H, W] with labels ``y`` [N] (modes as in ``predict``)."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must be non-empty and of the same length, got {len(x)} and {len(y)}")
    logits = predict(model, x, batch_size, batch_statistics)
    return (logits.argmax(1) == y.cpu()).float().mean().item()


def confusion_counts(labels: torch.Tensor, predicted: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """The confusion matrix [classes, classes]: row = the true class, column = the predicted one."""
    classes = check_positive_int("classes", classes)
    labels, predicted = torch.as_tensor(labels).cpu().long(), torch.as_tensor(predicted).cpu().long()
    both = torch.cat([labels.flatten(), predicted.flatten()])
    in_range = len(both) == 0 or 0 <= both.min() <= both.max() < classes
    if labels.shape != predicted.shape or labels.dim() != 1 or not in_range:
        raise ValueError(f"labels and predicted must be 1-D, of the same length, with classes "
                         f"0..{classes - 1}; got shapes {list(labels.shape)} and {list(predicted.shape)}")
    return torch.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                    settings: Settings | None = None, *, generator: torch.Generator | None = None,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    after_step: Callable[[torch.Tensor], bool | None] | None = None) -> dict[str, float]:
    """One pass over ``x``, ``y`` in an order drawn from ``generator``; ``after_step(loss)`` returning True
    ends the epoch. Returns the mean loss, the running training accuracy and the number of steps."""
    s = settings or Settings()
    device, n = x.device, len(x) - (len(x) % s.batch_size == 1 and batch_of_one_fails(model, x))
    order = torch.randperm(len(x), generator=generator).to(device)
    choices = draw(len(x), generator, size=x.shape[-1]).to(device) if s.augment else None
    model.train()
    sums, steps = torch.zeros(2, device=device), 0  # summed loss and correct predictions (no sync)
    for start in range(0, n, s.batch_size):
        idx = order[start:min(start + s.batch_size, n)]
        xb, yb = x[idx], y[idx]
        if choices is not None:
            xb = augment_batch(xb, choices[start:start + len(idx)])
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=s.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        sums += torch.stack([loss.detach() * len(yb), (logits.argmax(1) == yb).sum()])
        steps += 1
        if after_step is not None and after_step(loss.detach()):
            break
    seen = min(steps * s.batch_size, n)
    loss_sum, correct = sums.tolist()
    return dict(loss=loss_sum / seen, train_accuracy=correct / seen, steps=steps)


def batch_of_one_fails(model: nn.Module, x: torch.Tensor) -> bool:
    """Whether ``model`` refuses one image in training mode (BatchNorm on a 1x1 grid); it is unchanged."""
    try:
        with _kept_modes(model, batch_statistics=True), torch.no_grad():
            model(x[:1])
    except ValueError:
        return True
    return False


class Trainer:
    """What ``fit`` trains with: model and data on the device, AdamW, the schedule, the history."""

    def __init__(self, model: nn.Module, train: tuple[torch.Tensor, torch.Tensor],
                 val: tuple[torch.Tensor, torch.Tensor] | None = None, settings: Settings | None = None,
                 device: str = "auto") -> None:
        s = self.settings = Settings() if settings is None else settings
        if not isinstance(s, Settings):
            raise TypeError(f"settings must be a Settings(...), got {type(s).__name__}")
        (x, y), val = _checked_pair("train", train), _checked_pair("val", val) if val is not None else None
        self.device, self.generator = pick_device(device), seed_everything(s.seed)
        self.model = model.to(self.device)
        self.train = x.to(self.device), y.to(self.device)
        self.val = (val[0].to(self.device), val[1].to(self.device)) if val is not None else None
        self.steps_per_epoch = _steps_per_epoch(model, x, s.batch_size)
        self.optimizer = torch.optim.AdamW(model.parameters(), s.lr, weight_decay=s.weight_decay,
                                           fused=self.device.type == "cuda")
        self.scheduler = OneCycle(self.optimizer,
                                  None if s.time_budget is not None else s.epochs * self.steps_per_epoch)
        self.history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}

    def record(self) -> dict[str, Any]:
        return self.settings.record(len(self.train[0]))

    def run(self, progress: bool = True, on_step: Callable[[int, float], None] | None = None,
            on_epoch: Callable[[dict[str, float]], None] | None = None) -> dict[str, list[float]]:
        """Train until the planned steps are done or the budget is spent; ``on_step``, ``on_epoch``."""
        s, val = self.settings, self.val
        budget = None if s.time_budget is None else TimeBudget(  # validation: ~1/3 of a step per image
            s.time_budget, spent=sum(self.history["seconds"]), sync=self._synchronize, clock=s.clock,
            eval_share=(len(val[0]) if val else 0) / (3 * s.batch_size * self.steps_per_epoch))
        while not _finished(self.scheduler, budget):
            row = self._epoch(budget, progress, on_step)
            for key in HISTORY_KEYS:
                self.history[key].append(row[key])
            if on_epoch is not None:
                on_epoch(row)
        return self.history

    def _epoch(self, budget: TimeBudget | None, progress: bool,
               on_step: Callable[[int, float], None] | None) -> dict[str, float]:
        done, started = len(self.history["epoch"]), self.settings.clock()
        if budget is not None:
            budget.start_epoch()
        with tqdm(total=self.steps_per_epoch, desc=f"epoch {done + 1}", disable=not progress,
                  leave=False) as bar:
            stats = train_one_epoch(self.model, self.optimizer, *self.train, self.settings,
                                    generator=self.generator, scheduler=self.scheduler,
                                    after_step=self._step_hook(budget, on_step, bar))
        val_accuracy = evaluate(self.model, *self.val) if self.val is not None else float("nan")
        seconds = budget.end_epoch() if budget is not None else self.settings.clock() - started
        planned = budget is not None and self.scheduler.total_steps is not None
        if planned and not _finished(self.scheduler, budget):
            self.scheduler.plan(budget.replan(self.scheduler.last_epoch, stats["steps"], seconds))
        return dict(epoch=round(done + stats["steps"] / self.steps_per_epoch, 3), loss=stats["loss"],
                    train_accuracy=stats["train_accuracy"], val_accuracy=val_accuracy, seconds=seconds)

    def _step_hook(self, budget: TimeBudget | None, on_step: Callable[[int, float], None] | None,
                   bar: tqdm) -> Callable[[torch.Tensor], bool]:
        """``after_step`` for ``train_one_epoch``: progress, ``on_step``, the budget's plan; True: done."""
        scheduler, group = self.scheduler, self.optimizer.param_groups[0]
        coming = [group["lr"]]  # the rate the next step uses

        def after_step(loss: torch.Tensor) -> bool:
            step = scheduler.last_epoch  # the schedule counts the steps taken
            used, coming[0] = coming[0], group["lr"]
            bar.update()
            if on_step is not None:
                on_step(step, used)
            if budget is not None:
                planned = budget.after_step(step)
                if planned is not None and scheduler.total_steps is None:
                    scheduler.plan(planned)  # calibrated: the schedule's length is now known
                if budget.out_of_time():
                    scheduler.plan(step)  # the run ends here: record that in the schedule
            return _finished(scheduler, budget)

        return after_step

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def fit(model: nn.Module, train: tuple[torch.Tensor, torch.Tensor],
        val: tuple[torch.Tensor, torch.Tensor] | None = None, settings: Settings | None = None, *,
        device: str = "auto", progress: bool = True, on_step: Callable[[int, float], None] | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None) -> dict[str, list[float]]:
    """Train ``model`` on ``train``, scoring ``val`` after every epoch; the history (``HISTORY_KEYS``)."""
    return Trainer(model, train, val, settings, device).run(progress, on_step, on_epoch)


def _steps_per_epoch(model: nn.Module, x: torch.Tensor, batch_size: int) -> int:
    if len(x) % batch_size != 1 or not batch_of_one_fails(model, x):
        return math.ceil(len(x) / batch_size)
    if len(x) == 1:
        raise ValueError("train holds one image, which BatchNorm cannot normalise in training mode on "
                         "this model's 1x1 grid; train on at least 2 images")
    print(t("train.dropped_batch", n=len(x), batch_size=batch_size), file=sys.stderr, flush=True)
    return len(x) // batch_size


def _finished(scheduler: OneCycle, budget: TimeBudget | None) -> bool:
    planned_done = scheduler.total_steps is not None and scheduler.last_epoch >= scheduler.total_steps
    return planned_done or (budget is not None and budget.out_of_time())


def _checked_pair(name: str, pair: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(v, torch.Tensor) for v in pair)):
        raise TypeError(f"{name} must be a pair (images [N, 1, H, W], labels [N]) of tensors, "
                        f"e.g. fashion_mnist_tensors()[{name!r}]")
    x, y = pair
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"{name} images and labels must be non-empty and of the same length, "
                         f"got {len(x)} and {len(y)}")
    return x, y


def epoch_line(row: Mapping[str, float], rounded: bool = False) -> str:
    """One epoch's row as text, no timings, in the current language; ``rounded``: as notebook 05 prints."""
    key = "train.epoch_rounded" if rounded else "train.epoch"
    return t(key, epoch=row["epoch"], loss=row["loss"], train=row["train_accuracy"], val=row["val_accuracy"])


def print_epoch(row: Mapping[str, float], rounded: bool = False) -> None:
    print(epoch_line(row, rounded), flush=True)
