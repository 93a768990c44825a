"""The command line ``python -m convmixer_lab.train``: results and checkpoints, one entry point
without an import cycle, finished and interrupted runs never overwritten silently, --resume that
resumes (also time-budgeted runs killed early or mid-run), Ctrl-C and failed writes in one line."""

from __future__ import annotations

import errno
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from convmixer_lab.counting import convmixer_params
from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.train import checkpoint as checkpoint_module
from convmixer_lab.train import evaluate, load_checkpoint, read_checkpoint_state, runfolder
from convmixer_lab.train.cli import Run, _where, build_parser, main, plan_run

REPO = Path(__file__).resolve().parents[2]
TINY = ["--dim", "8", "--depth", "1", "--kernel-size", "3", "--patch-size", "4", "--batch-size", "32",
        "--device", "cpu", "--no-progress"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny models: one thread is faster on a shared machine


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def python(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def test_trains_saves_and_reports_json(tmp_path, capsys):
    argv = TINY + ["--epochs", "2", "--subset", "64", "--json", "--checkpoint-dir", str(tmp_path / "run")]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert lines[0].startswith("ConvMixer-8/1 p=4 k=3 block=paper: 426 parameters; device cpu; 64 training "
                               "and 5,000 validation images")
    assert [line.split(":")[0] for line in lines[1:3]] == ["epoch 1.00", "epoch 2.00"]
    assert "val accuracy" in lines[1] and lines[3].startswith("test accuracy ")
    assert result["params"] == convmixer_params(8, 1, 3, 4, num_classes=10, in_channels=1) == 426
    final = read_checkpoint_state(tmp_path / "run" / "model.pt")
    assert set(final) == {"config", "model", "history", "settings", "argv", "test_accuracy"}
    assert final["argv"] == argv and final["settings"]["n_train"] == 64
    assert final["test_accuracy"] == result["test_accuracy"]
    assert final["history"]["val_accuracy"][-1] == result["val_accuracy"]
    assert sum(final["history"]["seconds"]) == result["train_seconds"] > 0
    model = load_checkpoint(tmp_path / "run" / "model.pt")
    assert evaluate(model, *fashion_mnist_tensors(subset=1)["test"]) == result["test_accuracy"]
    last = read_checkpoint_state(tmp_path / "run" / "last.pt", resumable=True)
    assert all(torch.equal(last["model"][k], v) for k, v in final["model"].items())
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["last.pt", "model.pt"]  # lock gone


def test_one_entry_point_and_no_import_cycle():
    helped = python("-m", "convmixer_lab.train", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m convmixer_lab.train")
    words = " ".join(helped.stdout.split())
    assert "shifts" in words and "horizontal flips" in words and "random erasing" in words
    assert "--overwrite" in words and "a flag that contradicts them is refused" in words
    imported = python("-c", "import sys, convmixer_lab.train; "
                            "print('convmixer_lab.train.cli' in sys.modules)")
    assert imported.stdout.strip() == "False"
    main_module = python("-c", "import runpy, sys; sys.argv = ['x', '--help']; "
                               "runpy.run_module('convmixer_lab.train', run_name='__main__')")
    assert main_module.returncode == 0 and main_module.stdout.count("usage:") == 1


def test_overwrite_replaces_a_finished_run_and_a_stale_lock_is_taken_over(tmp_path, capsys):
    folder = tmp_path / "run"
    assert main(TINY + ["--epochs", "1", "--subset", "64", "--checkpoint-dir", str(folder)]) == 0
    first = read_checkpoint_state(folder / "model.pt")
    dead = python("-c", "import os; print(os.getpid())").stdout.strip()  # a process that has ended
    (folder / "run.lock").write_text(json.dumps({"pid": int(dead), "host": os.uname().nodename}))
    argv = TINY + ["--epochs", "1", "--subset", "64", "--seed", "1", "--overwrite", "--checkpoint-dir",
                   str(folder)]
    assert main(argv) == 0
    second = read_checkpoint_state(folder / "model.pt")
    assert second["argv"] == argv and second["settings"]["seed"] == 1 and first["settings"]["seed"] == 0
    assert not torch.equal(first["model"]["classifier.weight"], second["model"]["classifier.weight"])
    assert sorted(p.name for p in folder.iterdir()) == ["last.pt", "model.pt"]


def test_ctrl_c_ends_in_one_line_and_the_printed_command_resumes_exactly(tmp_path):
    args = TINY + ["--epochs", "30", "--subset", "64", "--checkpoint-dir"]
    # as from a terminal, where Ctrl-C is not ignored (as it is in a test run started in the background)
    run = subprocess.Popen([sys.executable, "-m", "convmixer_lab.train", *args, str(tmp_path / "a")],
                           cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in run.stdout:
        if line.startswith("epoch 2.00"):
            run.send_signal(signal.SIGINT)
            break
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    saved = read_checkpoint_state(tmp_path / "a" / "last.pt", resumable=True)["history"]
    epochs = len(saved["epoch"])
    assert err.startswith(f"interrupted: the last checkpoint is {tmp_path / 'a' / 'last.pt'} "
                          f"(after epoch {epochs}); resume with: python -m convmixer_lab.train ")
    assert 2 <= epochs < 30 and not (tmp_path / "a" / "run.lock").exists()
    command = shlex.split(err.split("resume with: ")[1])
    assert command[-1] == "--resume" and command[:3] == ["python", "-m", "convmixer_lab.train"]
    resumed = python(*command[1:])
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines()[1].startswith(f"resuming {tmp_path / 'a' / 'last.pt'} after epoch "
                                                     f"{epochs}")
    uninterrupted = python("-m", "convmixer_lab.train", *args, str(tmp_path / "b"))
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    a, b = (read_checkpoint_state(tmp_path / d / "model.pt") for d in ("a", "b"))
    assert a["history"]["epoch"] == b["history"]["epoch"] == [float(e) for e in range(1, 31)]
    assert a["history"]["val_accuracy"] == b["history"]["val_accuracy"]
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert all(a["history"][k][:epochs] == saved[k] for k in saved)  # the first epochs, seconds too
    assert a["argv"] == args + [str(tmp_path / "a")]  # the command that started it, as recorded


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_failed_checkpoint_write_ends_in_one_line_and_keeps_the_last_good_one(code, tmp_path, capsys,
                                                                                 monkeypatch):
    real, calls = checkpoint_module.atomic_write, []

    def failing_second_write(path, write, mode=0o644):
        calls.append(path)
        if len(calls) == 2:  # last.pt after epoch 2: the disk fills up mid-write
            def broken(f):
                f.write(b"half a checkpoint")
                raise OSError(code, os.strerror(code))
            return real(path, broken, mode)
        return real(path, write, mode)

    monkeypatch.setattr(checkpoint_module, "atomic_write", failing_second_write)
    folder = tmp_path / "run"
    argv = TINY + ["--epochs", "3", "--subset", "64", "--checkpoint-dir", str(folder)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    last = folder / "last.pt"
    assert err.startswith(f"could not write {last}: {os.strerror(code)}; the last checkpoint is {last} "
                          "(after epoch 1); resume with: python -m convmixer_lab.train ")
    assert read_checkpoint_state(folder / "last.pt", resumable=True)["history"]["epoch"] == [1.0]
    assert sorted(p.name for p in folder.iterdir()) == ["last.pt"]  # no temporary, no lock, no model.pt
    monkeypatch.setattr(checkpoint_module, "atomic_write", real)
    assert main(shlex.split(err.split("resume with: ")[1])[3:]) == 0
    assert read_checkpoint_state(folder / "model.pt")["history"]["epoch"] == [1.0, 2.0, 3.0]


# A run of the command line whose optimizer reports every step's learning rate and whose process
# dies (os._exit: no clean-up, like SIGKILL) right after step KILL_AT.
KILLED_CLI = textwrap.dedent("""
    import os, sys, torch
    from convmixer_lab.train import cli
    torch.set_num_threads(1)
    kill_at, taken, step = int(sys.argv[1]), [0], torch.optim.AdamW.step
    def reporting_step(self, *args, **kwargs):
        taken[0] += 1
        print(f"LR {taken[0]} {self.param_groups[0]['lr']!r}", flush=True)
        out = step(self, *args, **kwargs)
        if taken[0] == kill_at:
            os._exit(9)
        return out
    torch.optim.AdamW.step = reporting_step
    sys.exit(cli.main(sys.argv[2:]))
""")


def rates(stdout: str, first_step: int = 1) -> dict[int, float]:
    """{global step: learning rate} from the LR lines (this process's steps start at first_step)."""
    values = [float(line.split()[2]) for line in stdout.splitlines() if line.startswith("LR ")]
    return {first_step + i: lr for i, lr in enumerate(values)}


@pytest.mark.parametrize("when, subset, kill_at, resume_flags", [
    ("before calibration", "64", 3, []),  # 2 steps an epoch: last.pt after step 2, nothing planned yet
    ("mid-run", "128", 31, ["--time-budget", "6"]),  # 4 steps an epoch: last.pt after step 28, planned
])
def test_a_killed_time_budgeted_run_resumes_spending_the_budget_once(when, subset, kill_at, resume_flags,
                                                                      tmp_path):
    folder = tmp_path / "run"
    start = TINY + ["--subset", subset, "--lr", "0.02", "--checkpoint-dir", str(folder)]
    killed = python("-c", KILLED_CLI, str(kill_at), *start, "--time-budget", "6")
    assert killed.returncode == 9 and (folder / "run.lock").exists()  # the lock is left behind: stale
    saved = read_checkpoint_state(folder / "last.pt", resumable=True)
    done = saved["training"]["scheduler"]["last_epoch"]
    planned = saved["training"]["scheduler"]["total_steps"]
    assert (planned is None) == (when == "before calibration") and done < kill_at
    resumed = python("-c", KILLED_CLI, "0", *start, *resume_flags, "--resume")  # never killed
    assert resumed.returncode == 0, resumed.stderr
    before, after = rates(killed.stdout), rates(resumed.stdout, first_step=done + 1)
    assert all(after[s] == before[s] for s in range(done + 1, kill_at + 1))  # the schedule continues
    final = read_checkpoint_state(folder / "model.pt")
    last = read_checkpoint_state(folder / "last.pt", resumable=True)["training"]["scheduler"]
    assert final["settings"]["time_budget"] == 6.0
    carried = {k: final["history"][k][:len(v)] for k, v in saved["history"].items()}
    assert carried == saved["history"]
    assert sum(final["history"]["seconds"]) < 6.0 + 0.5  # the killed run's seconds count once
    assert last["total_steps"] == last["last_epoch"] == max(after)  # it ended on its planned length
    assert max(after) > 25 + done and after[max(after)] < 0.01 * 0.02  # planned, and the rate ends near 0
    whole = [lr for _, lr in sorted({**before, **after}.items())]  # steps 1 .. end
    peak = whole.index(max(whole))
    assert max(whole) > 0.9 * 0.02 and whole[:peak + 1] == sorted(whole[:peak + 1])  # up to the peak once,
    assert whole[peak:] == sorted(whole[peak:], reverse=True)  # then only down: no climb after the resume


# --- tests that notice small bugs (issue 19): the run folder and the resume command ---------------

def test_overwrite_clears_both_checkpoints_of_the_previous_run(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for name in (runfolder.FINAL, runfolder.LAST):  # a stale last.pt beside a finished run
        (folder / name).write_bytes(b"old")
    with runfolder.locked(folder, discard=True):
        assert sorted(p.name for p in folder.iterdir()) == [runfolder.LOCK]
    assert list(folder.iterdir()) == []


def test_a_lock_held_by_another_host_is_respected_and_a_dead_local_one_is_stale(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    dead = 2**22 + 12345  # no such process here
    (folder / runfolder.LOCK).write_text(json.dumps({"pid": dead, "host": "another-host"}))
    assert runfolder.contents(folder).running == f"pid {dead} on host another-host"
    with pytest.raises(runfolder.FolderBusy, match=f"another run \\(pid {dead} on host another-host\\)"):
        with runfolder.locked(folder):
            pass
    (folder / runfolder.LOCK).write_text(json.dumps({"pid": dead, "host": socket.gethostname()}))
    assert runfolder.contents(folder).running is None
    with runfolder.locked(folder):
        pass


def test_the_printed_resume_command_drops_overwrite(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / runfolder.LAST).write_bytes(b"x")
    argv = ["--preset", "small", "--checkpoint-dir", str(folder), "--overwrite"]
    run = Run(model={}, recipe={}, seed=0, time_budget=None, subset=None, folder=folder, resume_state=None,
              argv=argv)
    where = _where(run, argv, 2)
    assert where.endswith(f"resume with: python -m convmixer_lab.train --preset small --checkpoint-dir "
                          f"{shlex.quote(str(folder))} --resume") and "--overwrite" not in where


def test_resume_trains_with_the_checkpoint_s_seed(tmp_path):
    """The run resumed takes its seed from the checkpoint when --seed is left out."""
    folder = tmp_path / "run"
    started = main(TINY + ["--epochs", "1", "--subset", "64", "--seed", "3", "--checkpoint-dir", str(folder)])
    assert started == 0
    (folder / runfolder.FINAL).unlink()
    args = build_parser().parse_args(TINY + ["--checkpoint-dir", str(folder), "--resume"])
    run = plan_run(args, [])
    assert run.seed == 3 and run.resume_state["settings"]["seed"] == 3 and run.subset == 64
