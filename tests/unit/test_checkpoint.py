"""Checkpoints: one layout built by one function, atomic writes, safe and checked reads, the
shipped reference checkpoint."""

from __future__ import annotations

import errno
import pickle

import pytest
import torch

from convmixer_lab.data import REFERENCE_CHECKPOINT
from convmixer_lab.model import ConvMixer
from convmixer_lab.presets import PRESET_NAMES, fashion_convmixer, model_config
from convmixer_lab.train import Settings, Trainer, load_checkpoint, restore, seed_everything
from convmixer_lab.train import checkpoint as checkpoint_module
from convmixer_lab.train.checkpoint import (
    SETTINGS_KEYS,
    CheckpointError,
    CheckpointWriteError,
    check_config,
    checkpoint_state,
    model_from_state,
    read_checkpoint_state,
    save_checkpoint,
)

HISTORY = dict(epoch=[1.0], loss=[2.0], train_accuracy=[0.1], val_accuracy=[0.2], seconds=[0.5])
SETTINGS = dict(epochs=1, batch_size=32, lr=0.01, weight_decay=0.05, label_smoothing=0.1, augment=False,
                seed=0, time_budget=None, n_train=64)


def tiny():
    seed_everything(0)
    return fashion_convmixer("small", dim=8, depth=1)


def test_one_function_builds_both_layouts():
    model = tiny()
    final = checkpoint_state(model, HISTORY, SETTINGS, ["--dim", "8"], test_accuracy=0.25)
    training = dict(optimizer={}, scheduler={}, rng={})
    last = checkpoint_state(model, HISTORY, SETTINGS, ["--dim", "8"], training=training)
    assert set(final) == {"config", "model", "history", "settings", "argv", "test_accuracy"}
    assert set(last) == {"config", "model", "history", "settings", "argv", "training"}
    assert final["config"] == model.config and final["argv"] == ["--dim", "8"]
    assert all(torch.equal(final["model"][k], v) and final["model"][k].device.type == "cpu"
               for k, v in model.state_dict().items())
    final["history"]["loss"].append(9.0)
    assert HISTORY["loss"] == [2.0]  # a copy: later epochs do not change a written state
    with pytest.raises(TypeError, match="a model with a .config dict"):
        checkpoint_state(torch.nn.Linear(2, 2), HISTORY, SETTINGS)


def test_restoring_onto_other_training_images_names_n_train():
    model = tiny()
    images, labels = torch.zeros(32, 1, 28, 28), torch.zeros(32, dtype=torch.long)
    settings = Settings(**{k: v for k, v in SETTINGS.items() if k != "n_train"})
    trainer = Trainer(model, (images, labels), settings=settings, device="cpu")
    state = checkpoint_state(model, HISTORY, SETTINGS, training=dict(optimizer={}, scheduler={}, rng={}))
    with pytest.raises(CheckpointError) as info:
        restore(trainer, state, "last.pt")
    assert str(info.value) == ("cannot resume last.pt: n_train=32 contradicts the checkpoint's n_train=64; "
                               "train on the same images")


def test_round_trip_rebuilds_the_same_model(tmp_path):
    model = tiny()
    save_checkpoint(tmp_path / "model.pt", checkpoint_state(model, HISTORY, SETTINGS))
    state = read_checkpoint_state(tmp_path / "model.pt")
    rebuilt = model_from_state(state, tmp_path / "model.pt")
    loaded = load_checkpoint(tmp_path / "model.pt")
    assert loaded.config == rebuilt.config == model.config and not loaded.training
    for k, v in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[k], v) and torch.equal(loaded.state_dict()[k], v)
    with pytest.raises(CheckpointError, match="lacks training"):
        read_checkpoint_state(tmp_path / "model.pt", resumable=True)


def test_a_failed_write_keeps_the_previous_file_and_names_it(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "last.pt"
    save_checkpoint(path, checkpoint_state(tiny(), HISTORY, SETTINGS))
    before = path.read_bytes()
    with pytest.raises((AttributeError, pickle.PicklingError)):
        save_checkpoint(path, {"a": lambda: 0})  # cannot be pickled: the old file must survive
    real = checkpoint_module.atomic_write

    def disk_full(target, write, mode=0o644):
        def broken(f):
            f.write(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(target, broken, mode)

    monkeypatch.setattr(checkpoint_module, "atomic_write", disk_full)
    with pytest.raises(CheckpointWriteError) as info:
        save_checkpoint(path, checkpoint_state(tiny(), HISTORY, SETTINGS))
    assert str(info.value) == f"could not write {path}: No space left on device"
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and [p.name for p in path.parent.iterdir()] == ["last.pt"]


class Payload:
    def __reduce__(self):
        return (print, ("this code ran while loading",))


def test_a_tampered_checkpoint_cannot_run_code(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"config": model_config("small"), "model": Payload()}, path)
    with pytest.raises(CheckpointError, match="refused by the safe loader"):
        load_checkpoint(path)
    assert "this code ran" not in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="does not exist; train one with"):
        load_checkpoint(tmp_path / "missing.pt")


def test_fit_records_the_settings_a_resumable_checkpoint_needs():
    assert tuple(Settings().record(64)) == SETTINGS_KEYS == tuple(SETTINGS)  # what restore compares


def test_check_config_accepts_every_course_model():
    for config in [model_config(name) for name in PRESET_NAMES] + [
            ConvMixer(1536, 20, 9, 7, 1000).config, ConvMixer(8, 1, num_classes=0, block="tutorial").config]:
        assert check_config(config) == config


def test_the_reference_checkpoint_keeps_its_layout():
    """It predates the validation split: test_accuracy per epoch in its history; it loads, but it is
    not resumable (no optimizer state was shipped)."""
    state = read_checkpoint_state(REFERENCE_CHECKPOINT)
    assert set(state) == {"config", "model", "history", "settings", "argv"}
    assert "test_accuracy" in state["history"] and "val_accuracy" not in state["history"]
    assert round(state["history"]["test_accuracy"][-1], 4) == 0.9501
    with pytest.raises(CheckpointError, match="lacks training"):
        read_checkpoint_state(REFERENCE_CHECKPOINT, resumable=True)
    model = load_checkpoint(REFERENCE_CHECKPOINT)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state["model"].items())  # bit-identical


def test_a_checkpoint_of_the_tutorial_block_written_as_seed_still_loads(tmp_path):
    """Before its rename the tutorial's block was called "seed": such a checkpoint loads as the
    tutorial's block (whichever name this version's model.BLOCKS uses)."""
    from convmixer_lab.model import BLOCKS

    seed_everything(0)
    model = fashion_convmixer("small", dim=8, depth=1, block=BLOCKS[1])
    state = checkpoint_state(model, HISTORY, SETTINGS)
    state["config"]["block"] = "seed"
    save_checkpoint(tmp_path / "old.pt", state)
    loaded = load_checkpoint(tmp_path / "old.pt")
    assert loaded.config["block"] == BLOCKS[1] and type(loaded.mixer_layers[0]) is type(model.mixer_layers[0])
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values()))
