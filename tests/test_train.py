"""The trainer: one epoch, determinism, history, the schedule and the time budget, resume after a
kill, predict/evaluate modes, checkpoints of the shipped reference model."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from convmixer_lab.augment import augment_batch, draw
from convmixer_lab.data import fashion_mnist_tensors, load_fashion_mnist, to_tensor
from convmixer_lab.presets import fashion_convmixer
from convmixer_lab.train import (
    HISTORY_KEYS,
    CheckpointError,
    OneCycle,
    Settings,
    Trainer,
    confusion_counts,
    epoch_line,
    evaluate,
    fit,
    load_checkpoint,
    pick_device,
    predict,
    print_epoch,
    read_checkpoint_state,
    restore,
    save_every_epoch,
    seed_everything,
    train_one_epoch,
)
from convmixer_lab.train.schedule import CALIBRATION_STEPS, RESERVE, WARMUP_STEPS, TimeBudget

REPO = Path(__file__).resolve().parent.parent
TINY = dict(dim=8, depth=1, kernel_size=3, patch_size=4)


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def tiny_data():
    """300 training images and 200 validation images (from the held-out split)."""
    data = fashion_mnist_tensors(subset=300)
    return data["train"], (data["val"][0][:200], data["val"][1][:200])


def tiny_model(seed: int = 0):
    seed_everything(seed)
    return fashion_convmixer("small", **TINY)


def run(model, data, checkpoint_path=None, resume=False, **kw):
    """fit, or with ``checkpoint_path`` a Trainer saving after every epoch (``resume``: restored
    first), as the command line does."""
    kw = {**dict(epochs=3, batch_size=64, lr=0.02, device="cpu", progress=False), **kw}
    hooks = {k: kw.pop(k) for k in ("progress", "on_step", "on_epoch") if k in kw}
    trainer = Trainer(model, data[0], data[1], Settings(**{k: v for k, v in kw.items() if k != "device"}),
                      kw["device"])
    if resume:
        restore(trainer, read_checkpoint_state(checkpoint_path, resumable=True), checkpoint_path)
    if checkpoint_path is not None:
        hooks["on_epoch"] = save_every_epoch(trainer, checkpoint_path, then=hooks.get("on_epoch"))
    return trainer.run(**hooks)


def test_history_shape_and_learning(tiny_data):
    history = run(tiny_model(), tiny_data, epochs=5, lr=0.05)
    assert list(history) == ["epoch", "loss", "train_accuracy", "val_accuracy", "seconds"]
    assert history["epoch"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert history["loss"][-1] < history["loss"][0] - 0.5
    assert history["val_accuracy"][-1] > 0.35  # 10 classes: chance is 0.1 (this run: 0.455)
    assert all(0 <= a <= 1 for a in history["train_accuracy"] + history["val_accuracy"])


def test_same_seed_same_result_other_seed_differs(tiny_data):
    a, b = run(tiny_model(), tiny_data, augment=True), run(tiny_model(), tiny_data, augment=True)
    c = run(tiny_model(1), tiny_data, seed=1, augment=True)
    for key in ("loss", "train_accuracy", "val_accuracy"):
        assert a[key] == b[key]
    assert a["loss"] != c["loss"]


def test_train_one_epoch_is_fit_s_epoch(tiny_data):
    """fit's first epoch is train_one_epoch with the generator seed_everything returns."""
    expected = run(tiny_model(), tiny_data, epochs=1)
    model = tiny_model()
    generator = seed_everything(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.02, weight_decay=0.05)
    scheduler = OneCycle(optimizer, total_steps=5)
    stats = train_one_epoch(model, optimizer, *tiny_data[0], Settings(batch_size=64), generator=generator,
                            scheduler=scheduler)
    assert stats == dict(loss=expected["loss"][0], train_accuracy=expected["train_accuracy"][0], steps=5)
    assert evaluate(model, *tiny_data[1]) == expected["val_accuracy"][0]


def test_on_epoch_sees_each_row_as_it_ends_and_on_step_sees_the_rate(tiny_data, capsys):
    steps = []
    history = run(tiny_model(), tiny_data, epochs=4, on_epoch=print_epoch,
                  on_step=lambda step, lr: steps.append((step, lr)))
    lines = capsys.readouterr().out.splitlines()
    rows = [dict(zip(HISTORY_KEYS, values)) for values in zip(*history.values())]
    assert lines == [epoch_line(row) for row in rows]
    assert lines[0].startswith("epoch 1.00: loss ") and " s" not in lines[0]  # no timings
    assert [s for s, _ in steps] == list(range(1, 21))  # the peak: after a quarter, at step 6
    assert steps[0][1] == pytest.approx(0.02 / 25) and max(lr for _, lr in steps) == pytest.approx(0.02)


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tiny_data, tmp_path):
    reference = tiny_model()
    expected = run(reference, tiny_data, augment=True)
    path = tmp_path / "last.pt"

    def stop(step: int, lr: float) -> None:
        if step == 7:  # mid-way through epoch 2 (5 steps per epoch)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tiny_model(), tiny_data, augment=True, checkpoint_path=path, on_step=stop)
    assert read_checkpoint_state(path)["history"]["epoch"] == [1.0]
    resumed = tiny_model(5)  # different initial weights: everything must come from the checkpoint
    history = run(resumed, tiny_data, augment=True, checkpoint_path=path, resume=True)
    for key in ("epoch", "loss", "train_accuracy", "val_accuracy"):
        assert history[key] == expected[key]
    for p, q in zip(resumed.state_dict().values(), reference.state_dict().values()):
        assert torch.equal(p, q)


def test_resume_refuses_settings_that_contradict_the_checkpoint(tiny_data, tmp_path):
    path = tmp_path / "last.pt"
    run(tiny_model(), tiny_data, epochs=1, checkpoint_path=path)
    with pytest.raises(CheckpointError, match=r"lr=0\.05 contradicts the checkpoint's lr=0\.02"):
        run(tiny_model(), tiny_data, epochs=1, lr=0.05, checkpoint_path=path, resume=True)
    seed_everything(0)
    with pytest.raises(CheckpointError, match="the model .* is not the checkpoint's"):
        run(fashion_convmixer("small", **{**TINY, "dim": 16}), tiny_data, epochs=1, checkpoint_path=path,
            resume=True)


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


def test_checkpoint_round_trip_and_eval_mode(tiny_data, tmp_path):
    model = tiny_model()
    run(model, tiny_data, epochs=1, checkpoint_path=tmp_path / "last.pt")
    loaded = load_checkpoint(tmp_path / "last.pt")
    assert not loaded.training and loaded.config == model.config
    x = tiny_data[1][0]
    assert torch.equal(predict(loaded, x), predict(model, x))
    assert evaluate(loaded, *tiny_data[1]) == evaluate(model, *tiny_data[1])
    state = read_checkpoint_state(tmp_path / "last.pt", resumable=True)
    assert set(state) == {"config", "model", "history", "settings", "argv", "training"}
    assert set(state["training"]) == {"optimizer", "scheduler", "rng"}
    assert state["settings"] == dict(epochs=1, batch_size=64, lr=0.02, weight_decay=0.05,
                                     label_smoothing=0.1, augment=False, seed=0, time_budget=None,
                                     n_train=300)
    assert state["training"]["scheduler"]["total_steps"] == 5 and state["argv"] == []


def test_predict_and_evaluate_restore_the_mode_and_keep_batchnorm_statistics(tiny_data):
    model = tiny_model()
    run(model, tiny_data, epochs=1)
    x, y = tiny_data[1]
    buffers = {k: v.clone() for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}
    model.train()
    train_mode_logits = model(x[:64]).detach()  # the batch's statistics (this call updates the buffers)
    after_call = {k: v.clone() for k, v in model.state_dict().items() if k in buffers}
    assert any(not torch.equal(after_call[k], buffers[k]) for k in buffers)
    for mode in (True, False):
        model.train(mode)
        accuracy = evaluate(model, x, y, batch_statistics=True)
        assert model.training is mode and all(m.training is mode for m in model.modules())
        assert all(torch.equal(model.state_dict()[k], after_call[k]) for k in buffers)  # untouched
        assert all(m.track_running_stats for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
        model.train(mode)
        predict(model, x)
        assert model.training is mode
    model.train()
    with torch.no_grad():
        expected = model(x[:64])
    assert torch.allclose(predict(model, x[:64], batch_statistics=True), expected)
    assert torch.allclose(expected, train_mode_logits)
    assert 0 <= accuracy <= 1


def test_confusion_counts_rows_are_the_true_class_columns_the_predicted_one():
    labels = torch.tensor([0, 0, 0, 1, 2, 2])
    predicted = torch.tensor([1, 1, 0, 1, 1, 2])  # unbalanced: class 1 is said 4 times, true once
    counts = confusion_counts(labels, predicted, classes=3)
    assert counts.tolist() == [[1, 2, 0], [0, 1, 0], [0, 1, 1]]  # transposed it would not be
    assert counts.sum(1).tolist() == [3, 1, 2] and counts.sum(0).tolist() == [1, 4, 1]
    assert confusion_counts(labels, labels, classes=3).trace() == 6
    with pytest.raises(ValueError, match=r"classes 0\.\.2; got shapes \[6\] and \[5\]"):
        confusion_counts(labels, predicted[:5], classes=3)
    with pytest.raises(ValueError, match="classes 0..1"):
        confusion_counts(labels, predicted, classes=2)


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
    assert lrs[-1] < 1e-5 and opt.param_groups[0]["lr"] == 0.0  # after step 100: exactly 0
    held = OneCycle(torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.01), None)
    assert held.factor(500) == 1 / 25


@pytest.mark.parametrize("step, new_total", [(10, 60), (10, 400), (40, 80), (40, 1000), (70, 71)])
def test_a_new_plan_continues_the_schedule_without_a_jump_and_ends_at_zero(step, new_total):
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = OneCycle(opt, total_steps=100)
    for _ in range(step):
        opt.step()
        sched.step()
    before, progress = sched.factor(step), sched.progress(step)
    sched.plan(new_total)
    assert sched.total_steps == new_total and sched.progress(step) == progress == step / 100
    assert sched.factor(step) == pytest.approx(before)
    factors = [sched.factor(s) for s in range(step, new_total + 1)]
    if new_total - step >= 10:
        assert max(abs(a - b) for a, b in zip(factors, factors[1:])) < 0.2  # smooth
    assert factors[-1] == pytest.approx(0, abs=1e-12) and max(factors) <= 1 + 1e-12


class FakeClock:
    """A clock that only moves when told: each step of a simulated run takes ``per_step`` seconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_time_budget_plans_an_explicit_length_whose_rate_ends_at_zero():
    clock = FakeClock()
    budget = TimeBudget(10.0, clock=clock)
    sched = OneCycle(torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=1.0), total_steps=None)
    budget.start_epoch()
    planned, step = None, 0
    while planned is None:
        clock.now += 0.03  # every step takes 30 ms
        sched.optimizer.step()
        sched.step()
        step += 1
        planned = budget.after_step(step)
    assert step == WARMUP_STEPS + CALIBRATION_STEPS
    left = 10.0 - step * 0.03 - (1 - RESERVE) * 10.0  # 5% of the budget kept in reserve
    assert planned == step + int(left / 0.03) == 25 + 291
    sched.plan(planned)
    assert sched.factor(step) == pytest.approx(1 / 25)  # held at lr/25 until now: no jump
    while step < planned:
        clock.now += 0.03
        sched.optimizer.step()
        sched.step()
        step += 1
    assert sched.get_last_lr()[0] == pytest.approx(0, abs=1e-12)
    assert budget.left() == pytest.approx(10.0 - planned * 0.03) and not budget.out_of_time()


def test_time_budget_counts_the_seconds_already_spent():
    clock = FakeClock()
    budget = TimeBudget(10.0, spent=6.0, clock=clock)
    budget.start_epoch()
    clock.now += 1.5
    assert budget.left() == pytest.approx(2.5)
    assert budget.end_epoch() == pytest.approx(1.5) and budget.spent == pytest.approx(7.5)
    assert budget.replan(step=100, steps=10, seconds=1.5) == 100 + int((2.5 - 0.5) / 0.15)
    clock.now += 5
    assert budget.left() == pytest.approx(2.5)  # between epochs nothing is spent
    budget.start_epoch()
    clock.now += 2.6
    assert budget.out_of_time()


def test_time_budgeted_fit_ends_on_its_planned_length_with_the_rate_near_zero(tiny_data, tmp_path):
    rates = []
    history = run(tiny_model(), tiny_data, time_budget=4.0, checkpoint_path=tmp_path / "last.pt",
                  on_step=lambda step, lr: rates.append(lr))
    scheduler = read_checkpoint_state(tmp_path / "last.pt", resumable=True)["training"]["scheduler"]
    assert scheduler["total_steps"] == scheduler["last_epoch"] == len(rates)
    assert len(rates) > WARMUP_STEPS + CALIBRATION_STEPS
    assert rates[0] == pytest.approx(0.02 / 25) and max(rates) > 0.9 * 0.02
    assert rates[-1] < 0.01 * 0.02  # the cosine has come down
    assert history["epoch"][-1] == pytest.approx(len(rates) / 5, abs=1e-3)


def test_bad_arguments_to_fit(tiny_data):
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        run(tiny_model(), tiny_data, epochs=0)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        run(tiny_model(), tiny_data, lr=math.nan)
    with pytest.raises(ValueError, match="seed must be at most 4294967295"):
        run(tiny_model(), tiny_data, seed=2**32)
    with pytest.raises(ValueError, match="time_budget must be > 0"):
        run(tiny_model(), tiny_data, time_budget=0)
    with pytest.raises(TypeError, match=r"settings must be a Settings\(...\), got dict"):
        fit(tiny_model(), *tiny_data, dict(epochs=1))
    with pytest.raises(TypeError, match=r"val must be a pair"):
        fit(tiny_model(), tiny_data[0], tiny_data[1][0])
    with pytest.raises(ValueError, match="same length"):
        evaluate(tiny_model(), tiny_data[1][0], tiny_data[1][1][:5])


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device("auto").type == expected


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


def test_the_shipped_reference_checkpoint():
    from convmixer_lab.data import REFERENCE_CHECKPOINT

    model = load_checkpoint(REFERENCE_CHECKPOINT)
    info = read_checkpoint_state(REFERENCE_CHECKPOINT)
    assert not model.training and model.config["in_channels"] == 1 and model.config["num_classes"] == 10
    assert sum(p.numel() for p in model.parameters()) < 1_000_000
    assert set(info) == {"config", "model", "history", "settings", "argv"}  # no optimizer state shipped
    assert "--preset" in info["argv"] and "reference" in info["argv"]
    images, labels = load_fashion_mnist("test")
    accuracy = evaluate(model, to_tensor(images), torch.from_numpy(labels))
    assert accuracy == pytest.approx(info["history"]["test_accuracy"][-1], abs=2e-4)  # as logged
    assert round(accuracy, 4) == 0.9501


# --- tests that notice small bugs (issue 19) -------------------------------------------------------

def test_the_batch_order_follows_the_seed(tiny_data):
    """Same initial weights, other seed: another batch order, so other losses; the generator the
    Trainer batches with is seeded with the run's seed."""
    a = run(tiny_model(), tiny_data, epochs=1, seed=0)
    b = run(tiny_model(), tiny_data, epochs=1, seed=1)
    assert a["loss"] != b["loss"]
    trainer = Trainer(tiny_model(), *tiny_data, Settings(seed=5), "cpu")
    assert torch.equal(torch.randperm(50, generator=trainer.generator),
                       torch.randperm(50, generator=torch.Generator().manual_seed(5)))


def test_a_last_batch_of_one_image_on_a_1x1_grid_is_dropped_and_said_once(tiny_data, capsys):
    """Patch size 28: a 1x1 grid; 129 images at batch size 64 leave one image that BatchNorm cannot
    take in training mode: the epoch drops it (2 steps, not 3) instead of ending in a traceback."""
    x, y = tiny_data[0][0][:129], tiny_data[0][1][:129]
    seed_everything(0)
    model = fashion_convmixer("small", dim=8, depth=1, kernel_size=3, patch_size=28)
    history = fit(model, (x, y), tiny_data[1], Settings(epochs=2, batch_size=64), device="cpu",
                  progress=False)
    assert history["epoch"] == [1.0, 2.0]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["129 training images make a last batch of one image at batch size 64, which BatchNorm "
                   "cannot take in training mode on this model's 1x1 grid: every epoch drops it (as "
                   "DataLoader's drop_last would)"]
    seed_everything(0)
    stats = train_one_epoch(fashion_convmixer("small", **TINY), torch.optim.AdamW(model.parameters()), x, y,
                            Settings(batch_size=64))
    assert stats["steps"] == 3  # a 7x7 grid takes a batch of one image: nothing dropped
    with pytest.raises(ValueError, match="train holds one image"):
        fit(model, (x[:1], y[:1]), None, device="cpu", progress=False)


def test_a_resumed_time_budget_is_spent_once(tiny_data, tmp_path):
    """A clock that moves one "second" per step: a run interrupted after epoch 1 and resumed takes
    exactly the steps of an uninterrupted run (the first epoch's seconds counted once, not twice)."""
    def budgeted(path, resume=False, stop_at=None):
        clock = FakeClock()

        def tick(step, lr):
            clock.now += 1.0
            if step == stop_at:
                raise KeyboardInterrupt

        model = tiny_model()
        settings = Settings(batch_size=64, lr=0.02, time_budget=60.0, clock=clock)
        trainer = Trainer(model, *tiny_data, settings, "cpu")
        if resume:
            restore(trainer, read_checkpoint_state(path, resumable=True), path)
        history = trainer.run(False, tick, save_every_epoch(trainer, path))
        return history, trainer.scheduler.last_epoch

    whole, steps = budgeted(tmp_path / "a.pt")
    with pytest.raises(KeyboardInterrupt):
        budgeted(tmp_path / "b.pt", stop_at=7)
    assert read_checkpoint_state(tmp_path / "b.pt")["history"]["seconds"] == [5.0]
    resumed, resumed_steps = budgeted(tmp_path / "b.pt", resume=True)
    assert resumed_steps == steps == 56 and sum(resumed["seconds"]) == sum(whole["seconds"]) == 56.0
    assert resumed["epoch"] == whole["epoch"]
