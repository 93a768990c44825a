"""Notebook 06's results: every configuration of ``convmixer_lab.compare.CONFIGS`` x seeds, trained
under one protocol, written to one JSON file (committed as data/results/compare_models.json).

    .venv/bin/python benchmarks/compare_models.py                     # 12 configurations x seeds 0 1 2
    .venv/bin/python benchmarks/compare_models.py --configs vit --seeds 3 \\
        --out /tmp/rerun.json --compare-to data/results/compare_models.json   # one new seed, checked

The protocol: every run trains on ONE torch thread, with the same time budget counted in its own
process's CPU seconds (``time.process_time``), so other load on a shared machine does not shorten a
run; ``--jobs`` runs (default 2, one per core) go at a time, each in its own process. The recipe is
``compare.RECIPE``; the model of the epoch with the best validation accuracy is kept, and the test
set is scored once per run, at the end (``compare.run_config``).

The file is rewritten atomically after every finished run: an interrupted run keeps what it
finished, and the same command again skips the finished (configuration, seed) pairs. A file made
under a different protocol (budget, clock, threads, recipe, data, or a configuration's definition)
is never mixed with new runs: the script refuses unless ``--overwrite`` (which starts it afresh); so is a
file holding a configuration ``compare.CONFIGS`` no longer defines (renamed or removed). ``notes`` in the
file is a list of plain sentences for what happened to it afterwards (e.g. a renamed configuration);
the script keeps them and never writes them.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import multiprocessing
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch

from convmixer_lab.compare import (
    BUDGET,
    CONFIGS,
    RECIPE,
    RESULTS,
    TOLERANCE,
    load_results,
    run_config,
)
from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.files import atomic_write
from convmixer_lab.spread import prediction_interval, summarize
from convmixer_lab.tables import format_summary

SELECTION = ("after every epoch the model with the best validation accuracy so far is kept; the test "
             "set is scored once per run, at the end, on that model")
COMPARED = ("time_budget", "clock", "threads_per_run", "recipe", "parameter_budget", "tolerance", "data",
            "selection")  # what must agree before new runs join a file (jobs and text only describe)
_DATA: dict[str, Any] = {}  # the data of a worker process


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--time-budget", type=float, default=60.0, help="CPU-seconds of training per run")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to run (default 0 1 2)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), metavar="NAME",
                   help="configurations to run (default all): " + ", ".join(CONFIGS))
    p.add_argument("--out", type=Path, default=RESULTS, help="results file (default data/results/...)")
    p.add_argument("--jobs", type=int, default=2, help="runs at a time, one process each (default 2)")
    p.add_argument("--overwrite", action="store_true", help="replace a file made under another protocol")
    p.add_argument("--compare-to", type=Path, metavar="FILE",
                   help="say whether each run lands inside FILE's spread for its configuration")
    args = p.parse_args(argv)
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        p.error(f"--configs: unknown {unknown}; choose from {', '.join(CONFIGS)}")
    if args.time_budget <= 0 or args.jobs < 1 or min(args.seeds) < 0:
        p.error("--time-budget must be > 0, --jobs >= 1 and every seed >= 0")
    return args


def machine(threads_per_run: int = 1) -> dict[str, Any]:
    """What a results file says about where it ran: CPU model, cores, threads per run, torch,
    Python, platform, CUDA device (None without one)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return dict(cpu=cpu, cores=os.cpu_count(), threads_per_run=threads_per_run, torch=torch.__version__,
                python=platform.python_version(), platform=platform.platform(),
                cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)


def protocol_text(time_budget: float, jobs: int, cores: int | None) -> str:
    """The measurement protocol in one sentence, as the results file, README and notebook state it."""
    at_a_time = {1: "one run at a time", 2: "two runs at a time"}.get(jobs, f"{jobs} runs at a time")
    return (f"the same budget of {time_budget:g} CPU-seconds on one core per run; {at_a_time} on the "
            f"{cores}-core machine")


def protocol(args: argparse.Namespace, data: dict) -> dict[str, Any]:
    sizes = {split: len(pair[1]) for split, pair in data.items()}
    return dict(time_budget=args.time_budget, clock="cpu", threads_per_run=1, recipe=RECIPE,
                parameter_budget=BUDGET, tolerance=TOLERANCE, data=sizes, selection=SELECTION,
                jobs=args.jobs, text=protocol_text(args.time_budget, args.jobs, machine()["cores"]))


def refusal(path: Path, old: dict[str, Any], new_protocol: dict[str, Any]) -> str | None:
    """Why new runs may not join the results in ``old`` (None when they may)."""
    differ = [k for k in COMPARED if old["protocol"].get(k) != new_protocol[k]]
    changed = sorted({r["name"] for r in old["records"]
                      if r["name"] in CONFIGS and list(CONFIGS[r["name"]]) != old["configs"].get(r["name"])})
    gone = sorted({r["name"] for r in old["records"] if r["name"] not in CONFIGS})  # renamed or removed
    if differ or changed or gone:
        what = ", ".join([f"{k} ({old['protocol'].get(k)!r} there, {new_protocol[k]!r} now)" for k in differ]
                         + [f"the definition of {n}" for n in changed]
                         + [f"{n} (no longer in compare.CONFIGS)" for n in gone])
        return (f"{path} holds runs made under a different protocol: {what}. Use another --out, or "
                "--overwrite to start that file afresh")
    return None


def start_file(args: argparse.Namespace, new_protocol: dict[str, Any], command: str) -> dict[str, Any]:
    """The results to add to: the file at ``--out`` when it may be continued, else a new one."""
    if args.out.exists() and not args.overwrite:
        try:
            old = load_results(args.out)
        except (ValueError, OSError) as e:
            sys.exit(f"compare_models: {args.out} exists but is not a results file ({e}); "
                     "use another --out, or --overwrite to replace it")
        reason = refusal(args.out, old, new_protocol)
        if reason:
            sys.exit(f"compare_models: {reason}")
        return old
    return dict(what="notebook 06: ConvMixer vs ViT, MLP-Mixer, ResNet and ConvMixer ablations at one "
                     "parameter budget and one time budget", notes=[], command=command, date=None,
                machine=machine(threads_per_run=1), protocol=new_protocol,
                configs={name: list(spec) for name, spec in CONFIGS.items()}, records=[], invocations=[],
                total_seconds=0.0)


def save(results: dict[str, Any], path: Path) -> None:
    order = {name: i for i, name in enumerate(CONFIGS)}
    results["records"].sort(key=lambda r: (order.get(r["name"], len(order)), r["seed"]))
    results["total_seconds"] = round(sum(i["seconds"] for i in results["invocations"]), 1)
    results["date"] = _now()
    atomic_write(path, (json.dumps(results, indent=1) + "\n").encode("utf-8"))


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _init_worker(data: dict | None) -> None:
    _DATA.update(data if data is not None else fashion_mnist_tensors())


def _run(name: str, seed: int, time_budget: float) -> dict[str, Any]:
    """One run on one thread, with the machine's 1-minute load average before it (None where the
    platform has none) and the time it finished."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    record = run_config(name, seed, time_budget, _DATA, threads=1, clock="cpu")
    return {**record, "load_average": load, "finished": _now()}


def run_all(tasks: list[tuple[str, int]], args: argparse.Namespace, data: dict | None, done) -> None:
    """Each (name, seed) in ``tasks``; ``done(record)`` as each finishes. ``--jobs 1`` runs here."""
    if args.jobs == 1:
        _init_worker(data)
        for name, seed in tasks:
            done(_run(name, seed, args.time_budget))  # run_config trains on one thread
        return
    context = multiprocessing.get_context("spawn")  # fresh processes: no torch state shared by fork
    with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_init_worker,
                                                initargs=(data,)) as pool:
        futures = [pool.submit(_run, name, seed, args.time_budget) for name, seed in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                done(future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def report_spread(records: list[dict[str, Any]], reference: Path) -> None:
    """For each record: where it lands against ``reference``'s runs of the same configuration."""
    ref = load_results(reference)["records"]
    for r in records:
        others = [x["test_accuracy"] for x in ref if x["name"] == r["name"] and x["seed"] != r["seed"]]
        if len(others) < 2:
            print(f"{r['name']} seed {r['seed']}: {reference} has fewer than 2 other seeds to compare with")
            continue
        low, high = prediction_interval(others)
        inside_range = min(others) <= r["test_accuracy"] <= max(others)
        print(f"{r['name']} seed {r['seed']}: test {r['test_accuracy']:.2%}; the reference's "
              f"{len(others)} seeds range {min(others):.2%}-{max(others):.2%} "
              f"({'inside' if inside_range else 'outside'}), 95% prediction interval for a new seed "
              f"{low:.2%}-{high:.2%} ({'inside' if low <= r['test_accuracy'] <= high else 'OUTSIDE'})")


def main(argv: list[str] | None = None, data: dict | None = None) -> dict[str, Any]:
    """Run what is missing and return the results. ``data``: the three splits to use instead of
    Fashion-MNIST (tests pass tiny synthetic ones)."""
    args = parse_args(argv)
    started = time.perf_counter()
    words = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/compare_models.py", *words])
    results = start_file(args, protocol(args, data if data is not None else fashion_mnist_tensors()), command)
    finished = {(r["name"], r["seed"]) for r in results["records"]}
    tasks = [(n, s) for s in args.seeds for n in args.configs if (n, s) not in finished]
    print(f"{len(tasks)} runs to do ({len(finished)} already in {args.out}); "
          f"{results['protocol']['text']}", flush=True)
    if not tasks:
        return results
    invocation = dict(command=command, started=_now(), seconds=0.0, runs_added=0, finished=False)
    results["invocations"].append(invocation)
    new: list[dict[str, Any]] = []

    def done(record: dict[str, Any]) -> None:
        new.append(record)
        results["records"].append(record)
        invocation.update(seconds=round(time.perf_counter() - started, 1), runs_added=len(new),
                          finished=len(new) == len(tasks))
        save(results, args.out)
        print(f"[{len(new)}/{len(tasks)}] {record['name']} seed {record['seed']}: test "
              f"{record['test_accuracy']:.2%}, val {record['val_accuracy']:.2%}, {record['epochs']:.2f} "
              f"epochs in {record['seconds']:.1f} CPU-s ({record['wall_seconds']:.1f} s wall)", flush=True)

    run_all(tasks, args, data, done)
    print(format_summary(summarize([r for r in results["records"] if r["name"] in args.configs])))
    print(f"total {invocation['seconds']:.0f} s for {len(new)} runs; {args.out} holds "
          f"{len(results['records'])} runs ({results['total_seconds']:.0f} s in all)")
    if args.compare_to is not None:
        report_spread(new, args.compare_to)
    return results


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("compare_models: interrupted; finished runs are kept, the same command continues")
