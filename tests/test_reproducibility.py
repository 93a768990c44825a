"""The Chinese twins under strict nbval, with ONE torch thread: the course's outputs do not depend on
how many threads torch uses.

The normal test run checks every English notebook under strict nbval with torch's default thread
count (2 on CI's 2-core machine), against outputs stored by a separate execution
(``python -m convmixer_lab.tools.nbtools``). The Chinese twins (notebooks/zh/) run the same code and must
print the same numbers and draw the same figures as the English (tests/test_twins.py). This test
runs the twins under the same strict nbval (same options, from pyproject.toml) in two subprocesses
side by side (a one-thread kernel uses one core; the notebooks are split by their stored run times),
whose kernels inherit ``OMP_NUM_THREADS=1``: so one execution checks both that the Chinese edition
runs as stored and that one thread gives the numbers two threads gave. (The main run skips notebooks/zh/, see
``norecursedirs`` in pyproject.toml, so the twins run once.) A small probe notebook whose stored
output is "1" runs in the same call, so the test fails if the variable did not reach the kernels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def probe_notebook(path: Path) -> None:
    """A one-cell notebook whose stored output is torch's thread count in a 1-thread kernel."""
    cell = {"cell_type": "code", "execution_count": 1, "id": "threads", "metadata": {},
            "source": ["import torch\n", "print(torch.get_num_threads())"],
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["1\n"]}]}
    nb = {"cells": [cell], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                       "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1))


def stored_seconds(notebook: Path) -> float:
    """How long the notebook's stored run took (its cells' execution timestamps, written by nbtools)."""
    cells = json.loads(notebook.read_text("utf-8"))["cells"]
    stamps = [cell["metadata"].get("execution", {}) for cell in cells if cell["cell_type"] == "code"]
    times = [datetime.fromisoformat(s[key].replace("Z", "+00:00")) for s in stamps
             for key in ("iopub.execute_input", "shell.execute_reply") if key in s]
    return (max(times) - min(times)).total_seconds() if times else 0.0


def two_groups(notebooks: list[Path]) -> list[list[Path]]:
    """Split the notebooks into two groups of about equal stored run time (longest first, each to
    the lighter group): with one torch thread per kernel, two pytest calls side by side use both cores."""
    groups: list[list[Path]] = [[], []]
    load = [0.0, 0.0]
    for notebook in sorted(notebooks, key=stored_seconds, reverse=True):
        lighter = load.index(min(load))
        groups[lighter].append(notebook)
        load[lighter] += stored_seconds(notebook)
    return [sorted(group) for group in groups if group]


def test_two_groups_balance_the_stored_run_times(tmp_path):
    def notebook(name: str, seconds: int) -> Path:
        cell = {"cell_type": "code", "metadata": {"execution": {
            "iopub.execute_input": "2026-11-28T10:00:00.000000Z",
            "shell.execute_reply": f"2026-11-28T10:{seconds // 60:02d}:{seconds % 60:02d}.000000Z"}}}
        path = tmp_path / name
        path.write_text(json.dumps({"cells": [cell, {"cell_type": "markdown", "metadata": {}}]}))
        return path

    paths = [notebook(name, seconds) for name, seconds in (("a.ipynb", 100), ("b.ipynb", 50), ("c.ipynb", 30),
                                                            ("d.ipynb", 25))]
    assert stored_seconds(paths[0]) == 100
    assert two_groups(paths) == [[paths[0]], paths[1:]]


@pytest.mark.slow
def test_chinese_twins_pass_nbval_with_one_torch_thread(tmp_path):
    notebooks = sorted((ROOT / "notebooks" / "zh").glob("*.ipynb"))
    english = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) == len(english) > 0, "every English notebook needs its twin in notebooks/zh/"
    probe = tmp_path / "threads_probe.ipynb"
    probe_notebook(probe)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    runs = [subprocess.Popen(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
         "-q", str(probe), *map(str, group)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for group in two_groups(notebooks)]
    for run in runs:
        out, err = run.communicate(timeout=1800)
        report = out[-6000:] + err[-2000:]
        assert run.returncode == 0, f"nbval with OMP_NUM_THREADS=1 failed:\n{report}"
        assert " passed" in out.splitlines()[-1], report
