"""Train a ConvMixer on Fashion-MNIST: seeding, ``fit``/``evaluate``, checkpoints, the command line.

    python -m convmixer_lab.train --preset small --time-budget 60   (the command line lives in cli.py)
    python -m convmixer_lab.train --dim 64 --depth 4 --epochs 3 --checkpoint-dir runs/a [--resume]

The data live in memory as tensors and are batched with a seeded ``torch.Generator`` (no
DataLoader workers: fast on a CPU, identical batches on every run). Defaults: AdamW, a one-cycle
learning-rate schedule, label smoothing. Checkpoints hold everything a resumed run needs
(config, weights, optimizer, scheduler, RNG states, epoch, history); they are written atomically and
read with ``torch.load(weights_only=True)``, so a tampered file cannot run code.
"""

from __future__ import annotations

import copy
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from convmixer_lab.augment import augment_batch, draw
from convmixer_lab.model import ConvMixer

# Model and recipe of the two presets. "small": p=4 keeps a CPU epoch short (a 7x7 patch grid) and
# reached 90.0% test accuracy after its 3 epochs (benchmarks/train_small.py times it). "reference": the
# recipe meant for a GPU (benchmarks/train_reference_gpu.sh); see data/checkpoints/README.md.
PRESETS = {
    "small": dict(dim=64, depth=4, kernel_size=3, patch_size=4, epochs=3, batch_size=128, lr=0.01,
                  augment=False),
    "reference": dict(dim=256, depth=8, kernel_size=7, patch_size=2, epochs=60, batch_size=128,
                      lr=0.005, augment=True),
}
# With a time budget: WARMUP_STEPS untimed steps, then CALIBRATION_STEPS timed ones fix the schedule's length.
WARMUP_STEPS, CALIBRATION_STEPS = 5, 20


class OneCycle(torch.optim.lr_scheduler.LambdaLR):
    """One-cycle schedule: the learning rate climbs linearly from lr/25 to lr over the first
    ``pct_start`` of the steps, then falls to 0 along a cosine. ``total_steps=None`` holds it at
    lr/25 until the length is known (a time budget sets it after timing the first steps)."""

    def __init__(self, optimizer: torch.optim.Optimizer, total_steps: int | None,
                 pct_start: float = 0.25) -> None:
        self.total_steps, self.pct_start = total_steps, pct_start
        super().__init__(optimizer, self.factor)

    def factor(self, step: int) -> float:
        if self.total_steps is None:
            return 1 / 25
        warm = max(1, int(self.pct_start * self.total_steps))
        if step < warm:
            return 1 / 25 + (1 - 1 / 25) * step / warm
        progress = min(1.0, (step - warm) / max(1, self.total_steps - warm))
        return 0.5 * (1 + math.cos(math.pi * progress))


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (the one seeding helper of the course); return a CPU
    ``torch.Generator`` seeded the same way, for batching."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
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


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000,
            batch_statistics: bool = False) -> torch.Tensor:
    """Logits [N, classes] for images [N, 1, H, W] (returned on the CPU), in eval mode: BatchNorm
    uses its running statistics. ``batch_statistics=True`` instead normalises each batch with its
    own statistics, as in training (on a copy, so the model's running statistics stay as they are)."""
    if batch_statistics:
        model = copy.deepcopy(model).train()
    else:
        model.eval()
    device = next(model.parameters()).device
    return torch.cat([model(x[i:i + batch_size].to(device)).float().cpu()
                      for i in range(0, len(x), batch_size)])


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000,
             batch_statistics: bool = False) -> float:
    """Accuracy (0..1) of ``model`` on images ``x`` [N, 1, H, W] with labels ``y`` [N]
    (eval mode; see ``predict`` for ``batch_statistics``)."""
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must be non-empty and of the same length, got {len(x)} and {len(y)}")
    logits = predict(model, x, batch_size, batch_statistics)
    return (logits.argmax(1) == y.cpu()).float().mean().item()


def save_checkpoint(path: str | Path, state: dict) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o644)
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint's dict, read safely (``weights_only=True``) onto the CPU."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist; train one with "
                                "python -m convmixer_lab.train --checkpoint-dir DIR")
    return torch.load(path, map_location="cpu", weights_only=True)


def load_checkpoint(path: str | Path, device: str = "cpu") -> nn.Module:
    """The ConvMixer stored at ``path`` (config and weights), in eval mode on ``device``."""
    state = read_checkpoint(path)
    model = ConvMixer(**state["config"])
    model.load_state_dict(state["model"])
    return model.to(pick_device(device)).eval()


def fit(model: nn.Module, train: tuple[torch.Tensor, torch.Tensor],
        test: tuple[torch.Tensor, torch.Tensor] | None = None, *, epochs: int = 3,
        batch_size: int = 128, lr: float = 0.01, weight_decay: float = 0.05,
        label_smoothing: float = 0.1, augment: bool = False, seed: int = 0, device: str = "auto",
        time_budget: float | None = None, progress: bool = True,
        checkpoint_path: str | Path | None = None, resume: bool = False,
        on_step: Callable[[int], None] | None = None) -> dict[str, list[float]]:
    """Train ``model`` on ``train`` = (images [N, 1, H, W], labels [N]) with AdamW, a one-cycle
    schedule peaking at ``lr`` and label smoothing; evaluate on ``test`` after every epoch.

    With ``time_budget`` (seconds) the number of steps is chosen from the measured speed so that
    training, schedule and evaluations fit in the budget (``epochs`` is then ignored). With
    ``checkpoint_path`` a full checkpoint is written after every epoch; ``resume=True`` continues
    from it (the same seed gives the same result as an uninterrupted run). ``on_step(step)`` is
    called after every optimizer step. Returns the history: per epoch ``epoch``, ``loss`` (mean
    training loss), ``train_accuracy`` (running, on the augmented batches), ``test_accuracy`` and
    ``seconds`` (wall time of the epoch, evaluation included).
    """
    x, y = train
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"train images and labels must be non-empty and of the same length, "
                         f"got {len(x)} and {len(y)}")
    for name, value in dict(epochs=epochs, batch_size=batch_size).items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if time_budget is not None and not time_budget > 0:
        raise ValueError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path= the checkpoint to continue from")
    dev = pick_device(device)
    generator = seed_everything(seed)
    model.to(dev)
    x, y = x.to(dev), y.to(dev)
    xt, yt = (test[0].to(dev), test[1].to(dev)) if test is not None else (None, None)
    steps_per_epoch = math.ceil(len(x) / batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay,
                                  fused=dev.type == "cuda")
    history: dict[str, list[float]] = {k: [] for k in
                                       ("epoch", "loss", "train_accuracy", "test_accuracy", "seconds")}
    step = 0

    scheduler = OneCycle(optimizer, None if time_budget is not None else epochs * steps_per_epoch)
    total_steps = scheduler.total_steps
    if resume and Path(checkpoint_path).is_file():
        state = read_checkpoint(checkpoint_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        total_steps, step, history = state["total_steps"], state["step"], state["history"]
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["rng"]["batches"])
        torch.set_rng_state(state["rng"]["torch"])
        random.setstate(state["rng"]["python"])
    use_amp = dev.type == "cuda"
    start, epoch_start = time.perf_counter(), time.perf_counter()
    while total_steps is None or step < total_steps:
        epoch = len(history["epoch"])
        model.train()
        order = torch.randperm(len(x), generator=generator).to(dev)
        choices = draw(len(x), generator, size=x.shape[-1]).to(dev) if augment else None
        sums = torch.zeros(2, device=dev)  # summed loss and correct predictions (no sync per step)
        seen = batches = 0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}", disable=not progress, leave=False)
        for i in bar:
            if total_steps is not None and step >= total_steps:
                break
            idx = order[i * batch_size:(i + 1) * batch_size]
            xb, yb = x[idx], y[idx]
            if augment:
                xb = augment_batch(xb, choices[i * batch_size:(i + 1) * batch_size])
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_amp):
                logits = model(xb)
                loss = F.cross_entropy(logits.float(), yb, label_smoothing=label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step, batches = step + 1, batches + 1
            sums += torch.stack([loss.detach() * len(yb), (logits.argmax(1) == yb).sum()])
            seen += len(yb)
            if progress and batches % 20 == 0:
                bar.set_postfix(loss=f"{sums[0].item() / seen:.3f}")
            if on_step is not None:
                on_step(step)
            if total_steps is None and step in (WARMUP_STEPS, WARMUP_STEPS + CALIBRATION_STEPS):
                _synchronize(dev)
                if step == WARMUP_STEPS:
                    timer = time.perf_counter()
                else:
                    total_steps = _plan_steps(time_budget - (time.perf_counter() - start), step,
                                              (time.perf_counter() - timer) / CALIBRATION_STEPS,
                                              steps_per_epoch, batch_size, 0 if xt is None else len(xt))
                    scheduler.total_steps = total_steps
            if time_budget is not None and time.perf_counter() - start > 0.97 * time_budget:
                total_steps = step  # out of time (a final evaluation still to come): stop here
        history["epoch"].append(round(epoch + batches / steps_per_epoch, 3))
        loss_sum, correct = sums.tolist()
        history["loss"].append(loss_sum / max(seen, 1))
        history["train_accuracy"].append(correct / max(seen, 1))
        history["test_accuracy"].append(evaluate(model, xt, yt) if xt is not None else float("nan"))
        history["seconds"].append(time.perf_counter() - epoch_start)
        epoch_start = time.perf_counter()
        if time_budget is not None and total_steps is not None and step < total_steps:
            # re-plan at the speed of the epoch just run (evaluation included): the machine's load may change
            left = time_budget - (epoch_start - start)
            total_steps = step + max(1, int(0.97 * left * batches / history["seconds"][-1]))
            scheduler.total_steps = total_steps
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, dict(
                config=dict(model.config), model=model.state_dict(), optimizer=optimizer.state_dict(),
                scheduler=scheduler.state_dict(), step=step,
                total_steps=total_steps, epoch=len(history["epoch"]), history=history,
                rng=dict(batches=generator.get_state(), torch=torch.get_rng_state(),
                         python=random.getstate())))
    return history


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _plan_steps(seconds_left: float, steps_done: int, per_step: float, steps_per_epoch: int,
                batch_size: int, n_test: int) -> int:
    """How many steps in total fit in the budget at ``per_step`` seconds a step (a forward pass
    for evaluation costs about a third of a training step per image; 5% kept in reserve)."""
    per_epoch_eval = n_test / batch_size * per_step / 3
    per_step_all = per_step + per_epoch_eval / steps_per_epoch
    return steps_done + max(1, int(0.95 * seconds_left / per_step_all))


if __name__ == "__main__":
    from convmixer_lab.cli import main

    sys.exit(main())
