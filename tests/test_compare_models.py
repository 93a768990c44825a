"""benchmarks/compare_models.py on tiny synthetic data and tiny budgets: the file it writes (records,
command, machine, protocol, total time), skipping finished pairs, keeping what an interrupted run
finished, refusing a file made under another protocol unless --overwrite, and two runs at a time;
where it ran (machine, load average, the protocol sentence); a new seed's place in the reference's
spread, boundaries included."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
import torch

from convmixer_lab.compare import CONFIGS, REQUIRED, RESULTS_KEYS, load_results
from convmixer_lab.threads import torch_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import compare_models  # noqa: E402  (a script, found on the path above; spawned workers import it too)

CHEAP = ["convmixer-p7", "convmixer-wide"]


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)

    def split(n):
        return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)

    return dict(train=split(64), val=split(32), test=split(32))


@pytest.fixture(autouse=True)
def threads_restored():
    with torch_threads(None):  # --jobs 1 runs in this process; run_config restores torch's threads
        yield


def run(data, out, *extra, budget="0.3", seeds=("0", "1"), configs=CHEAP, jobs="1"):
    return compare_models.main(["--time-budget", budget, "--seeds", *seeds, "--configs", *configs,
                                "--out", str(out), "--jobs", jobs, *extra], data=data)


def test_a_fresh_run_writes_every_pair_and_where_it_ran(data, tmp_path):
    out = tmp_path / "r.json"
    results = run(data, out)
    stored = load_results(out)
    assert stored == json.loads(json.dumps(results))  # what was returned is what was written
    assert set(RESULTS_KEYS) <= set(stored)
    assert [(r["name"], r["seed"]) for r in stored["records"]] == [(n, s) for n in CHEAP for s in (0, 1)]
    for r in stored["records"]:
        assert REQUIRED <= set(r) and r["config"] == CONFIGS[r["name"]][1]
        assert (r["threads"], r["clock"], r["time_budget"]) == (1, "cpu", 0.3)
        assert r["load_average"] is None or r["load_average"] >= 0
    assert stored["command"] == ("python benchmarks/compare_models.py --time-budget 0.3 --seeds 0 1 "
                                 f"--configs convmixer-p7 convmixer-wide --out {out} --jobs 1")
    assert stored["machine"]["threads_per_run"] == 1 and stored["machine"]["torch"] == torch.__version__
    protocol = stored["protocol"]
    assert (protocol["time_budget"], protocol["clock"], protocol["threads_per_run"]) == (0.3, "cpu", 1)
    assert protocol["data"] == {"train": 64, "val": 32, "test": 32}
    assert protocol["text"].startswith("the same budget of 0.3 CPU-seconds on one core per run; one run at")
    [invocation] = stored["invocations"]
    assert invocation["runs_added"] == 4 and invocation["finished"] is True
    assert stored["notes"] == []  # a place for later notes (e.g. a renamed configuration); none written
    assert stored["total_seconds"] == invocation["seconds"] > 0


def test_the_same_command_again_skips_finished_pairs_and_leaves_the_file_alone(data, tmp_path, capsys):
    out = tmp_path / "r.json"
    run(data, out)
    before = out.read_bytes()
    run(data, out)
    assert out.read_bytes() == before
    assert "0 runs to do (4 already in" in capsys.readouterr().out
    run(data, out, seeds=("0", "1", "2"), configs=["convmixer-p7"])  # one new pair joins the file
    stored = load_results(out)
    assert [(r["name"], r["seed"]) for r in stored["records"]] == [
        ("convmixer-p7", 0), ("convmixer-p7", 1), ("convmixer-p7", 2), ("convmixer-wide", 0),
        ("convmixer-wide", 1)]
    assert [i["runs_added"] for i in stored["invocations"]] == [4, 1]
    assert stored["total_seconds"] == pytest.approx(sum(i["seconds"] for i in stored["invocations"]), abs=0.1)


def test_an_interrupted_run_keeps_what_it_finished_and_continues(data, tmp_path, monkeypatch):
    out = tmp_path / "r.json"
    real_run, calls = compare_models._run, []

    def interrupted(name, seed, budget):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append((name, seed))
        return real_run(name, seed, budget)

    monkeypatch.setattr(compare_models, "_run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(data, out)
    stored = load_results(out)
    assert [(r["name"], r["seed"]) for r in stored["records"]] == [("convmixer-p7", 0), ("convmixer-wide", 0)]
    assert stored["invocations"][0]["finished"] is False and stored["invocations"][0]["runs_added"] == 2
    calls.clear()
    monkeypatch.setattr(compare_models, "_run", lambda *a: calls.append(a[:2]) or real_run(*a))
    run(data, out)
    assert calls == [("convmixer-p7", 1), ("convmixer-wide", 1)]  # only what was missing
    assert len(load_results(out)["records"]) == 4


@pytest.mark.parametrize("change,says", [
    (dict(budget="0.5"), "time_budget (0.3 there, 0.5 now)"),
    (dict(), "the definition of convmixer-p7"),
])
def test_a_file_made_under_another_protocol_is_refused_unless_overwrite(data, tmp_path, change, says):
    out = tmp_path / "r.json"
    run(data, out, seeds=("0",), configs=["convmixer-p7"])
    if not change:  # the configuration's definition changed since the file was made
        stored = json.loads(out.read_text())
        stored["configs"]["convmixer-p7"][1]["dim"] = 97
        out.write_text(json.dumps(stored))
    before = out.read_bytes()
    with pytest.raises(SystemExit, match=f"under a different protocol: {re.escape(says)}.*--overwrite"):
        run(data, out, seeds=("0",), configs=["convmixer-p7"], **change)
    assert out.read_bytes() == before
    run(data, out, "--overwrite", seeds=("1",), configs=["convmixer-p7"], **change)
    stored = load_results(out)
    assert [r["seed"] for r in stored["records"]] == [1] and len(stored["invocations"]) == 1


def test_a_file_holding_a_configuration_no_longer_defined_is_refused(data, tmp_path):
    """E.g. a file made before 'convmixer-seed' was renamed 'convmixer-tutorial': new runs would land
    under the new name beside the old ones, two names for one configuration."""
    out = tmp_path / "r.json"
    run(data, out, seeds=("0",), configs=["convmixer-p7"])
    stored = json.loads(out.read_text())
    stored["records"][0]["name"] = "convmixer-seed"
    stored["configs"]["convmixer-seed"] = stored["configs"].pop("convmixer-p7")
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
    assert len(load_results(out)["records"]) == 1


@pytest.mark.parametrize("argv,says", [
    (["--configs", "convmixer-k9"], "--configs: unknown ['convmixer-k9']"),
    (["--jobs", "0"], "--jobs >= 1"),
    (["--time-budget", "0"], "--time-budget must be > 0"),
    (["--seeds", "-1"], "every seed >= 0"),
])
def test_bad_arguments_are_usage_errors(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare_models.parse_args(argv)
    assert exit_info.value.code == 2 and says in capsys.readouterr().err


def test_compare_to_says_where_a_new_seed_lands(data, tmp_path, capsys):
    reference = tmp_path / "r.json"
    run(data, reference, seeds=("0", "1", "2"), configs=["convmixer-p7"])
    capsys.readouterr()
    run(data, tmp_path / "new.json", "--compare-to", str(reference), seeds=("3",), configs=["convmixer-p7"])
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith("convmixer-p7 seed 3: test ") and "the reference's 3 seeds range" in line
    assert "95% prediction interval for a new seed" in line


@pytest.mark.slow
def test_two_runs_at_a_time_in_their_own_processes(data, tmp_path):
    out = tmp_path / "r.json"
    run(data, out, jobs="2")
    stored = load_results(out)
    assert len(stored["records"]) == 4 and all(r["threads"] == 1 for r in stored["records"])
    assert stored["protocol"]["text"].endswith("two runs at a time on the "
                                               f"{stored['machine']['cores']}-core machine")


def test_machine_says_where_it_ran():
    info = compare_models.machine()
    assert info["threads_per_run"] == 1 and info["torch"] == torch.__version__
    assert info["cores"] == os.cpu_count() and isinstance(info["cpu"], str) and info["cpu"]
    assert set(info) == {"cpu", "cores", "threads_per_run", "torch", "python", "platform", "cuda"}
    assert compare_models.machine(threads_per_run=4)["threads_per_run"] == 4


def test_protocol_text():
    text = compare_models.protocol_text
    assert text(60, 2, 2) == ("the same budget of 60 CPU-seconds on one core per run; two runs at a "
                              "time on the 2-core machine")
    assert text(12.5, 1, 8).endswith("12.5 CPU-seconds on one core per run; one run at a time on "
                                     "the 8-core machine")
    assert "3 runs at a time" in text(60, 3, 4)


@pytest.mark.parametrize("new,inside", [(0.80, "inside"), (0.90, "inside"), (0.7999, "outside"),
                                        (0.9001, "outside")])
def test_a_new_seed_on_the_edge_of_the_reference_range_is_inside(tmp_path, capsys, new, inside):
    """Ranges that touch at one value: a run equal to the lowest or highest reference seed is inside."""
    def rec(seed, test):
        return {**{key: 0 for key in REQUIRED}, "name": "vit", "seed": seed, "test_accuracy": test}

    reference = tmp_path / "ref.json"
    reference.write_text(json.dumps({**{key: [] for key in RESULTS_KEYS}, "configs": {},
                                     "records": [rec(0, 0.80), rec(1, 0.85), rec(2, 0.90)]}))
    compare_models.report_spread([rec(3, new)], reference)
    assert f"range 80.00%-90.00% ({inside})" in capsys.readouterr().out
