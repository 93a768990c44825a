"""The trainer: determinism, history, resume after a kill, checkpoints, the command line."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from convmixer_lab import ConvMixer
from convmixer_lab.augment import augment_batch, draw
from convmixer_lab.cli import main
from convmixer_lab.data import load_fashion_mnist, to_tensor
from convmixer_lab.train import (
    OneCycle,
    evaluate,
    fit,
    load_checkpoint,
    pick_device,
    predict,
    read_checkpoint,
    save_checkpoint,
    seed_everything,
)

REPO = Path(__file__).resolve().parent.parent
TINY = dict(dim=8, depth=1, kernel_size=3, patch_size=4)


@pytest.fixture(scope="module")
def tiny_data():
    images, labels = load_fashion_mnist("train")
    test_images, test_labels = load_fashion_mnist("test")
    return ((to_tensor(images[:300]), torch.from_numpy(labels[:300])),
            (to_tensor(test_images[:200]), torch.from_numpy(test_labels[:200])))


def tiny_model(seed: int = 0) -> ConvMixer:
    seed_everything(seed)
    return ConvMixer(**TINY, num_classes=10, in_channels=1)


def run(model, data, **kw):
    defaults = dict(epochs=3, batch_size=64, lr=0.02, device="cpu", progress=False)
    return fit(model, data[0], data[1], **{**defaults, **kw})


def test_history_shape_and_learning(tiny_data):
    history = run(tiny_model(), tiny_data, epochs=5, lr=0.05)
    assert list(history) == ["epoch", "loss", "train_accuracy", "test_accuracy", "seconds"]
    assert history["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert history["loss"][-1] < history["loss"][0] - 0.5
    assert history["test_accuracy"][-1] > 0.35  # 10 classes: chance is 0.1 (this run: 0.425)
    assert all(0 <= a <= 1 for a in history["train_accuracy"] + history["test_accuracy"])


def test_same_seed_same_result_other_seed_differs(tiny_data):
    a, b = run(tiny_model(), tiny_data, augment=True), run(tiny_model(), tiny_data, augment=True)
    c = run(tiny_model(1), tiny_data, seed=1, augment=True)
    for key in ("loss", "train_accuracy", "test_accuracy"):
        assert a[key] == b[key]
    assert a["loss"] != c["loss"]


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tiny_data, tmp_path):
    reference = tiny_model()
    expected = run(reference, tiny_data, augment=True)
    path = tmp_path / "last.pt"

    def stop(step: int) -> None:
        if step == 7:  # mid-way through epoch 2 (5 steps per epoch)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tiny_model(), tiny_data, augment=True, checkpoint_path=path, on_step=stop)
    assert read_checkpoint(path)["epoch"] == 1
    resumed = tiny_model(5)  # different initial weights: everything must come from the checkpoint
    history = run(resumed, tiny_data, augment=True, checkpoint_path=path, resume=True)
    for key in ("epoch", "loss", "train_accuracy", "test_accuracy"):
        assert history[key] == expected[key]
    for p, q in zip(resumed.state_dict().values(), reference.state_dict().values()):
        assert torch.equal(p, q)


KILLED_RUN = textwrap.dedent("""
    import json, os, sys, torch
    from convmixer_lab import ConvMixer
    from convmixer_lab.data import load_fashion_mnist, to_tensor
    from convmixer_lab.train import fit, seed_everything
    path, kill_at, resume = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "resume"
    x, y = load_fashion_mnist("train")
    xt, yt = load_fashion_mnist("test")
    data = (to_tensor(x[:300]), torch.from_numpy(y[:300])), (to_tensor(xt[:200]), torch.from_numpy(yt[:200]))
    seed_everything(0)
    model = ConvMixer(8, 1, 3, 4, 10, in_channels=1)
    on_step = (lambda step: os._exit(9) if step == kill_at else None)
    h = fit(model, *data, epochs=3, batch_size=64, lr=0.02, device="cpu", progress=False, augment=True,
            checkpoint_path=path, resume=resume, on_step=on_step)
    print(json.dumps({k: h[k] for k in ("epoch", "loss", "train_accuracy", "test_accuracy")}))
""")


def test_resume_after_the_process_is_killed_mid_epoch(tmp_path):
    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", KILLED_RUN, *args], cwd=REPO, capture_output=True,
                              text=True, timeout=120)

    uninterrupted = python(str(tmp_path / "a.pt"), "0", "fresh")
    killed = python(str(tmp_path / "b.pt"), "12", "fresh")  # step 12 of 15: inside epoch 3
    assert killed.returncode == 9 and killed.stdout == ""
    assert read_checkpoint(tmp_path / "b.pt")["epoch"] == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left
    resumed = python(str(tmp_path / "b.pt"), "0", "resume")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(uninterrupted.stdout)


def test_checkpoint_round_trip_and_eval_mode(tiny_data, tmp_path):
    model = tiny_model()
    run(model, tiny_data, epochs=1, checkpoint_path=tmp_path / "last.pt")
    loaded = load_checkpoint(tmp_path / "last.pt")
    assert not loaded.training and loaded.config == model.config
    x = tiny_data[1][0]
    assert torch.equal(predict(loaded, x), predict(model, x))
    assert evaluate(loaded, *tiny_data[1]) == evaluate(model, *tiny_data[1])
    state = read_checkpoint(tmp_path / "last.pt")
    assert set(state) >= {"config", "model", "optimizer", "scheduler", "rng", "epoch", "history", "step"}


class Payload:
    def __reduce__(self):
        return (print, ("this code ran while loading",))


def test_a_tampered_checkpoint_cannot_run_code(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"config": TINY, "model": Payload()}, path)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(path)
    assert "this code ran" not in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="does not exist; train one with"):
        load_checkpoint(tmp_path / "missing.pt")


def test_save_checkpoint_is_atomic(tmp_path):
    path = tmp_path / "sub" / "c.pt"
    save_checkpoint(path, {"a": torch.ones(2)})
    with pytest.raises((AttributeError, pickle.PicklingError)):
        save_checkpoint(path, {"a": lambda: 0})  # cannot be pickled: the old file must survive
    assert torch.equal(read_checkpoint(path)["a"], torch.ones(2))
    assert [p.name for p in path.parent.iterdir()] == ["c.pt"]


def test_one_cycle_schedule():
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.01)
    sched = OneCycle(opt, total_steps=100)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.01 / 25)
    assert max(lrs) == pytest.approx(0.01) and lrs.index(max(lrs)) == 25
    assert lrs[-1] < 1e-5
    held = OneCycle(torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.01), None)
    assert held.factor(500) == 1 / 25


def test_augmentation_follows_its_choices():
    x = torch.arange(2 * 36, dtype=torch.float32).reshape(2, 1, 6, 6)
    # image 0: shift one column left, no flip, no erase; image 1: no shift, flip, erase 2x2 at (1, 4)
    choices = torch.tensor([[1, 2, 0, -6, 0], [1, 1, 1, 1, 4]])
    out = augment_batch(x, choices, max_shift=1, erase=2)
    assert torch.equal(out[0, 0, :, :5], x[0, 0, :, 1:]) and torch.all(out[0, 0, :, 5] == 0)
    flipped = x[1, 0].flip(1)
    assert torch.equal(out[1, 0, 1:3, 4:], torch.full((2, 2), 36.0))
    assert torch.equal(out[1, 0, 3:], flipped[3:])
    a, b = draw(50, torch.Generator().manual_seed(0)), draw(50, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a[:, :2].min() >= 0 and a[:, :2].max() <= 4
    with pytest.raises(ValueError, match="choices"):
        augment_batch(x, choices[:1])


def test_bad_arguments_to_fit(tiny_data):
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        run(tiny_model(), tiny_data, epochs=0)
    with pytest.raises(ValueError, match="resume=True needs checkpoint_path"):
        run(tiny_model(), tiny_data, resume=True)
    with pytest.raises(ValueError, match="same length"):
        evaluate(tiny_model(), tiny_data[1][0], tiny_data[1][1][:5])


def test_time_budget_runs_and_plans_its_own_length(tiny_data):
    history = run(tiny_model(), tiny_data, time_budget=3.0)
    assert len(history["epoch"]) >= 1 and history["epoch"][-1] > 0


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device("auto").type == expected


@pytest.mark.parametrize("argv, message", [
    (["--dim", "0"], "argument --dim: must be > 0"),
    (["--lr", "fast"], "argument --lr: expected a positive float, got 'fast'"),
    (["--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
    (["--resume"], "--resume needs --checkpoint-dir"),
    (["--device", "tpu"], "--device must be auto, cpu, cuda or mps"),
])
def test_cli_rejects_bad_arguments_without_a_traceback(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_trains_saves_and_reports_json(tmp_path, capsys):
    assert main(["--dim", "8", "--depth", "1", "--patch-size", "4", "--kernel-size", "3", "--epochs", "1",
                 "--subset", "256", "--device", "cpu", "--no-progress", "--json",
                 "--checkpoint-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["params"] == sum(p.numel() for p in ConvMixer(8, 1, 3, 4, 10, in_channels=1).parameters())
    assert 0 <= result["test_accuracy"] <= 1 and result["train_seconds"] > 0
    model = load_checkpoint(tmp_path / "model.pt")
    assert model.config["dim"] == 8 and not model.training
    assert read_checkpoint(tmp_path / "model.pt")["history"]["test_accuracy"][-1] == result["test_accuracy"]


def test_the_shipped_reference_checkpoint():
    from convmixer_lab.data import REFERENCE_CHECKPOINT

    model = load_checkpoint(REFERENCE_CHECKPOINT)
    info = read_checkpoint(REFERENCE_CHECKPOINT)
    assert not model.training and model.config["in_channels"] == 1 and model.config["num_classes"] == 10
    assert sum(p.numel() for p in model.parameters()) < 1_000_000
    assert set(info) == {"config", "model", "history", "settings", "argv"}  # no optimizer state shipped
    assert "--preset" in info["argv"] and "reference" in info["argv"]
    images, labels = load_fashion_mnist("test")
    accuracy = evaluate(model, to_tensor(images), torch.from_numpy(labels))
    assert accuracy == pytest.approx(info["history"]["test_accuracy"][-1], abs=2e-4)  # as logged
