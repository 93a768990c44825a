"""Time to run each notebook, and all of them together, under the same settings as CI.

    .venv/bin/python benchmarks/notebook_times.py              # every notebooks/*.ipynb
    .venv/bin/python benchmarks/notebook_times.py notebooks/05_train_small_convmixer.ipynb
    .venv/bin/python benchmarks/notebook_times.py --threads 1  # OMP_NUM_THREADS=1 for the kernels

CI runs ``make test``, whose pytest call checks every notebook with strict nbval (the options live
in pyproject.toml). This script runs that same command, ``python -m pytest NOTEBOOK``, once per
notebook and once for all of them in one call, and prints the wall time of each and whether nbval
passed. The times include starting Python, pytest and one Jupyter kernel per notebook, as in CI.
Target (issue 6): all five notebooks in under 3 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 180


def run_pytest(paths: list[str], env: dict[str, str]) -> tuple[float, bool, str]:
    """(wall seconds, passed, pytest's last line) of ``python -m pytest PATHS`` run from the repo root."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", *paths], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0:  # name the cells whose outputs differed
        print("\n".join(line for line in lines if line.startswith("FAILED")), flush=True)
    return seconds, proc.returncode == 0, lines[-1] if lines else proc.stderr.strip()[-200:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebooks/*.ipynb")
    parser.add_argument("--threads", type=int, default=0,
                        help="set OMP_NUM_THREADS for pytest and the kernels it starts (0: leave as is)")
    parser.add_argument("--skip-each", action="store_true", help="only time all notebooks together")
    args = parser.parse_args()
    found = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    notebooks = args.notebooks or found
    if not notebooks:
        parser.error("no notebooks found in notebooks/")
    for nb in notebooks:
        if not (ROOT / nb).is_file():
            parser.error(f"{nb} does not exist (paths are relative to the repository root)")
    env = dict(os.environ)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)

    import torch  # only to report the thread count the kernels will get

    threads = args.threads or int(env.get("OMP_NUM_THREADS", 0)) or torch.get_num_threads()
    print(f"{os.cpu_count()} CPU cores; kernels get {threads} torch threads; "
          f"command: {Path(sys.executable).name} -m pytest NOTEBOOK (nbval options from pyproject.toml)")
    rows = []
    if not args.skip_each:
        for nb in notebooks:
            rows.append((Path(nb).name, *run_pytest([nb], env)))
            print(f"{rows[-1][0]:<36} {rows[-1][1]:7.1f} s  {'passed' if rows[-1][2] else 'FAILED'}  "
                  f"{rows[-1][3]}", flush=True)
    together = run_pytest(notebooks, env)
    print(f"{'all ' + str(len(notebooks)) + ' in one pytest call':<36} {together[0]:7.1f} s  "
          f"{'passed' if together[1] else 'FAILED'}  {together[2]}")
    if rows:
        print(f"sum of the separate runs: {sum(r[1] for r in rows):.1f} s")
    verdict = "within" if together[0] < TARGET_SECONDS else "OVER"
    print(f"all together: {together[0]:.0f} s, {verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
