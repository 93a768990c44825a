"""Accuracy target of the small preset: >= 90.0 % on the 10,000 test images within 60 s on a CPU.

    python benchmarks/train_small.py [--budget 60] [--threads 2]

Runs ``python -m convmixer_lab.train --preset small --time-budget BUDGET`` in a fresh process (55,000
training images; the 5,000 held out for validation are scored after every epoch, the test set once at
the end) and prints test and validation accuracy, seconds and parameters. Timings depend on the
machine and on whatever else runs on it (the load average is printed): run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.900


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--preset", default="small")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = subprocess.run([sys.executable, "-m", "convmixer_lab.train", "--preset", args.preset,
                          "--time-budget", str(args.budget), "--device", "cpu", "--no-progress", "--json"],
                         cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{args.threads} torch threads, load average before the run {load:.2f}")
    print(f"preset {args.preset}: {result['params']:,} parameters, settings {result['settings']}")
    print(f"test accuracy {result['test_accuracy']:.2%} (validation {result['val_accuracy']:.2%}) after "
          f"{result['train_seconds']:.1f} s of training "
          f"({result['epochs']} epochs; {result['total_seconds']:.1f} s with data loading), "
          f"budget {args.budget:.0f} s")
    met = result["test_accuracy"] >= TARGET
    print(f"target >= {TARGET:.1%}: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
