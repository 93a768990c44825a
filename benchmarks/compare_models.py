"""Notebook 06's results: the four families and the ConvMixer ablations of ``compare.CONFIGS``, trained
under one protocol, written to one JSON file (committed as data/results/compare_models.json).

    .venv/bin/python benchmarks/compare_models.py                          # everything (resumes)
    .venv/bin/python benchmarks/compare_models.py --configs vit --seeds 1 \\
        --out /tmp/rerun.json --compare-to data/results/compare_models.json   # re-run one, compared

With ``--compare-to`` the runs train at the reference file's learning rates (no search of their own), and
each main run is compared with the reference's run of the same configuration and seed: on one thread,
on a machine like the reference's, the accuracies repeat exactly.

Every run trains on ONE torch thread, with the recipe ``compare.RECIPE`` except its learning rate, in
three parts (each record says its ``part``), all on the first ``--train-images`` training images (the
validation and test sets whole):

1. ``lr_search``: each family at every rate of ``--lr-grid`` for ``--epochs`` epochs, seed
   ``--seeds[0]``; each family's rate is the one with the best validation accuracy (``lr_choice``).
2. ``main``: every configuration for ``--epochs`` epochs with every seed, at its family's rate (the
   ablations at ConvMixer's). A budget in epochs does not depend on the machine's speed: every run sees
   the same images in the same order, and a re-run with the same seed and thread count repeats it.
   The grid's run at the chosen rate is that family's main run for the grid's seed (copied, not re-run).
3. ``cpu_time``: the four families with every seed for ``--cpu-budget`` CPU-seconds each (this process's
   ``time.process_time``), in a shuffled order (``cpu_order``), each record with the machine's 1-minute
   load average before it started.

``--jobs`` runs (default 2) go at a time, each in its own process. The file is rewritten atomically after
every run; the same command again skips finished runs. A file made under a different protocol, or
holding a configuration ``compare.CONFIGS`` no longer defines, is refused unless ``--overwrite``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import multiprocessing
import os
import platform
import random
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch

from convmixer_lab.compare import (
    BUDGET,
    CONFIGS,
    CPU_BUDGET,
    EPOCHS,
    LR_GRID,
    PEERS,
    RECIPE,
    RESULTS,
    TOLERANCE,
    TRAIN_IMAGES,
    load_results,
    part,
    run_config,
)
from convmixer_lab.data import fashion_mnist_tensors
from convmixer_lab.files import atomic_write
from convmixer_lab.spread import difference, holm, summarize

SELECTION = ("after every epoch the model with the best validation accuracy so far is kept; the test "
             "set is scored once per run, at the end, on that model")
# What must agree before new runs join a file:
COMPARED = ("epochs", "lr_grid", "cpu_budget", "train_images", "threads_per_run", "recipe",
            "parameter_budget", "tolerance", "data", "selection")
_DATA: dict[str, Any] = {}  # the data of a worker process


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs of every main run (default {EPOCHS})")
    p.add_argument("--lr-grid", type=float, nargs="+", default=list(LR_GRID), metavar="LR",
                   help="learning rates tried for each family (default %(default)s)")
    p.add_argument("--cpu-budget", type=float, default=CPU_BUDGET, help="CPU-seconds of each cpu_time run")
    p.add_argument("--train-images", type=int, default=TRAIN_IMAGES, help="training images (the first N)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), metavar="NAME",
                   help="configurations to run (default all): " + ", ".join(CONFIGS))
    p.add_argument("--out", type=Path, default=RESULTS, help="results file (default data/results/...)")
    p.add_argument("--jobs", type=int, default=2, help="runs at a time, one process each (default 2)")
    p.add_argument("--overwrite", action="store_true", help="replace a file made under another protocol")
    p.add_argument("--compare-to", type=Path, metavar="FILE",
                   help="say whether each main run repeats FILE's run of the same configuration and seed")
    args = p.parse_args(argv)
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        p.error(f"--configs: unknown {unknown}; choose from {', '.join(CONFIGS)}")
    if min(args.epochs, args.jobs, args.train_images) < 1 or min(args.seeds) < 0:
        p.error("--epochs, --jobs and --train-images must be >= 1 and every seed >= 0")
    if args.cpu_budget <= 0 or min(args.lr_grid) <= 0:
        p.error("--cpu-budget and every --lr-grid rate must be > 0")
    return args


def machine() -> dict[str, Any]:
    """Where a results file ran: CPU model, cores, threads per run, torch, Python, platform."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return dict(cpu=cpu, cores=os.cpu_count(), threads_per_run=1, torch=torch.__version__,
                python=platform.python_version(), platform=platform.platform())


def protocol(args: argparse.Namespace, data: dict) -> dict[str, Any]:
    sizes = {split: len(pair[1]) for split, pair in data.items()}
    return dict(epochs=args.epochs, lr_grid=args.lr_grid, lr_seed=args.seeds[0], seeds=args.seeds,
                cpu_budget=args.cpu_budget, train_images=args.train_images, threads_per_run=1,
                recipe={k: v for k, v in RECIPE.items() if k != "lr"}, parameter_budget=BUDGET,
                tolerance=TOLERANCE, data=sizes, selection=SELECTION, jobs=args.jobs)


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
        except (ValueError, OSError, KeyError) as e:
            sys.exit(f"compare_models: {args.out} exists but is not a results file ({e}); "
                     "use another --out, or --overwrite to replace it")
        reason = refusal(args.out, old, new_protocol)
        if reason:
            sys.exit(f"compare_models: {reason}")
        return old
    return dict(what="notebook 06: ConvMixer vs ViT, MLP-Mixer, ResNet and ConvMixer ablations at one "
                     "parameter budget", notes=[], command=command, date=None, machine=machine(),
                protocol=new_protocol, configs={name: list(spec) for name, spec in CONFIGS.items()},
                lr_choice={}, cpu_order=[], records=[], invocations=[], total_seconds=0.0)


def corrected_tests(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Notebook 06's family of tests, recorded in the file: every other configuration of the main part
    against ConvMixer (Welch, ``spread.difference``), with Holm's correction over all of them."""
    rows = summarize(part(results, "main"))
    names = [r["name"] for r in rows if r["name"] != "convmixer"]
    if not names or "convmixer" not in {r["name"] for r in rows} or any(r["n"] < 2 for r in rows):
        return []  # no family of tests yet (a partial file, or a re-run of a few configurations)
    tests = [difference(rows, name, "convmixer") for name in names]
    if not all(0 <= d["p"] <= 1 for d in tests):  # runs with no spread at all give no p-value
        return []
    return [dict(name=name, difference=round(d["difference"], 6),
                 standard_error=round(d["standard_error"], 6), p=round(d["p"], 6),
                 p_holm=round(p_holm, 6), clear_alone=bool(d["clear"]),
                 clear_after_holm=p_holm < 0.05)
            for name, d, p_holm in zip(names, tests, holm([d["p"] for d in tests]))]


def save(results: dict[str, Any], path: Path) -> None:
    results["total_seconds"] = round(sum(i["seconds"] for i in results["invocations"]), 1)
    results["tests"] = corrected_tests(results)
    results["date"] = _now()
    atomic_write(path, (json.dumps(results, indent=1) + "\n").encode("utf-8"))


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _init_worker(data: dict | None, train_images: int) -> None:
    _DATA.update(data if data is not None else fashion_mnist_tensors(subset=train_images))


def _run(task: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """One run of ``task`` (part, name, seed, lr) on one thread, with the machine's 1-minute load average
    before it (None where the platform has none), when it started and when it finished."""
    load, started = os.getloadavg()[0] if hasattr(os, "getloadavg") else None, _now()
    timed = task["part"] == "cpu_time"
    record = run_config(task["name"], task["seed"], args["cpu_budget"] if timed else None, _DATA,
                        epochs=None if timed else args["epochs"], recipe=dict(lr=task["lr"]), threads=1)
    return {**record, **task, "load_average": load, "started": started, "finished": _now()}


def run_all(tasks: list[dict[str, Any]], args: argparse.Namespace, data: dict | None, done) -> None:
    """Each task, ``done(record)`` as each finishes, ``--jobs`` at a time (``--jobs 1``: in this process)."""
    settings = dict(epochs=args.epochs, cpu_budget=args.cpu_budget)
    if not tasks:
        return
    if args.jobs == 1:
        _init_worker(data, args.train_images)
        for task in tasks:
            done(_run(task, settings))
        return
    context = multiprocessing.get_context("spawn")  # fresh processes: no torch state shared by fork
    with concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=context, initializer=_init_worker,
                                                initargs=(data, args.train_images)) as pool:
        futures = [pool.submit(_run, task, settings) for task in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                done(future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def choose_rates(results: dict[str, Any], args: argparse.Namespace) -> dict[str, float]:
    """Each family's rate: the best validation accuracy of its lr_search runs (the first rate on a tie)."""
    for family in {CONFIGS[n][0] for n in args.configs} - set(results["lr_choice"]):
        runs = [r for r in results["records"] if r["part"] == "lr_search" and r["name"] == family]
        if len(runs) == len(args.lr_grid):
            best = max(runs, key=lambda r: (r["val_accuracy"], -args.lr_grid.index(r["lr"])))
            results["lr_choice"][family] = best["lr"]
    return results["lr_choice"]


def later_tasks(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The main and cpu_time runs (the rates chosen); the grid's runs at the chosen rate become
    main records here, copied."""
    rates = {n: results["lr_choice"][CONFIGS[n][0]] for n in args.configs}
    grid = {(r["name"], r["lr"]): r for r in results["records"] if r["part"] == "lr_search"}
    tasks = [dict(part="main", name=n, seed=s, lr=rates[n]) for n in args.configs for s in args.seeds]
    timed = args.compare_to is None  # a re-run compared with a reference repeats main runs only
    order = _todo(results, [dict(part="cpu_time", name=n, seed=s, lr=rates[n]) for n in PEERS
                            if n in rates and timed for s in args.seeds])
    random.Random(0).shuffle(order)  # run in this order, recorded after the file's earlier ones
    for task in order:
        if [task["name"], task["seed"]] not in results["cpu_order"]:
            results["cpu_order"].append([task["name"], task["seed"]])
        task["order"] = results["cpu_order"].index([task["name"], task["seed"]])
    for task in [t for t in tasks if t["seed"] == results["protocol"]["lr_seed"] and t["part"] == "main"]:
        if (task["name"], task["lr"]) in grid and _todo(results, [task]):
            results["records"].append(dict(grid[(task["name"], task["lr"])], part="main", copied="lr_search"))
    return _todo(results, tasks + order)


def _todo(results: dict[str, Any], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    finished = {(r["part"], r["name"], r["seed"], r["lr"]) for r in results["records"]}
    return [t for t in tasks if (t["part"], t["name"], t["seed"], t["lr"]) not in finished]


def report_repeats(records: list[dict[str, Any]], reference: Path) -> None:
    """For each main record: whether ``reference`` holds the same run and repeats its accuracies."""
    ref = {(r["name"], r["seed"], r["lr"]): r for r in part(load_results(reference), "main")}
    for r in (r for r in records if r["part"] == "main"):
        old = ref.get((r["name"], r["seed"], r["lr"]))
        if old is None:
            print(f"{r['name']} seed {r['seed']}: {reference} has no main run of it")
            continue
        same = (old["val_accuracy"], old["test_accuracy"]) == (r["val_accuracy"], r["test_accuracy"])
        print(f"{r['name']} seed {r['seed']}: test {r['test_accuracy']:.2%}, the reference's "
              f"{old['test_accuracy']:.2%}: {'repeated exactly' if same else 'DIFFERENT'}")


def main(argv: list[str] | None = None, data: dict | None = None) -> dict[str, Any]:
    """Run what is missing and return the results. ``data``: the three splits to use instead of
    Fashion-MNIST (tests pass tiny synthetic ones)."""
    args = parse_args(argv)
    started = time.perf_counter()
    words = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/compare_models.py", *words])
    if data is not None:  # the first --train-images training images, as fashion_mnist_tensors(subset=...)
        data = {**data, "train": tuple(v[:args.train_images] for v in data["train"])}
    splits = data or fashion_mnist_tensors(subset=args.train_images)
    results = start_file(args, protocol(args, splits), command)
    invocation = dict(command=command, started=_now(), seconds=0.0, runs_added=0)
    results["invocations"].append(invocation)
    new: list[dict[str, Any]] = []

    def done(record: dict[str, Any]) -> None:
        new.append(record)
        results["records"].append(record)
        invocation.update(seconds=round(time.perf_counter() - started, 1), runs_added=len(new))
        save(results, args.out)
        print(f"[{len(new)}] {record['part']} {record['name']} seed {record['seed']} lr {record['lr']:g}: "
              f"test {record['test_accuracy']:.2%}, val {record['val_accuracy']:.2%}, {record['epochs']:.2f} "
              f"epochs in {record['seconds']:.1f} CPU-s ({record['wall_seconds']:.1f} s wall)", flush=True)

    families = sorted({CONFIGS[n][0] for n in args.configs}, key=PEERS.index)
    if args.compare_to is not None:  # a re-run trains at the reference's rates: no search of its own
        chosen = load_results(args.compare_to)["lr_choice"]
        results["lr_choice"].update({f: chosen[f] for f in families if f in chosen})
    grid = _todo(results, [dict(part="lr_search", name=f, seed=args.seeds[0], lr=lr)
                           for f in families if f not in results["lr_choice"] for lr in args.lr_grid])
    print(f"{len(grid)} runs of the learning-rate search to do ({len(results['records'])} records already in "
          f"{args.out})", flush=True)
    run_all(grid, args, data, done)
    choose_rates(results, args)
    rest = later_tasks(results, args)
    print(f"learning rates chosen: {results['lr_choice']}; {len(rest)} runs to do", flush=True)
    run_all(rest, args, data, done)
    if not new:  # nothing was missing: the file stays as it was
        return results
    invocation.update(seconds=round(time.perf_counter() - started, 1), finished=True)
    save(results, args.out)
    print(f"total {invocation['seconds']:.0f} s for {len(new)} runs; {args.out} holds "
          f"{len(results['records'])} records ({results['total_seconds']:.0f} s in all)")
    if args.compare_to is not None:
        report_repeats(new, args.compare_to)
    return results


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("compare_models: interrupted; finished runs are kept, the same command continues")
