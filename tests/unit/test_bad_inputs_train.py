"""Bad input to the trainer, as a table: every bad command line ends with argparse's usage line and
exit status 2 before any data are loaded or a model is built; every bad checkpoint file ends with one
``CheckpointError`` naming the file. Each row checks the message names the culprit and that nothing
on disk changed."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import zipfile
from pathlib import Path

import pytest
import torch

from convmixer_lab.data import FILES, fashion_mnist_tensors
from convmixer_lab.presets import fashion_convmixer
from convmixer_lab.train import (
    CheckpointError,
    Settings,
    Trainer,
    checkpoint_state,
    cli,
    load_checkpoint,
    read_checkpoint_state,
    save_every_epoch,
    seed_everything,
)

TINY_ARGS = ["--dim", "8", "--depth", "1", "--kernel-size", "3", "--patch-size", "4", "--epochs", "2",
             "--batch-size", "32", "--subset", "64", "--device", "cpu"]


def folder_hash(folder: Path) -> str:
    """Every file's relative path, permissions and bytes under ``folder`` (or that it is missing)."""
    if not folder.exists():
        return "missing"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(f"{path.relative_to(folder)} {path.stat().st_mode:o}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def run_files(tmp_path_factory) -> dict[str, Path]:
    """A real unfinished run (last.pt after epoch 1 of 2, as the command line writes it with
    TINY_ARGS) and a finished one (model.pt too)."""
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("runs")
    data = fashion_mnist_tensors(subset=64)
    seed_everything(0)
    model = fashion_convmixer("small", dim=8, depth=1, kernel_size=3, patch_size=4)

    def stop(step: int, lr: float) -> None:
        if step == 3:  # inside epoch 2 (2 steps an epoch): last.pt holds epoch 1
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        settings = Settings(epochs=2, batch_size=32, lr=0.01)
        trainer = Trainer(model, data["train"], data["val"], settings, "cpu")
        trainer.run(False, stop, save_every_epoch(trainer, base / "unfinished" / "last.pt",
                                                  TINY_ARGS + ["--checkpoint-dir", "DIR"]))
    shutil.copytree(base / "unfinished", base / "finished")
    state = read_checkpoint_state(base / "finished" / "last.pt")
    del state["training"]
    torch.save(state, base / "finished" / "model.pt")
    return {"unfinished": base / "unfinished", "finished": base / "finished"}


def prepare(kind: str, tmp_path: Path, run_files: dict[str, Path]) -> Path:
    """The checkpoint folder a row trains into (under tmp_path)."""
    folder = tmp_path / "run"
    if kind in ("finished", "unfinished", "locked", "truncated", "no-training", "mismatched") or \
            kind.startswith("impossible-"):
        shutil.copytree(run_files["finished" if kind == "finished" else "unfinished"], folder)
    if kind == "locked":  # a live run: this very test process holds the lock
        (folder / "run.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    if kind == "truncated":
        data = (folder / "last.pt").read_bytes()
        (folder / "last.pt").write_bytes(data[:len(data) // 2])
    if kind == "no-training":
        state = read_checkpoint_state(folder / "last.pt")
        del state["training"]
        torch.save(state, folder / "last.pt")
    if kind == "mismatched":  # weights of another architecture under the stored config
        state = read_checkpoint_state(folder / "last.pt")
        state["model"] = _weights_of(run_files, dim=8, depth=1, kernel_size=5, patch_size=4)
        torch.save(state, folder / "last.pt")
    if kind.startswith("impossible-"):  # a stored setting no run can train with
        key, value = IMPOSSIBLE[kind]
        state = read_checkpoint_state(folder / "last.pt")
        state["settings"][key] = value
        torch.save(state, folder / "last.pt")
    if kind == "empty":
        folder.mkdir()
    if kind in ("last-folder", "final-folder"):  # a folder where a checkpoint file goes
        (folder / ("last.pt" if kind == "last-folder" else "model.pt")).mkdir(parents=True)
    if kind == "file":
        folder.write_text("not a folder")
    if kind == "under-a-file":
        (tmp_path / "plain").write_text("a file")
        return tmp_path / "plain" / "run"
    if kind == "unwritable":
        folder.mkdir()
        folder.chmod(0o500)
    return folder


IMPOSSIBLE = {"impossible-lr": ("lr", float("nan")), "impossible-epochs": ("epochs", 0),
              "impossible-batch": ("batch_size", 32.0), "impossible-seed": ("seed", -1),
              "impossible-n-train": ("n_train", 0), "impossible-lr-huge": ("lr", 10**400),
              "impossible-epochs-huge": ("epochs", 10**30), "impossible-n-train-huge": ("n_train", 10**9)}
CLI_ONLY = ("impossible-n-train-huge",)  # a checkpoint may hold any n_train; Fashion-MNIST has 55,000
NO_CUDA = not torch.cuda.is_available()
NO_MPS = not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# (id, folder kind, arguments ("DIR": the folder), fragments the one error line must contain)
CLI_CASES = [
    ("lr-nan", None, ["--lr", "nan"], ["argument --lr", "finite"]),
    ("lr-inf", None, ["--lr", "inf"], ["argument --lr", "finite"]),
    ("lr-zero", None, ["--lr", "0"], ["argument --lr", "> 0"]),
    ("lr-negative", None, ["--lr", "-0.1"], ["argument --lr"]),
    ("lr-word", None, ["--lr", "fast"], ["argument --lr", "'fast'"]),
    ("budget-nan", None, ["--time-budget", "nan"], ["argument --time-budget", "finite"]),
    ("budget-inf", None, ["--time-budget", "inf"], ["argument --time-budget", "finite"]),
    ("budget-zero", None, ["--time-budget", "0"], ["argument --time-budget", "> 0"]),
    ("seed-negative", None, ["--seed", "-1"], ["argument --seed", ">= 0"]),
    ("seed-too-large", None, ["--seed", str(2**32)], ["argument --seed", "at most 4294967295"]),
    ("seed-fraction", None, ["--seed", "1.5"], ["argument --seed", "whole number"]),
    ("patch-larger-than-image", None, ["--patch-size", "29"], ["argument --patch-size", "28x28 image"]),
    ("patch-zero", None, ["--patch-size", "0"], ["argument --patch-size"]),
    ("dim-zero", None, ["--dim", "0"], ["argument --dim", "positive"]),
    ("dim-401-digits", None, ["--dim", "1" + "0" * 400], ["argument --dim: must be at most 65536, got 1000"]),
    ("depth-too-large", None, ["--depth", "4097"], ["argument --depth", "at most 4096"]),
    ("kernel-401-digits", None, ["--kernel-size", "9" * 401], ["argument --kernel-size", "at most 1024"]),
    ("batch-401-digits", None, ["--batch-size", "9" * 401], ["argument --batch-size", "at most 100000000"]),
    ("epochs-too-many", None, ["--epochs", "10001"], ["argument --epochs", "at most 10000"]),
    ("budget-over-a-week", None, ["--time-budget", "604801"], ["argument --time-budget", "at most 604800"]),
    ("depth-negative", None, ["--depth", "-3"], ["argument --depth"]),
    ("epochs-zero", None, ["--epochs", "0"], ["argument --epochs"]),
    ("batch-size-zero", None, ["--batch-size", "0"], ["argument --batch-size"]),
    ("subset-zero", None, ["--subset", "0"], ["argument --subset"]),
    ("subset-negative", None, ["--subset", "-5"], ["argument --subset"]),
    ("subset-too-large", None, ["--subset", "55001"], ["argument --subset", "at most 55000"]),
    ("model-too-large", None, ["--dim", "60000", "--depth", "100"],
     ["--dim", "GiB", "ConvMixer-60000/100"]),
    ("kernel-too-large", None, ["--kernel-size", "1024", "--dim", "4096"],
     ["--kernel-size", "GiB", "k=1024"]),
    ("batch-too-large", None, ["--preset", "reference", "--batch-size", "10000000"], ["--batch-size", "GiB"]),
    ("device-unknown", None, ["--device", "tpu"], ["argument --device", "'tpu'"]),
    pytest.param("device-cuda-missing", None, ["--device", "cuda"], ["argument --device", "no CUDA GPU"],
                 marks=pytest.mark.skipif(not NO_CUDA, reason="this machine has CUDA")),
    pytest.param("device-cuda-index", None, ["--device", "cuda:7"], ["argument --device", "cuda:7"],
                 marks=pytest.mark.skipif(torch.cuda.device_count() > 7, reason="8 GPUs here")),
    pytest.param("device-mps-missing", None, ["--device", "mps"], ["argument --device", "MPS"],
                 marks=pytest.mark.skipif(not NO_MPS, reason="this machine has MPS")),
    ("preset-unknown", None, ["--preset", "huge"], ["argument --preset", "'huge'"]),
    ("block-unknown", None, ["--block", "wide"], ["argument --block", "'wide'"]),
    ("flag-unknown", None, ["--learning-rate", "0.1"], ["unrecognized arguments: --learning-rate"]),
    ("flag-abbreviated", None, ["--over"], ["unrecognized arguments: --over"]),
    ("dir-is-a-file", "file", ["--checkpoint-dir", "DIR"], ["--checkpoint-dir", "is a file"]),
    ("dir-under-a-file", "under-a-file", ["--checkpoint-dir", "DIR"],
     ["--checkpoint-dir", "cannot be created"]),
    pytest.param("dir-not-writable", "unwritable", ["--checkpoint-dir", "DIR"],
                 ["--checkpoint-dir", "no write permission"],
                 marks=pytest.mark.skipif(AS_ROOT, reason="root may write anywhere")),
    ("resume-without-dir", None, ["--resume"], ["--resume needs --checkpoint-dir"]),
    ("overwrite-without-dir", None, ["--overwrite"], ["--overwrite needs --checkpoint-dir"]),
    ("resume-and-overwrite", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--overwrite"],
     ["--resume and --overwrite contradict"]),
    ("resume-nothing", "empty", ["--checkpoint-dir", "DIR", "--resume"], ["nothing to resume", "last.pt"]),
    ("resume-missing-dir", None, ["--checkpoint-dir", "DIR", "--resume"], ["nothing to resume"]),
    ("finished-run", "finished", ["--checkpoint-dir", "DIR"], ["finished run", "--overwrite", "--resume"]),
    ("finished-run-resume", "finished", ["--checkpoint-dir", "DIR", "--resume"],
     ["finished run", "nothing to resume", "--overwrite"]),
    ("unfinished-run", "unfinished", ["--checkpoint-dir", "DIR"],
     ["unfinished run", "--resume", "--overwrite"]),
    ("live-run-overwrite", "locked", ["--checkpoint-dir", "DIR", "--overwrite"],
     ["is training in it right now", f"pid {os.getpid()}"]),
    ("live-run-resume", "locked", ["--checkpoint-dir", "DIR", "--resume"], ["is training in it right now"]),
    ("resume-other-lr", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--lr", "0.5"],
     ["--lr 0.5 contradicts", "lr 0.01"]),
    ("resume-other-dim", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--dim", "16"],
     ["--dim 16 contradicts", "dim 8"]),
    ("resume-other-kernel", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--kernel-size", "5"],
     ["--kernel-size 5 contradicts", "kernel_size 3"]),
    ("resume-other-block", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--block", "tutorial"],
     ["--block tutorial contradicts", "block paper"]),
    ("resume-other-batch", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--batch-size", "64"],
     ["--batch-size 64 contradicts", "batch_size 32"]),
    ("resume-other-epochs", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--epochs", "9"],
     ["--epochs 9 contradicts", "epochs 2"]),
    ("resume-other-seed", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--seed", "3"],
     ["--seed 3 contradicts", "seed 0"]),
    ("resume-other-augment", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--augment"],
     ["--augment True contradicts", "augment False"]),
    ("resume-other-budget", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--time-budget", "30"],
     ["--time-budget 30.0 contradicts", "time_budget None"]),
    ("resume-other-subset", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--subset", "128"],
     ["--subset 128 contradicts", "subset 64"]),
    ("resume-other-preset", "unfinished", ["--checkpoint-dir", "DIR", "--resume", "--preset", "reference"],
     ["--preset reference contradicts"]),
    ("resume-truncated", "truncated", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "last.pt is not a complete PyTorch checkpoint"]),
    ("resume-wrong-weights", "mismatched", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "last.pt", "do not match the architecture"]),
    ("dir-empty-string", None, ["--checkpoint-dir", ""], ["argument --checkpoint-dir", "an empty path"]),
    ("one-image-on-a-1x1-grid", None, ["--subset", "1", "--patch-size", "28"],
     ["--subset 1 with --patch-size 28", "--subset 2 or more"]),
    ("resume-impossible-lr", "impossible-lr", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "its stored setting lr must be a finite number, got nan", "--overwrite"]),
    ("resume-impossible-epochs", "impossible-epochs", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "stored setting epochs must be a positive int"]),
    ("resume-impossible-batch", "impossible-batch", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "stored setting batch_size must be a positive int", "float 32.0"]),
    ("resume-impossible-seed", "impossible-seed", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "stored setting seed must be"]),
    ("resume-impossible-n-train", "impossible-n-train", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "stored setting n_train must be a positive int"]),
    ("resume-huge-lr", "impossible-lr-huge", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "its stored setting lr must be a finite number, got 10000", "--overwrite"]),
    ("resume-huge-epochs", "impossible-epochs-huge", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "its stored setting epochs must be at most 10000", "--overwrite"]),
    ("resume-huge-n-train", "impossible-n-train-huge", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "last.pt cannot be resumed: its stored setting n_train=1000000000 is impossible",
      "55,000 training images", "--overwrite"]),
    ("resume-last-pt-a-folder", "last-folder", ["--checkpoint-dir", "DIR", "--resume"],
     ["--checkpoint-dir", "holds last.pt as a folder, not a checkpoint file", "remove or rename"]),
    ("overwrite-last-pt-a-folder", "last-folder", ["--checkpoint-dir", "DIR", "--overwrite"],
     ["holds last.pt as a folder"]),
    ("model-pt-a-folder", "final-folder", ["--checkpoint-dir", "DIR"], ["holds model.pt as a folder"]),
    ("resume-not-resumable", "no-training", ["--checkpoint-dir", "DIR", "--resume"],
     ["--resume", "last.pt is not a complete course checkpoint", "lacks training"]),
]


@pytest.fixture
def no_data_or_model(monkeypatch):
    """Fail loudly if a row gets as far as loading data or building a model."""
    def forbidden(*args, **kwargs):
        raise AssertionError("data were loaded or a model was built before the input was refused")
    monkeypatch.setattr(cli, "fashion_mnist_tensors", forbidden)
    monkeypatch.setattr(cli, "fashion_convmixer", forbidden)


def refused_in_one_line(argv: list[str], tmp_path: Path, capsys, fragments: list[str]) -> None:
    """``cli.main(argv)`` ends in the usage line, one error line holding ``fragments``, exit status 2,
    and nothing under ``tmp_path`` changed."""
    before = folder_hash(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert exit_info.value.code == 2
    assert lines[0].startswith("usage: python -m convmixer_lab.train") and "Traceback" not in err
    message = lines[-1]
    assert message.startswith("python -m convmixer_lab.train: error: ")
    for fragment in fragments:
        assert fragment in message, message
    assert folder_hash(tmp_path) == before


@pytest.mark.parametrize("name, kind, args, fragments", CLI_CASES,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_command_line_is_refused_in_one_line(name, kind, args, fragments, tmp_path, run_files,
                                                   capsys, no_data_or_model):
    folder = prepare(kind, tmp_path, run_files) if kind else tmp_path / "run"
    # TINY_ARGS agree with the stored run; the last flag wins
    argv = TINY_ARGS + [str(folder) if a == "DIR" else a for a in args]
    try:
        refused_in_one_line(argv, tmp_path, capsys, fragments)
    finally:
        if kind == "unwritable":
            folder.chmod(0o700)


def _gz_files_in(d: Path) -> Path:
    for name in FILES.values():
        (d / name).write_bytes(b"")
    return d


# (id, the CONVMIXER_LAB_DATA made under the folder d, fragments of the one error line)
DATA_CASES = [
    ("missing-folder", lambda d: d / "nonexistent", ["nonexistent/fashion-mnist (from CONVMIXER_LAB_DATA) "
                                                     "does not exist", "download_fashion_mnist"]),
    ("no-such-user", lambda d: "~no_such_user_xyz/data", ["CONVMIXER_LAB_DATA='~no_such_user_xyz/data' "
                                                          "cannot be expanded"]),
    ("a-file", lambda d: (d / "passwd", (d / "passwd").write_text("root:x:0:0\n"))[0],
     ["passwd' is a file, not a folder", "set CONVMIXER_LAB_DATA to the folder that holds fashion-mnist/"]),
    ("no-fashion-mnist-in-it", lambda d: d, ["fashion-mnist (from CONVMIXER_LAB_DATA) does not exist"]),
    ("blank", lambda d: " ", ["CONVMIXER_LAB_DATA=' ' is blank", "or unset it"]),
    ("empty-fashion-mnist", lambda d: ((d / "fashion-mnist").mkdir(), d)[1],
     ["fashion-mnist lacks train-images-idx3-ubyte.gz, ", "download_fashion_mnist"]),
    ("gz-files-directly", _gz_files_in, ["holds the .gz files itself", "move them into"]),
]


@pytest.mark.parametrize("name, make, fragments", DATA_CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_data_folder_is_refused_in_one_line(name, make, fragments, tmp_path, monkeypatch, capsys,
                                                  no_data_or_model):
    monkeypatch.setenv("CONVMIXER_LAB_DATA", str(make(tmp_path)))
    refused_in_one_line(["--subset", "256", "--dim", "8", "--depth", "1", "--epochs", "1"], tmp_path, capsys,
                        [fragment.replace("{d}", str(tmp_path)) for fragment in fragments])


# --- checkpoint files ------------------------------------------------------------------------------


def _state(run_files) -> dict:
    return read_checkpoint_state(run_files["unfinished"] / "last.pt")


def _save(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _with(run_files, **changes) -> bytes:
    state = _state(run_files)
    for key, value in changes.items():
        if value is None:
            del state[key]
        else:
            state[key] = value
    return _save(state)


def _config(run_files, **changes) -> dict:
    return {**_state(run_files)["config"], **changes}


def _weights_of(run_files, **config) -> dict:
    seed_everything(0)
    return checkpoint_state(fashion_convmixer("small", **config), {}, {})["model"]


class Payload:
    def __reduce__(self):
        return (print, ("this code ran while loading",))


def _zip_not_torch() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "a zip file, not a PyTorch checkpoint")
    return buffer.getvalue()


def _old_layout(run_files) -> bytes:
    state = _state(run_files)
    return _save(dict(config=state["config"], model=state["model"], optimizer={}, scheduler={}, step=2,
                      total_steps=4, epoch=1, history=state["history"], rng={}))


def _without_a_weight(run_files) -> bytes:
    state = _state(run_files)
    del state["model"]["classifier.weight"]
    return _save(state)


def _extra_weight(run_files) -> bytes:
    state = _state(run_files)
    state["model"]["extra.weight"] = torch.zeros(3)
    return _save(state)


def _incomplete_training(run_files) -> bytes:
    state = _state(run_files)
    del state["training"]["rng"]
    return _save(state)


# (id, the file's bytes from the run's good state (None: a folder), resumable?, fragments)
CHECKPOINT_CASES = [
    ("empty", lambda r: b"", False, ["is empty (0 bytes)"]),
    ("truncated", lambda r: (r["unfinished"] / "last.pt").read_bytes()[:4000], False,
     ["not a complete PyTorch checkpoint", "truncated"]),
    ("text", lambda r: b"hello, I am not a checkpoint\n", False, ["not a complete PyTorch checkpoint"]),
    ("random-bytes", lambda r: bytes(range(256)) * 8, False, ["refused by the safe loader"]),
    ("zip-not-torch", lambda r: _zip_not_torch(), False, ["not a complete PyTorch checkpoint"]),
    ("tampered-pickle", lambda r: _save({"config": {}, "model": Payload()}), False,
     ["refused by the safe loader", "Unsupported global: GLOBAL print", "nothing in it was run"]),
    ("plain-tensor", lambda r: _save(torch.ones(3)), False, ["holds a Tensor, not a course checkpoint"]),
    ("a-list", lambda r: _save([torch.ones(2)]), False, ["holds a list"]),
    ("foreign-dict", lambda r: _save({"a": 1}), False, ["lacks config, model, history, settings, argv"]),
    ("old-layout", _old_layout, False, ["lacks settings, argv", "unknown keys"]),
    ("missing-history", lambda r: _with(r, history=None), False, ["lacks history"]),
    ("unknown-key", lambda r: _with(r, extra=1), False, ["unknown keys ['extra']"]),
    ("config-bool", lambda r: _with(r, config=_config(r, dim=True)), False, ["config dim=True"]),
    ("config-huge", lambda r: _with(r, config=_config(r, dim=70_000)), False, ["config dim=70000", "65,536"]),
    ("config-zero-depth", lambda r: _with(r, config=_config(r, depth=0)), False, ["config depth=0"]),
    ("config-float", lambda r: _with(r, config=_config(r, kernel_size=3.0)), False,
     ["config kernel_size=3.0"]),
    ("config-missing-key", lambda r: _with(r, config={k: v for k, v in _config(r).items() if k != "block"}),
     False, ["'config' must have exactly the keys"]),
    ("config-extra-key", lambda r: _with(r, config=_config(r, dropout=0)), False, ["'config' must have"]),
    ("config-block", lambda r: _with(r, config=_config(r, block="wide")), False, ["config block='wide'"]),
    ("config-not-a-dict", lambda r: _with(r, config=[8, 1]), False, ["'config' must have"]),
    ("config-far-larger-than-weights", lambda r: _with(r, config=_config(r, dim=65_536, depth=4_096)), False,
     ["describes", "parameters but the file holds"]),
    ("other-architecture",
     lambda r: _with(r, model=_weights_of(r, dim=8, depth=1, kernel_size=5, patch_size=4)),
     False, ["do not match the architecture", "depthwise.weight has shape [8, 1, 5, 5]"]),
    ("missing-weight", _without_a_weight, False, ["1 weights missing (e.g. classifier.weight)"]),
    ("unexpected-weight", _extra_weight, False, ["1 unexpected (e.g. extra.weight)"]),
    ("weights-not-tensors", lambda r: _with(r, model={"a": 1}), False, ["'model' must map"]),
    ("history-strings", lambda r: _with(r, history={"loss": ["low"]}), False, ["'history' must map"]),
    ("settings-tensor", lambda r: _with(r, settings={"lr": torch.ones(1)}), False, ["'settings' must map"]),
    ("argv-not-list", lambda r: _with(r, argv="--lr 0.1"), False, ["'argv' must be a list"]),
    ("not-resumable", lambda r: _with(r, training=None), True, ["lacks training"]),
    ("training-incomplete", _incomplete_training, True, ["'training' must hold optimizer, scheduler, rng"]),
    ("settings-incomplete", lambda r: _with(r, settings={"lr": 0.01}), True,
     ["cannot be resumed", "settings must hold epochs"]),
    ("history-uneven", lambda r: _with(r, history={**_state(r)["history"], "loss": []}), True,
     ["cannot be resumed", "one value per epoch"]),
    ("a-folder", None, False, ["is a folder, not a checkpoint file"]),
    *[(f"settings-{key}-{value}", lambda r, key=key, value=value: _with(
        r, settings={**_state(r)["settings"], key: value}), True,
      ["cannot be resumed", f"setting {key} must"])
      for kind, (key, value) in IMPOSSIBLE.items() if kind not in CLI_ONLY],
]


@pytest.mark.parametrize("name, make, resumable, fragments", CHECKPOINT_CASES,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_a_bad_checkpoint_is_one_checkpoint_error_naming_the_file(name, make, resumable, fragments, tmp_path,
                                                                    run_files, capsys):
    path = tmp_path / "ckpt" / "model.pt"
    if make is None:
        path.mkdir(parents=True)
    else:
        path.parent.mkdir()
        path.write_bytes(make(run_files))
    before = folder_hash(tmp_path / "ckpt")
    with pytest.raises(CheckpointError) as info:
        if resumable:
            read_checkpoint_state(path, resumable=True)
        else:
            load_checkpoint(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message and len(message) < 500
    for fragment in fragments:
        assert fragment in message, message
    assert folder_hash(tmp_path / "ckpt") == before
    assert "this code ran" not in capsys.readouterr().out


def test_the_table_is_large_enough():
    assert len(CLI_CASES) + len(CHECKPOINT_CASES) >= 25


# --- devices and the data folder -------------------------------------------------------------------

@pytest.mark.skipif(torch.cuda.device_count() > 7, reason="8 GPUs here")
def test_load_checkpoint_on_a_device_this_machine_lacks_is_one_line(run_files):
    with pytest.raises(ValueError) as info:
        load_checkpoint(run_files["finished"] / "model.pt", device="cuda:7")
    message = str(info.value)
    assert "\n" not in message and "device='cuda:7'" in message and "use device='auto' or 'cpu'" in message


def test_a_data_variable_that_cannot_be_expanded_names_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVMIXER_LAB_DATA", "~no_such_user_xyz/data")
    before = folder_hash(tmp_path)
    with pytest.raises(ValueError) as info:
        load_checkpoint(tmp_path / "model.pt")
    message = str(info.value)
    assert message.startswith("CONVMIXER_LAB_DATA='~no_such_user_xyz/data' cannot be expanded")
    assert "\n" not in message
    assert folder_hash(tmp_path) == before


def test_a_data_folder_without_checkpoints_says_so(monkeypatch, tmp_path):
    from convmixer_lab.data import reference_checkpoint

    (tmp_path / "fashion-mnist").mkdir()
    monkeypatch.setenv("CONVMIXER_LAB_DATA", str(tmp_path))
    before = folder_hash(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        load_checkpoint(reference_checkpoint())
    message = str(info.value)
    assert f"CONVMIXER_LAB_DATA names {tmp_path}, which lacks checkpoints/reference.pt" in message
    assert "\n" not in message and folder_hash(tmp_path) == before
