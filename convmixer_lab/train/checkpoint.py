"""Checkpoints: one layout (``checkpoint_state``) for the resumable ``last.pt`` and the finished ``model.pt``,
written atomically, read with ``weights_only=True`` and checked before use (each problem one
``CheckpointError`` naming the file). ``data/checkpoints/reference.pt`` cannot be resumed."""

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

REQUIRED = ("config", "model", "history", "settings", "argv")
OPTIONAL = ("training", "test_accuracy")
TRAINING_KEYS = ("optimizer", "scheduler", "rng")
SETTINGS_KEYS = tuple(Settings().record(1))  # what a resumable checkpoint's settings hold
# The largest value of each config entry: far above any course model, far below exhausting a machine.
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
    """The checkpoint dict of ``model`` (a ConvMixer); ``training`` makes it resumable."""
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
    """``torch.save(state)`` to ``path`` atomically; a failure is a ``CheckpointWriteError`` naming it."""
    path = Path(path)
    try:
        return atomic_write(path, lambda f: torch.save(state, f))
    except OSError as e:
        error = CheckpointWriteError(f"could not write {path}: {e.strerror or e}")
        error.errno = e.errno
        raise error from e


def read_checkpoint_state(path: str | Path, *, resumable: bool = False) -> dict[str, Any]:
    """The checked checkpoint dict at ``path`` (``resumable``: its training part and weights too)."""
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
        what = "; ".join([f"lacks {', '.join(missing)}"] * bool(missing)
                         + [f"has unknown keys {unknown[:5]}"] * bool(unknown))
        raise CheckpointError(f"{path} is not a complete course checkpoint: it {what} (expected "
                              f"{', '.join(REQUIRED)}, optionally {', '.join(OPTIONAL)})")
    state["config"] = check_config(state["config"], path)
    if not isinstance(state["model"], dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state["model"].items()):
        raise CheckpointError(f"{path}: 'model' must map parameter names to tensors (a state_dict)")
    history = state["history"]
    if not isinstance(history, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and len(v) <= MAX_EPOCHS_RECORDED
            and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in v)
            for k, v in history.items()):
        raise CheckpointError(f"{path}: 'history' must map names to lists of numbers (one per epoch)")
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


def check_config(config: Any, path: str | Path = "checkpoint") -> dict[str, Any]:
    """A stored ``ConvMixer`` config checked without building anything (keys, ``CONFIG_LIMITS``, block)."""
    expected = set(CONFIG_LIMITS) | {"block"}
    if not isinstance(config, dict) or set(config) != expected:
        got = sorted(map(str, config)) if isinstance(config, dict) else type(config).__name__
        raise CheckpointError(f"{path}: 'config' must have exactly the keys {sorted(expected)}, got {got}")
    for key, limit in CONFIG_LIMITS.items():
        value, low = config[key], 0 if key == "num_classes" else 1  # 0 classes: no classifier
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= limit:
            raise CheckpointError(f"{path}: config {key}={value!r} is not an int from {low} to {limit:,}")
    if config["block"] == "seed":
        config = {**config, "block": "tutorial"}  # the tutorial's block, written before its rename
    if config["block"] not in BLOCKS:
        raise CheckpointError(f"{path}: config block={config['block']!r} is not one of {BLOCKS}")
    return config


def model_from_state(state: dict[str, Any], path: str | Path = "checkpoint") -> ConvMixer:
    """The ConvMixer that ``state`` describes, with its weights (``check_architecture`` first)."""
    config = check_architecture(state, path)
    model = ConvMixer(**config)
    model.load_state_dict(state["model"])
    return model


def check_architecture(state: dict[str, Any], path: str | Path = "checkpoint") -> dict[str, Any]:
    """The config, once the stored weights fit it (count, then every shape on the "meta" device)."""
    config = check_config(state["config"], path)
    params, stored = convmixer_params(**config), sum(t.numel() for t in state["model"].values())
    if params > 2 * stored:  # cheap first: a config far larger than its weights is not even built
        raise CheckpointError(f"{path}: its config {config} describes {params:,} parameters but the file "
                              f"holds {stored:,} numbers: the weights do not match the architecture")
    with torch.device("meta"):
        expected = ConvMixer(**config).state_dict()
    stored = state["model"]
    wrong = [(k, list(v.shape), list(expected[k].shape)) for k, v in stored.items()
             if k in expected and v.shape != expected[k].shape]
    missing, unexpected = [k for k in expected if k not in stored], [k for k in stored if k not in expected]
    parts = [f"{wrong[0][0]} has shape {wrong[0][1]} but the architecture needs {wrong[0][2]}"
             + (f" ({len(wrong) - 1} more wrong shapes)" if len(wrong) > 1 else "")] if wrong else []
    parts += [f"{len(missing)} weights missing (e.g. {missing[0]})"] if missing else []
    parts += [f"{len(unexpected)} unexpected (e.g. {unexpected[0]})"] if unexpected else []
    if parts:
        raise CheckpointError(f"{path} (ConvMixer {config}): the weights do not match the architecture: "
                              + "; ".join(parts))
    return config


def load_checkpoint(path: str | Path, device: str = "cpu") -> nn.Module:
    """The ConvMixer stored at ``path`` (its config and weights, checked), in eval mode on ``device``."""
    device = pick_device(device)  # a device this machine lacks: one line, before the file is read
    return model_from_state(read_checkpoint_state(path), path).to(device).eval()


def save_every_epoch(trainer: Trainer, path: str | Path, argv: list[str] | tuple[str, ...] = (),
                     then: Callable[[dict[str, float]], None] | None = None) -> Callable[[dict], None]:
    """An ``on_epoch`` for ``trainer.run``: a resumable checkpoint at ``path``, then ``then(row)``."""
    def on_epoch(row: dict[str, float]) -> None:
        rng = dict(batches=trainer.generator.get_state(), torch=torch.get_rng_state(),
                   python=random.getstate())
        training = dict(optimizer=trainer.optimizer.state_dict(), scheduler=trainer.scheduler.state_dict(),
                        rng=rng)
        save_checkpoint(path, checkpoint_state(trainer.model, trainer.history, trainer.record(), argv,
                                               training=training))
        if then is not None:
            then(row)
    return on_epoch


def restore(trainer: Trainer, state: dict[str, Any], path: str | Path = "checkpoint") -> list[str]:
    """Load a resumable ``state`` into ``trainer``, refusing a contradiction; returns its command line."""
    for key, value in trainer.record().items():
        if state["settings"].get(key) != value:
            fix = "train on the same images" if key == "n_train" else "pass the checkpoint's value"
            raise CheckpointError(f"cannot resume {path}: {key}={value!r} contradicts the checkpoint's "
                                  f"{key}={state['settings'].get(key)!r}; {fix}")
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
