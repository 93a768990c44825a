"""Train a ConvMixer on Fashion-MNIST: seeding, ``fit`` (a flat loop over ``train_one_epoch``),
``evaluate``/``predict``, the one-cycle schedule; checkpoints live in ``checkpoint.py``.

    from convmixer_lab.data import fashion_mnist_tensors
    from convmixer_lab.presets import fashion_convmixer
    from convmixer_lab.train import fit, evaluate, print_epoch, seed_everything
    data = fashion_mnist_tensors()                     # train (55,000), val (5,000), test (10,000)
    seed_everything(0)
    model = fashion_convmixer("small")
    history = fit(model, data["train"], data["val"], epochs=3, on_epoch=print_epoch)
    evaluate(model, *data["test"])                     # the test set: once, at the end

    python -m convmixer_lab.train --preset small --time-budget 60   (the command line: cli.py)

The data live in memory as tensors and are batched with a seeded ``torch.Generator`` (no DataLoader
workers: fast on a CPU, identical batches on every run). Defaults: AdamW, a one-cycle learning-rate
schedule, label smoothing. With a time budget (``budget.TimeBudget``) the run plans its own length.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from convmixer_lab.augment import augment_batch, draw
from convmixer_lab.budget import TimeBudget
from convmixer_lab.checkpoint import (
    HISTORY_KEYS,
    CheckpointError,
    CheckpointWriteError,
    check_weights,
    checkpoint_state,
    model_from_state,
    read_checkpoint_state,
    save_checkpoint,
)
from convmixer_lab.checks import check_int, check_number, check_positive_int
from convmixer_lab.i18n import tr

__all__ = ["HISTORY_KEYS", "SEED_MAX", "CheckpointError", "CheckpointWriteError", "OneCycle",
           "checkpoint_state", "epoch_line", "evaluate", "fit", "fit_settings", "load_checkpoint",
           "pick_device", "predict", "print_epoch", "read_checkpoint_state", "save_checkpoint",
           "seed_everything", "train_one_epoch"]

SEED_MAX = 2**32 - 1  # numpy's seeds stop here (torch's go to 2**64 - 1): seeds are 0 .. SEED_MAX
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


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


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (the one seeding helper of the course) with ``seed`` in
    0 .. ``SEED_MAX``; return a CPU ``torch.Generator`` seeded the same way, for batching."""
    seed = check_int("seed", seed, minimum=0, maximum=SEED_MAX)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple MPS, then CPU; otherwise the named device."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextmanager
def _kept_modes(model: nn.Module, batch_statistics: bool) -> Iterator[None]:
    """Eval mode inside (BatchNorm on batch statistics if asked, without updating the running ones);
    every module's mode and BatchNorm flag restored after."""
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
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000,
            batch_statistics: bool = False) -> torch.Tensor:
    """Logits [N, classes] for images [N, 1, H, W] (returned on the CPU), in eval mode: BatchNorm
    uses its running statistics. ``batch_statistics=True`` instead normalises each batch with its
    own statistics, as in training, leaving the running statistics untouched. The model's
    train/eval mode is restored afterwards."""
    batch_size = check_positive_int("batch_size", batch_size)
    device = next(model.parameters()).device
    with _kept_modes(model, batch_statistics):
        return torch.cat([model(x[i:i + batch_size].to(device)).float().cpu()
                          for i in range(0, len(x), batch_size)])


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000,
             batch_statistics: bool = False) -> float:
    """Accuracy (0..1) of ``model`` on images ``x`` [N, 1, H, W] with labels ``y`` [N]
    (see ``predict`` for the mode and ``batch_statistics``)."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must be non-empty and of the same length, got {len(x)} and {len(y)}")
    logits = predict(model, x, batch_size, batch_statistics)
    return (logits.argmax(1) == y.cpu()).float().mean().item()


def train_one_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                    y: torch.Tensor, *, batch_size: int = 128, generator: torch.Generator | None = None,
                    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                    label_smoothing: float = 0.1, augment: bool = False,
                    after_step: Callable[[], bool] | None = None,
                    step_losses: list[float] | None = None) -> dict[str, float]:
    """One pass over images ``x`` [N, 1, H, W] and labels ``y`` [N] in an order drawn from
    ``generator``: per batch, forward, loss (cross-entropy with label smoothing), backward, an
    optimizer step and a schedule step. ``augment`` changes each image (augment.py) with choices drawn
    from the same generator. ``after_step()`` runs after every step; returning True ends the epoch
    early. ``step_losses``: a list that gets each step's loss appended (a float; one sync per step, so
    only when asked). Returns the mean training loss, the running training accuracy (on the batches as
    they were trained, in train mode) and the number of steps."""
    model.train()
    device = x.device
    order = torch.randperm(len(x), generator=generator).to(device)
    choices = draw(len(x), generator, size=x.shape[-1]).to(device) if augment else None
    sums = torch.zeros(2, device=device)  # summed loss and correct predictions (no sync per step)
    steps = 0
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], y[idx]
        if augment:
            xb = augment_batch(xb, choices[start:start + batch_size])
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        sums += torch.stack([loss.detach() * len(yb), (logits.argmax(1) == yb).sum()])
        if step_losses is not None:
            step_losses.append(loss.item())
        steps += 1
        if after_step is not None and after_step():
            break
    seen = min(steps * batch_size, len(x))
    loss_sum, correct = sums.tolist()
    return dict(loss=loss_sum / seen, train_accuracy=correct / seen, steps=steps)


def fit_settings(n_train: int, *, epochs: int = 3, batch_size: int = 128, lr: float = 0.01,
                 weight_decay: float = 0.05, label_smoothing: float = 0.1, augment: bool = False,
                 seed: int = 0, time_budget: float | None = None) -> dict[str, Any]:
    """The settings ``fit`` trains with (and stores in checkpoints), each checked: a clear error
    naming the argument for anything out of range."""
    if not isinstance(augment, bool):
        raise TypeError(f"augment must be True or False, got {augment!r}")
    return dict(
        epochs=check_positive_int("epochs", epochs), batch_size=check_positive_int("batch_size", batch_size),
        lr=check_number("lr", lr, minimum=0, strict=True),
        weight_decay=check_number("weight_decay", weight_decay, minimum=0),
        label_smoothing=check_number("label_smoothing", label_smoothing, minimum=0, maximum=0.99),
        augment=augment, seed=check_int("seed", seed, minimum=0, maximum=SEED_MAX),
        time_budget=None if time_budget is None else check_number(
            "time_budget", time_budget, minimum=0, strict=True, hint="seconds of training"),
        n_train=check_positive_int("n_train", n_train))


def fit(model: nn.Module, train: tuple[torch.Tensor, torch.Tensor],
        val: tuple[torch.Tensor, torch.Tensor] | None = None, *, epochs: int = 3,
        batch_size: int = 128, lr: float = 0.01, weight_decay: float = 0.05,
        label_smoothing: float = 0.1, augment: bool = False, seed: int = 0, device: str = "auto",
        time_budget: float | None = None, progress: bool = True,
        checkpoint_path: str | Path | None = None, resume: bool | Mapping[str, Any] = False,
        on_step: Callable[[int, float], None] | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
        argv: list[str] | tuple[str, ...] = (),
        budget_clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """Train ``model`` on ``train`` = (images [N, 1, H, W], labels [N]) with AdamW, a one-cycle
    schedule peaking at ``lr`` and label smoothing; measure the accuracy on ``val`` (the validation
    split, never the test set) after every epoch.

    ``time_budget`` (seconds): the number of steps is planned from the measured speed (``epochs`` is
    then ignored). ``checkpoint_path``: a resumable checkpoint after every epoch; ``resume=True`` (or
    the dict ``read_checkpoint_state`` returned) continues from it, ending as an uninterrupted run
    would, a time budget spent once in total. ``on_step(step, lr)`` runs after every step (``lr``:
    the rate it used), ``on_epoch(row)`` after every epoch (``print_epoch`` prints it). Returns the
    history, per epoch: ``epoch``, ``loss`` (mean training loss), ``train_accuracy`` (running, on the
    batches as trained), ``val_accuracy`` (NaN without ``val``), ``seconds`` (validation included).

    ``budget_clock``: what the budget and ``seconds`` count: wall-clock seconds by default;
    ``time.process_time`` counts this process's CPU seconds, which other load cannot shorten."""
    _check_fit_options(resume, checkpoint_path, budget_clock)
    (x, y), val = _checked_pair("train", train), _checked_pair("val", val) if val is not None else None
    settings = fit_settings(len(x), epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                            label_smoothing=label_smoothing, augment=augment, seed=seed,
                            time_budget=time_budget)
    dev, generator = pick_device(device), seed_everything(seed)
    model.to(dev)
    x, y, val = x.to(dev), y.to(dev), (val[0].to(dev), val[1].to(dev)) if val is not None else None
    steps_per_epoch = math.ceil(len(x) / batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr, weight_decay=weight_decay, fused=dev.type == "cuda")
    scheduler = OneCycle(optimizer, None if time_budget is not None else epochs * steps_per_epoch)
    history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
    if resume is not False:
        state = resume if isinstance(resume, Mapping) else read_checkpoint_state(checkpoint_path,
                                                                                 resumable=True)
        history, argv = restore(state, model, optimizer, scheduler, generator, settings, checkpoint_path)
    budget = None if time_budget is None else TimeBudget(  # validation: ~1/3 of a step per image
        time_budget, spent=sum(history["seconds"]), sync=lambda: _synchronize(dev), clock=budget_clock,
        eval_share=(len(val[0]) if val else 0) / (3 * batch_size * steps_per_epoch))
    while not _finished(scheduler, budget):
        row = _epoch(model, optimizer, scheduler, generator, (x, y), val, settings, budget,
                     len(history["epoch"]), steps_per_epoch, progress, on_step, budget_clock)
        for key in HISTORY_KEYS:
            history[key].append(row[key])
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, checkpoint_state(
                model, history, settings, argv, training=training_state(optimizer, scheduler, generator)))
        if on_epoch is not None:
            on_epoch(row)
    return history


def _check_fit_options(resume: object, checkpoint_path: object, budget_clock: object) -> None:
    if resume is not False and checkpoint_path is None:
        raise ValueError("resume needs checkpoint_path= the checkpoint to continue from")
    if not callable(budget_clock):
        raise TypeError(f"budget_clock must be a function that returns seconds (time.perf_counter or "
                        f"time.process_time), got {type(budget_clock).__name__}")


def _epoch(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: OneCycle,
           generator: torch.Generator, train: tuple[torch.Tensor, torch.Tensor],
           val: tuple[torch.Tensor, torch.Tensor] | None, settings: dict[str, Any],
           budget: TimeBudget | None, done: int, steps_per_epoch: int, progress: bool,
           on_step: Callable[[int, float], None] | None,
           clock: Callable[[], float] = time.perf_counter) -> dict[str, float]:
    """Epoch ``done + 1`` of ``fit``: train, validate, time it (on ``clock``), re-plan a time budget."""
    started = clock()
    if budget is not None:
        budget.start_epoch()
    with tqdm(total=steps_per_epoch, desc=f"epoch {done + 1}", disable=not progress, leave=False) as bar:
        stats = train_one_epoch(model, optimizer, *train, batch_size=settings["batch_size"],
                                generator=generator, scheduler=scheduler,
                                label_smoothing=settings["label_smoothing"], augment=settings["augment"],
                                after_step=_step_hook(optimizer, scheduler, budget, on_step, bar))
    val_accuracy = evaluate(model, *val) if val is not None else float("nan")
    seconds = budget.end_epoch() if budget is not None else clock() - started
    if budget is not None and scheduler.total_steps is not None and not _finished(scheduler, budget):
        scheduler.plan(budget.replan(scheduler.last_epoch, stats["steps"], seconds))
    return dict(epoch=round(done + stats["steps"] / steps_per_epoch, 3), loss=stats["loss"],
                train_accuracy=stats["train_accuracy"], val_accuracy=val_accuracy, seconds=seconds)


def _step_hook(optimizer: torch.optim.Optimizer, scheduler: OneCycle, budget: TimeBudget | None,
               on_step: Callable[[int, float], None] | None, bar: tqdm) -> Callable[[], bool]:
    """``after_step`` for ``train_one_epoch``: progress, ``on_step``, the time budget's plan; True
    when the run is over (the planned steps done, or the budget spent)."""
    coming = [optimizer.param_groups[0]["lr"]]  # the rate the next step uses

    def after_step() -> bool:
        step = scheduler.last_epoch  # the schedule counts the steps taken
        used, coming[0] = coming[0], optimizer.param_groups[0]["lr"]
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


def _finished(scheduler: OneCycle, budget: TimeBudget | None) -> bool:
    planned_done = scheduler.total_steps is not None and scheduler.last_epoch >= scheduler.total_steps
    return planned_done or (budget is not None and budget.out_of_time())


def _checked_pair(name: str, pair: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2
            and all(isinstance(t, torch.Tensor) for t in pair)):
        raise TypeError(f"{name} must be a pair (images [N, 1, H, W], labels [N]) of tensors, "
                        f"e.g. fashion_mnist_tensors()[{name!r}]")
    x, y = pair
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"{name} images and labels must be non-empty and of the same length, "
                         f"got {len(x)} and {len(y)}")
    return x, y


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def training_state(optimizer: torch.optim.Optimizer, scheduler: OneCycle,
                   generator: torch.Generator) -> dict[str, Any]:
    """What a resumed run needs beyond the weights: optimizer, schedule (with its planned length)
    and the random-number states."""
    return dict(optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                rng=dict(batches=generator.get_state(), torch=torch.get_rng_state(),
                         python=random.getstate()))


def restore(state: Mapping[str, Any], model: nn.Module, optimizer: torch.optim.Optimizer,
            scheduler: OneCycle, generator: torch.Generator, settings: dict[str, Any],
            path: str | Path | None) -> tuple[dict[str, list[float]], list[str]]:
    """Load a resumable checkpoint ``state`` into the run; returns its history and command line.
    Refuses (``CheckpointError``, one line) a model or settings that contradict the checkpoint."""
    stored = state["settings"]
    for key, value in settings.items():
        if stored.get(key) != value:
            raise CheckpointError(f"cannot resume {path}: {key}={value!r} contradicts the checkpoint's "
                                  f"{key}={stored.get(key)!r}; pass the checkpoint's value")
    if getattr(model, "config", None) != state["config"]:
        raise CheckpointError(f"cannot resume {path}: the model {getattr(model, 'config', None)} is not "
                              f"the checkpoint's {state['config']}")
    check_weights(state["model"], model.state_dict(), str(path))
    model.load_state_dict(state["model"])
    training = state["training"]
    try:
        optimizer.load_state_dict(training["optimizer"])
        scheduler.load_state_dict(training["scheduler"])
        generator.set_state(training["rng"]["batches"])
        torch.set_rng_state(training["rng"]["torch"])
        random.setstate(training["rng"]["python"])
    except (KeyError, ValueError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"cannot resume {path}: its training state does not fit this run "
                              f"({type(e).__name__}: {str(e).splitlines()[0][:120]})") from None
    return {k: list(state["history"][k]) for k in HISTORY_KEYS}, list(state["argv"])


def epoch_line(row: Mapping[str, float]) -> str:
    """One epoch of a history as text without timings (the same on every machine), in the current
    language (``i18n.tr``)."""
    return tr("epoch {epoch}: loss {loss}, train accuracy {train}, val accuracy {val}",
              epoch=f"{row['epoch']:.2f}", loss=f"{row['loss']:.4f}", train=f"{row['train_accuracy']:.2%}",
              val=f"{row['val_accuracy']:.2%}")


def print_epoch(row: Mapping[str, float]) -> None:
    """``fit(..., on_epoch=print_epoch)``: print each epoch's line as the epoch ends."""
    print(epoch_line(row), flush=True)


def load_checkpoint(path: str | Path, device: str = "cpu") -> nn.Module:
    """The ConvMixer stored at ``path`` (its config and weights, checked), in eval mode on ``device``."""
    return model_from_state(read_checkpoint_state(path), path).to(pick_device(device)).eval()
