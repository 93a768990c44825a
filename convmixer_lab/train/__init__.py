"""Train a ConvMixer on Fashion-MNIST. Floors (none imports a higher one): schedule, loop (Settings, fit),
checkpoint, runfolder and cli (``python -m convmixer_lab.train --preset small --json``)."""

from convmixer_lab.train.checkpoint import (
    SETTINGS_KEYS,
    CheckpointError,
    CheckpointWriteError,
    checkpoint_state,
    load_checkpoint,
    read_checkpoint_state,
    restore,
    save_checkpoint,
    save_every_epoch,
)
from convmixer_lab.train.loop import (
    HISTORY_KEYS,
    SEED_MAX,
    Settings,
    Trainer,
    confusion_counts,
    epoch_line,
    evaluate,
    fit,
    pick_device,
    predict,
    print_epoch,
    seed_everything,
    train_one_epoch,
)
from convmixer_lab.train.schedule import OneCycle, TimeBudget

__all__ = ["HISTORY_KEYS", "SEED_MAX", "SETTINGS_KEYS", "CheckpointError", "CheckpointWriteError", "OneCycle",
           "Settings", "TimeBudget", "Trainer", "checkpoint_state", "confusion_counts", "epoch_line",
           "evaluate", "fit", "load_checkpoint", "pick_device", "predict", "print_epoch",
           "read_checkpoint_state", "restore", "save_checkpoint", "save_every_epoch", "seed_everything",
           "train_one_epoch"]
