"""benchmarks/compare_models.py on tiny synthetic data: the file it writes (the learning-rate search and
its choice, the main runs with the grid's run copied, the CPU-time view in its shuffled recorded order,
command, machine, protocol), skipping finished runs, keeping what an interrupted run finished, refusing a
file made under another protocol unless --overwrite, two runs at a time, and --compare-to."""

from __future__ import annotations

import json
import os
import random
import re
import sys
from pathlib import Path

import pytest
import torch

from convmixer_lab.compare import CONFIGS, REQUIRED, RESULTS_KEYS, load_results, part
from convmixer_lab.threads import torch_threads

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import compare_models  # noqa: E402  (a script, found on the path above; spawned workers import it too)

CHEAP = ["convmixer", "convmixer-p7"]


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)

    def split(n):
        return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)

    return dict(train=split(80), val=split(32), test=split(32))


@pytest.fixture(autouse=True)
def threads_restored():
    with torch_threads(None):  # --jobs 1 runs in this process; run_config restores torch's threads
        yield


def run(data, out, *extra, seeds=("0", "1"), configs=CHEAP, jobs="1"):
    return compare_models.main(["--cpu-budget", "0.2", "--train-images", "64", "--lr-grid", "0.01", "0.03",
                                "--seeds", *seeds, "--configs", *configs, "--out", str(out), "--jobs", jobs,
                                *extra], data=data)


def keys(records):
    return [(r["part"], r["name"], r["seed"], r["lr"]) for r in records]


def test_a_fresh_run_writes_every_part_and_where_it_ran(data, tmp_path):
    out = tmp_path / "r.json"
    results = run(data, out)
    stored = load_results(out)
    assert sorted(map(json.dumps, results["records"])) == sorted(map(json.dumps, stored["records"]))
    assert set(RESULTS_KEYS) <= set(stored)
    grid = part(stored, "lr_search")
    assert keys(grid) == [("lr_search", "convmixer", 0, 0.01), ("lr_search", "convmixer", 0, 0.03)]
    best = max(grid, key=lambda r: (r["val_accuracy"], -r["lr"]))
    assert stored["lr_choice"] == {"convmixer": best["lr"]}
    lr = best["lr"]
    assert keys(part(stored, "main")) == [("main", n, s, lr) for n in CHEAP for s in (0, 1)]
    copied = [r for r in part(stored, "main") if r.get("copied")]
    assert [(r["name"], r["seed"]) for r in copied] == [("convmixer", 0)]  # the grid's run, not re-run
    assert {k: v for k, v in copied[0].items() if k not in ("part", "copied")} == {
        k: v for k, v in best.items() if k != "part"}
    for r in part(stored, "main") + grid:
        assert REQUIRED <= set(r) and r["config"] == CONFIGS[r["name"]][1]
        assert (r["threads"], r["time_budget"], r["epochs"], r["steps"]) == (1, None, 1.0, 1)  # 64 images
        assert r["recipe"]["lr"] == r["lr"] and r["load_average"] is None or r["load_average"] >= 0
    cpu = part(stored, "cpu_time")
    order = [["convmixer", 0], ["convmixer", 1]]
    random.Random(0).shuffle(order)
    assert stored["cpu_order"] == order and sorted(r["order"] for r in cpu) == [0, 1]
    assert all(r["time_budget"] == 0.2 and r["clock"] == "cpu" and r["lr"] == lr for r in cpu)
    assert stored["command"] == ("python benchmarks/compare_models.py --cpu-budget 0.2 --train-images 64 "
                                 "--lr-grid 0.01 0.03 --seeds 0 1 --configs convmixer convmixer-p7 "
                                 f"--out {out} --jobs 1")
    assert stored["machine"]["threads_per_run"] == 1 and stored["machine"]["torch"] == torch.__version__
    protocol = stored["protocol"]
    assert (protocol["epochs"], protocol["lr_grid"], protocol["lr_seed"], protocol["train_images"]) == (
        1, [0.01, 0.03], 0, 64)
    assert protocol["data"] == {"train": 64, "val": 32, "test": 32} and "lr" not in protocol["recipe"]
    [invocation] = stored["invocations"]
    assert invocation["runs_added"] == 2 + 3 + 2 and invocation["finished"] is True  # grid, main, cpu
    assert stored["notes"] == [] and stored["total_seconds"] == invocation["seconds"] > 0


def test_the_same_command_again_skips_finished_runs_and_leaves_the_file_alone(data, tmp_path, capsys):
    out = tmp_path / "r.json"
    run(data, out)
    before, _ = out.read_bytes(), capsys.readouterr()
    run(data, out)
    assert out.read_bytes() == before
    assert "0 runs of the learning-rate search to do (8 records already in" in capsys.readouterr().out
    order = load_results(out)["cpu_order"]
    run(data, out, seeds=("0", "1", "2"), configs=["convmixer-p7"])  # a new seed joins the file
    assert load_results(out)["invocations"][-1]["runs_added"] == 1 and load_results(out)["cpu_order"] == order
    run(data, out, seeds=("0", "1", "2"))  # with the families: its CPU-time run goes after the others
    stored = load_results(out)
    assert stored["cpu_order"] == order + [["convmixer", 2]] and len(stored["records"]) == 11
    assert [r["order"] for r in part(stored, "cpu_time") if r["seed"] == 2] == [2]


def test_an_interrupted_run_keeps_what_it_finished_and_continues(data, tmp_path, monkeypatch):
    out = tmp_path / "r.json"
    real_run, calls = compare_models._run, []

    def interrupted(task, settings):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(task)
        return real_run(task, settings)

    monkeypatch.setattr(compare_models, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(data, out)
    stored = load_results(out)
    assert [r["part"] for r in stored["records"]] == ["lr_search", "lr_search", "main", "main"]  # one copied
    assert "finished" not in stored["invocations"][0]
    calls.clear()
    monkeypatch.setattr(compare_models, "_run", lambda task, s: calls.append(task) or real_run(task, s))
    run(data, out)
    assert len(calls) == 4 and {t["part"] for t in calls} == {"main", "cpu_time"}  # only what was missing
    assert len(load_results(out)["records"]) == 8


@pytest.mark.parametrize("change,says", [
    (("--epochs", "2"), "epochs (1 there, 2 now)"),
    ((), "the definition of convmixer-p7"),
])
def test_a_file_made_under_another_protocol_is_refused_unless_overwrite(data, tmp_path, change, says):
    out = tmp_path / "r.json"
    run(data, out, seeds=("0",))
    if not change:  # the configuration's definition changed since the file was made
        stored = json.loads(out.read_text())
        stored["configs"]["convmixer-p7"][1]["dim"] = 97
        out.write_text(json.dumps(stored))
    before = out.read_bytes()
    with pytest.raises(SystemExit, match=f"under a different protocol: {re.escape(says)}.*--overwrite"):
        run(data, out, *change, seeds=("0",))
    assert out.read_bytes() == before
    run(data, out, "--overwrite", *change, seeds=("1",), configs=["convmixer-p7"])
    stored = load_results(out)
    assert {r["seed"] for r in stored["records"]} == {1} and len(stored["invocations"]) == 1


def test_a_file_holding_a_configuration_no_longer_defined_is_refused(data, tmp_path):
    out = tmp_path / "r.json"
    run(data, out, seeds=("0",), configs=["convmixer-p7"])
    stored = json.loads(out.read_text())
    for r in stored["records"]:
        r["name"] = "convmixer-seed" if r["name"] == "convmixer-p7" else r["name"]
    out.write_text(json.dumps(stored))
    before = out.read_bytes()
    with pytest.raises(SystemExit, match=re.escape("convmixer-seed (no longer in compare.CONFIGS)")):
        run(data, out, seeds=("1",), configs=["convmixer-p7"])
    assert out.read_bytes() == before


def test_a_file_that_is_not_results_is_refused_unless_overwrite(data, tmp_path):
    out = tmp_path / "notes.json"
    out.write_text('{"mine": true}')
    with pytest.raises(SystemExit, match="exists but is not a results file"):
        run(data, out, seeds=("0",), configs=["convmixer-p7"])
    assert out.read_text() == '{"mine": true}'
    run(data, out, "--overwrite", seeds=("0",), configs=["convmixer-p7"])
    assert len(part(load_results(out), "main")) == 1


@pytest.mark.parametrize("argv,says", [
    (["--configs", "convmixer-k9"], "--configs: unknown ['convmixer-k9']"),
    (["--jobs", "0"], "--epochs, --jobs and --train-images must be >= 1"),
    (["--train-images", "0"], "--epochs, --jobs and --train-images must be >= 1"),
    (["--seeds", "-1"], "every seed >= 0"),
    (["--cpu-budget", "0"], "--cpu-budget and every --lr-grid rate must be > 0"),
    (["--lr-grid", "0.01", "-0.1"], "--cpu-budget and every --lr-grid rate must be > 0"),
])
def test_bad_arguments_are_usage_errors(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare_models.parse_args(argv)
    assert exit_info.value.code == 2 and says in capsys.readouterr().err


def test_compare_to_says_whether_a_run_repeats_the_reference(data, tmp_path, capsys):
    reference = tmp_path / "r.json"
    run(data, reference, seeds=("0", "1"), configs=["convmixer-p7"])
    capsys.readouterr()
    run(data, tmp_path / "new.json", "--compare-to", str(reference), seeds=("1", "2"),
        configs=["convmixer-p7"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("convmixer-p7 seed 1: test ") and lines[-2].endswith(": repeated exactly")
    assert lines[-1] == f"convmixer-p7 seed 2: {reference} has no main run of it"
    new = load_results(tmp_path / "new.json")  # the reference's rate, no search and no timed runs of its own
    assert new["lr_choice"] == load_results(reference)["lr_choice"] and new["cpu_order"] == []
    assert [r["part"] for r in new["records"]] == ["main", "main"]


@pytest.mark.slow
def test_two_runs_at_a_time_in_their_own_processes_give_the_same_main_runs(data, tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    run(data, one, seeds=("0",))
    run(data, two, seeds=("0",), jobs="2")
    a, b = (part(load_results(p), "main") for p in (one, two))
    assert [(r["name"], r["test_accuracy"], r["val_accuracy"]) for r in a] == [
        (r["name"], r["test_accuracy"], r["val_accuracy"]) for r in b]


def test_machine_says_where_it_ran():
    info = compare_models.machine()
    assert info["threads_per_run"] == 1 and info["torch"] == torch.__version__
    assert info["cores"] == os.cpu_count() and isinstance(info["cpu"], str) and info["cpu"]
    assert set(info) == {"cpu", "cores", "threads_per_run", "torch", "python", "platform"}
