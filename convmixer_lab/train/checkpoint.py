"""Checkpoints: one layout for the resumable ``last.pt`` and the finished ``model.pt``.

A checkpoint is a dict written with ``torch.save`` (``checkpoint_state`` builds it):

    config         the ConvMixer's keyword arguments (``model.config``)
    model          its weights (``state_dict``, on the CPU)
    history        per epoch: epoch, loss, train_accuracy, val_accuracy, seconds (``train.fit``)
    settings       how it was trained: epochs, batch_size, lr, weight_decay, label_smoothing, augment,
                   seed, time_budget, n_train
    argv           the command line that started the run ([] when started from Python)
  and, optionally:
    training       what a resumed run needs (last.pt only): optimizer and scheduler states (the
                   planned number of steps is in the scheduler's), random-number states
    test_accuracy  the test set, scored once at the end (model.pt written by the command line)

Files are written with ``files.atomic_write`` (a failed write keeps the previous file) and read with
``torch.load(weights_only=True)``: a tampered file runs no code. Everything read is checked before it is
used: the layout, the configuration's keys, types and sizes (before any model is built), its
parameter count (from the formula) against the numbers the file holds, and every weight's shape
against the architecture the configuration describes (on the "meta" device, where nothing is
allocated). Each problem is one ``CheckpointError`` naming the file and the cause.

``data/checkpoints/reference.pt`` predates the validation split: its history holds ``test_accuracy``
per epoch (its GPU run scored the test set after every epoch) instead of ``val_accuracy``. It loads
like any other checkpoint; it cannot be resumed (it has no ``training``).
"""

from __future__ import annotations

import numbers
import os
import pickle
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from convmixer_lab.counting import convmixer_params
from convmixer_lab.data import DATA_ENV, reference_checkpoint
from convmixer_lab.files import atomic_write
from convmixer_lab.model import BLOCKS, ConvMixer
from convmixer_lab.train.loop import HISTORY_KEYS, Settings, Trainer, pick_device

__all__ = ["SETTINGS_KEYS", "CheckpointError", "CheckpointWriteError", "check_architecture", "check_config",
           "checkpoint_state", "load_checkpoint", "model_from_state", "read_checkpoint_state", "restore",
           "save_checkpoint", "save_every_epoch"]

REQUIRED = ("config", "model", "history", "settings", "argv")
OPTIONAL = ("training", "test_accuracy")
TRAINING_KEYS = ("optimizer", "scheduler", "rng")
# What a resumable checkpoint must hold for a run to continue (Settings.record).
SETTINGS_KEYS = ("epochs", "batch_size", "lr", "weight_decay", "label_smoothing", "augment", "seed",
                 "time_budget", "n_train")
# The largest value each stored configuration entry may take: far above any course model, far below
# what would exhaust a machine. A config outside these bounds is refused before anything is built.
CONFIG_LIMITS = dict(dim=65_536, depth=4_096, kernel_size=1_024, patch_size=1_024, in_channels=1_024,
                     num_classes=1_000_000)
MAX_FILE_BYTES = 8 * 2**30  # 8 GiB: ConvMixer-1536/20 with its optimizer state takes 0.6 GiB
MAX_EPOCHS_RECORDED = 1_000_000


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file and the cause."""


class CheckpointWriteError(OSError):
    """Writing a checkpoint failed (disk full, no permission); the previous file is unchanged."""


def checkpoint_state(model: nn.Module, history: dict[str, list[float]], settings: dict[str, Any],
                     argv: list[str] | tuple[str, ...] = (), *, training: dict[str, Any] | None = None,
                     test_accuracy: float | None = None) -> dict[str, Any]:
    """The checkpoint dict of ``model`` (a ConvMixer: its ``config`` is stored) after ``history``,
    trained with ``settings``. ``training`` (optimizer, scheduler and RNG states) makes it resumable."""
    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise TypeError(f"checkpoints store a ConvMixer (a model with a .config dict), got "
                        f"{type(model).__name__}")
    state = dict(config=dict(config), model={k: v.detach().cpu() for k, v in model.state_dict().items()},
                 history={k: list(v) for k, v in history.items()}, settings=dict(settings), argv=list(argv))
    if training is not None:
        state["training"] = training
    if test_accuracy is not None:
        state["test_accuracy"] = float(test_accuracy)
    return state


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """``torch.save(state)`` to ``path`` atomically. A failure (disk full, no permission) raises
    ``CheckpointWriteError`` naming the file; the previous file at ``path`` is kept as it was."""
    path = Path(path)
    try:
        return atomic_write(path, lambda f: torch.save(state, f))
    except OSError as e:
        error = CheckpointWriteError(f"could not write {path}: {e.strerror or e}")
        error.errno = e.errno
        raise error from e


def read_checkpoint_state(path: str | Path, *, resumable: bool = False) -> dict[str, Any]:
    """The checkpoint dict stored at ``path``, read safely (``weights_only=True``) onto the CPU and
    checked (layout, configuration; with ``resumable``, the ``training`` part too). Raises
    ``FileNotFoundError`` for a missing file and ``CheckpointError`` for anything else wrong."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file; give the file inside it, "
                              f"e.g. {path / 'model.pt'}")
    if not path.exists():
        raise FileNotFoundError(_missing(path))
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(f"{path} is empty (0 bytes), not a checkpoint; it was never written "
                              "completely: train again or use another file")
    if size > MAX_FILE_BYTES:
        raise CheckpointError(f"{path} holds {size / 2**30:.1f} GiB, more than a course checkpoint "
                              f"may ({MAX_FILE_BYTES // 2**30} GiB); refusing to read it")
    state = _load(path)
    _check_layout(state, path, resumable)
    if resumable:
        check_architecture(state, path)  # it is about to be loaded: every weight's shape, one line
    return state


def _missing(path: Path) -> str:
    """Why ``path`` is missing: a data folder without checkpoints/, or no run written there yet."""
    reference = reference_checkpoint()  # a DataError naming the variable when it cannot be expanded
    if os.environ.get(DATA_ENV) and path.resolve() == reference.resolve():
        return (f"checkpoint {path} does not exist: {DATA_ENV} names {reference.parent.parent}, which "
                f"lacks checkpoints/{reference.name}; copy the repository's data/checkpoints/ there, or "
                f"unset {DATA_ENV}")
    return (f"checkpoint {path} does not exist; train one with python -m convmixer_lab.train "
            "--checkpoint-dir DIR")


def _load(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (PermissionError, FileNotFoundError):
        raise  # cannot be read at all: the OS error names the file
    except pickle.UnpicklingError as e:
        reason = re.search(r"WeightsUnpickler error:\s*([^.\n]+)", str(e))
        raise CheckpointError(f"{path} was refused by the safe loader (weights_only=True): "
                              f"{reason.group(1) if reason else 'not a PyTorch file'}; it is not a course "
                              "checkpoint, or holds Python objects other than tensors and plain data "
                              "(nothing in it was run)") from None
    except Exception as e:  # noqa: BLE001 - arbitrary bytes make torch.load fail in many ways
        first = (str(e).splitlines() or [type(e).__name__])[0][:120]
        raise CheckpointError(f"{path} is not a complete PyTorch checkpoint (truncated, damaged or "
                              f"another format): {type(e).__name__}: {first}") from None


def _check_layout(state: Any, path: Path, resumable: bool) -> None:
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a course checkpoint (a dict "
                              f"with {', '.join(REQUIRED)}); was it saved with torch.save(model)?")
    missing = [k for k in REQUIRED + (("training",) if resumable else ()) if k not in state]
    unknown = sorted(str(k) for k in state if k not in REQUIRED + OPTIONAL)
    if missing or unknown:
        what = "; ".join(part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                           f"has unknown keys {unknown[:5]}" if unknown else "") if part)
        raise CheckpointError(f"{path} is not a complete course checkpoint: it {what} (expected "
                              f"{', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)})")
    state["config"] = check_config(state["config"], path)
    if not isinstance(state["model"], dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state["model"].items()):
        raise CheckpointError(f"{path}: 'model' must map parameter names to tensors (a state_dict)")
    _check_history(state["history"], path)
    if not isinstance(state["settings"], dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, (bool, numbers.Real, str)))
            for k, v in state["settings"].items()):
        raise CheckpointError(f"{path}: 'settings' must map names to plain values")
    if not isinstance(state["argv"], list) or not all(isinstance(a, str) for a in state["argv"]):
        raise CheckpointError(f"{path}: 'argv' must be a list of strings (the command line)")
    if "training" in state:
        _check_resumable(state, path)


def _check_resumable(state: dict[str, Any], path: Path) -> None:
    training = state["training"]
    if not isinstance(training, dict) or any(not isinstance(training.get(k), dict) for k in TRAINING_KEYS):
        raise CheckpointError(f"{path}: 'training' must hold {', '.join(TRAINING_KEYS)} (dicts); "
                              "it cannot be resumed")
    missing = [k for k in SETTINGS_KEYS if k not in state["settings"]]
    lengths = {len(state["history"].get(k, ())) for k in HISTORY_KEYS}
    if missing or set(state["history"]) != set(HISTORY_KEYS) or len(lengths) != 1:
        raise CheckpointError(f"{path}: cannot be resumed: its settings must hold {', '.join(SETTINGS_KEYS)} "
                              f"and its history {', '.join(HISTORY_KEYS)}, one value per epoch each "
                              "(written by another version?)")
    stored = state["settings"]
    try:
        Settings(**{k: stored[k] for k in SETTINGS_KEYS if k != "n_train"}).record(stored["n_train"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: cannot be resumed: its stored setting {e} (the file was edited or "
                              "damaged); start the run again with --overwrite") from None


def _check_history(history: Any, path: Path) -> None:
    ok = isinstance(history, dict) and all(
        isinstance(k, str) and isinstance(v, list) and len(v) <= MAX_EPOCHS_RECORDED
        and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in v)
        for k, v in history.items())
    if not ok:
        raise CheckpointError(f"{path}: 'history' must map names to lists of numbers (one per epoch)")


def check_config(config: Any, path: str | Path = "checkpoint") -> dict[str, Any]:
    """A stored ``ConvMixer`` configuration checked without building anything: exactly the keys
    ``ConvMixer.config`` has, ints within ``CONFIG_LIMITS``, a known block."""
    expected = set(CONFIG_LIMITS) | {"block"}
    if not isinstance(config, dict) or set(config) != expected:
        got = sorted(map(str, config)) if isinstance(config, dict) else type(config).__name__
        raise CheckpointError(f"{path}: 'config' must have exactly the keys {sorted(expected)}, got {got}")
    for key, limit in CONFIG_LIMITS.items():
        value, low = config[key], 0 if key == "num_classes" else 1  # 0 classes: no classifier
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= limit:
            raise CheckpointError(f"{path}: config {key}={value!r} is not an int from {low} to {limit:,}")
    if config["block"] == "seed" and "tutorial" in BLOCKS:
        config = {**config, "block": "tutorial"}  # the tutorial's block, written before its rename
    if config["block"] not in BLOCKS:
        raise CheckpointError(f"{path}: config block={config['block']!r} is not one of {BLOCKS}")
    return config


def model_from_state(state: dict[str, Any], path: str | Path = "checkpoint") -> ConvMixer:
    """The ConvMixer that ``state`` (from ``read_checkpoint_state``) describes, with its weights.
    Every stored weight's name and shape is compared with the architecture first, on the "meta"
    device (nothing allocated); a mismatch is one ``CheckpointError`` line."""
    config = check_architecture(state, path)
    model = ConvMixer(**config)
    model.load_state_dict(state["model"])
    return model


def check_architecture(state: dict[str, Any], path: str | Path = "checkpoint") -> dict[str, Any]:
    """Check that the stored weights fit the stored configuration, allocating nothing: the parameter
    count from the formula first, then every name and shape against a model on the "meta" device.
    Returns the configuration."""
    config = check_config(state["config"], path)
    params, stored = convmixer_params(**config), sum(t.numel() for t in state["model"].values())
    if params > 2 * stored:  # cheap first: a config far larger than its weights is not even built
        raise CheckpointError(f"{path}: its config {config} describes {params:,} parameters but the file "
                              f"holds {stored:,} numbers: the weights do not match the architecture")
    with torch.device("meta"):
        expected = ConvMixer(**config).state_dict()
    check_weights(state["model"], expected, f"{path} (ConvMixer {config})")
    return config


def check_weights(stored: dict[str, torch.Tensor], expected: dict[str, torch.Tensor], what: str) -> None:
    """Raise one ``CheckpointError`` line when ``stored`` weights do not fit the ``expected`` state
    dict: the first wrong shape, and how many names are missing or unexpected."""
    wrong = [(k, tuple(v.shape), tuple(expected[k].shape)) for k, v in stored.items()
             if k in expected and v.shape != expected[k].shape]
    missing = [k for k in expected if k not in stored]
    unexpected = [k for k in stored if k not in expected]
    if not (wrong or missing or unexpected):
        return
    parts = []
    if wrong:
        name, got, want = wrong[0]
        parts.append(f"{name} has shape {list(got)} but the architecture needs {list(want)}"
                     + (f" ({len(wrong) - 1} more wrong shapes)" if len(wrong) > 1 else ""))
    if missing:
        parts.append(f"{len(missing)} weights missing (e.g. {missing[0]})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
    raise CheckpointError(f"{what}: the weights do not match the architecture: {'; '.join(parts)}")


def load_checkpoint(path: str | Path, device: str = "cpu") -> nn.Module:
    """The ConvMixer stored at ``path`` (its config and weights, checked), in eval mode on ``device``."""
    device = pick_device(device)  # a device this machine lacks: one line, before the file is read
    return model_from_state(read_checkpoint_state(path), path).to(device).eval()


def training_state(trainer: Trainer) -> dict[str, Any]:
    """What a resumed run needs beyond the weights: optimizer, schedule (with its planned length)
    and the random-number states."""
    return dict(optimizer=trainer.optimizer.state_dict(), scheduler=trainer.scheduler.state_dict(),
                rng=dict(batches=trainer.generator.get_state(), torch=torch.get_rng_state(),
                         python=random.getstate()))


def save_every_epoch(trainer: Trainer, path: str | Path, argv: list[str] | tuple[str, ...] = (),
                     then: Callable[[dict[str, float]], None] | None = None) -> Callable[[dict], None]:
    """An ``on_epoch`` for ``trainer.run`` that writes a resumable checkpoint to ``path`` after every
    epoch, then calls ``then(row)`` if given."""
    def on_epoch(row: dict[str, float]) -> None:
        save_checkpoint(path, checkpoint_state(trainer.model, trainer.history, trainer.record(), argv,
                                               training=training_state(trainer)))
        if then is not None:
            then(row)
    return on_epoch


def restore(trainer: Trainer, state: dict[str, Any], path: str | Path = "checkpoint") -> list[str]:
    """Load a resumable checkpoint ``state`` (``read_checkpoint_state(..., resumable=True)``) into
    ``trainer``; returns its command line. Refuses (``CheckpointError``, one line) a model or settings
    that contradict the checkpoint."""
    for key, value in trainer.record().items():
        if state["settings"].get(key) != value:
            raise CheckpointError(f"cannot resume {path}: {key}={value!r} contradicts the checkpoint's "
                                  f"{key}={state['settings'].get(key)!r}; pass the checkpoint's value")
    if getattr(trainer.model, "config", None) != state["config"]:
        raise CheckpointError(f"cannot resume {path}: the model {getattr(trainer.model, 'config', None)} "
                              f"is not the checkpoint's {state['config']}")
    trainer.model.load_state_dict(state["model"])
    rng = state["training"]["rng"]
    try:
        trainer.optimizer.load_state_dict(state["training"]["optimizer"])
        trainer.scheduler.load_state_dict(state["training"]["scheduler"])
        trainer.generator.set_state(rng["batches"])
        torch.set_rng_state(rng["torch"])
        random.setstate(rng["python"])
    except (KeyError, ValueError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"cannot resume {path}: its training state does not fit this run "
                              f"({type(e).__name__}: {str(e).splitlines()[0][:120]})") from None
    trainer.history = {k: list(state["history"][k]) for k in HISTORY_KEYS}
    return list(state["argv"])
