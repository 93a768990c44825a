"""The trainer in a real process and on the shipped files: a run killed mid-epoch resumes as if never
stopped, and the shipped reference checkpoint loads and scores what its log says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from convmixer_lab.data import load_fashion_mnist, to_tensor
from convmixer_lab.threads import torch_threads
from convmixer_lab.train import (
    evaluate,
    load_checkpoint,
    read_checkpoint_state,
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


KILLED_RUN = textwrap.dedent("""
    import json, os, sys, torch
    from convmixer_lab.data import fashion_mnist_tensors
    from convmixer_lab.presets import fashion_convmixer
    from convmixer_lab.train import (Settings, Trainer, read_checkpoint_state, restore, save_every_epoch,
                                     seed_everything)
    path, kill_at, resume = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "resume"
    data = fashion_mnist_tensors(subset=300)
    seed_everything(0)
    model = fashion_convmixer("small", dim=8, depth=1, kernel_size=3, patch_size=4)
    on_step = (lambda step, lr: os._exit(9) if step == kill_at else None)
    trainer = Trainer(model, data["train"], (data["val"][0][:200], data["val"][1][:200]),
                      Settings(epochs=3, batch_size=64, lr=0.02, augment=True), "cpu")
    if resume:
        restore(trainer, read_checkpoint_state(path, resumable=True), path)
    h = trainer.run(False, on_step, save_every_epoch(trainer, path))
    print(json.dumps({k: h[k] for k in ("epoch", "loss", "train_accuracy", "val_accuracy")}))
""")


def test_resume_after_the_process_is_killed_mid_epoch(tmp_path):
    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", KILLED_RUN, *args], cwd=REPO, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})

    uninterrupted = python(str(tmp_path / "a.pt"), "0", "fresh")
    killed = python(str(tmp_path / "b.pt"), "12", "fresh")  # step 12 of 15: inside epoch 3
    assert killed.returncode == 9 and killed.stdout == ""
    assert read_checkpoint_state(tmp_path / "b.pt")["history"]["epoch"] == [1.0, 2.0]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left
    resumed = python(str(tmp_path / "b.pt"), "0", "resume")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(uninterrupted.stdout)


def test_the_shipped_reference_checkpoint():
    from convmixer_lab.data import REFERENCE_CHECKPOINT

    model = load_checkpoint(REFERENCE_CHECKPOINT)
    info = read_checkpoint_state(REFERENCE_CHECKPOINT)
    assert not model.training and model.config["in_channels"] == 1 and model.config["num_classes"] == 10
    assert sum(p.numel() for p in model.parameters()) < 1_000_000
    assert set(info) == {"config", "model", "history", "settings", "argv"}  # no optimizer state shipped
    assert "--preset" in info["argv"] and "reference" in info["argv"]
    images, labels = load_fashion_mnist("test")
    # every core (the module runs on one thread): scoring 10,000 images is this suite's longest single step
    with torch_threads(os.cpu_count() or 1):
        accuracy = evaluate(model, to_tensor(images), torch.from_numpy(labels))
    assert accuracy == pytest.approx(info["history"]["test_accuracy"][-1], abs=2e-4)  # as logged
    assert round(accuracy, 4) == 0.9501
