"""The Chinese twins under strict nbval, with ONE torch thread: the course's outputs do not depend on
how many threads torch uses.

The normal test run checks every English notebook under strict nbval with torch's default thread
count (2 on CI's 2-core machine), against outputs stored by a separate execution
(``python -m convmixer_lab.nbtools``). The Chinese twins (notebooks/zh/) run the same code and must
print the same numbers and draw the same figures as the English (tests/test_twins.py). This test
runs the twins under the same strict nbval (same options, from pyproject.toml) in a subprocess whose
kernels inherit ``OMP_NUM_THREADS=1``: so one execution checks both that the Chinese edition runs as
stored and that one thread gives the numbers two threads gave. (The main run skips notebooks/zh/, see
``norecursedirs`` in pyproject.toml, so the twins run once.) A small probe notebook whose stored
output is "1" runs in the same call, so the test fails if the variable did not reach the kernels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


@pytest.mark.slow
def test_chinese_twins_pass_nbval_with_one_torch_thread(tmp_path):
    notebooks = sorted(str(p) for p in (ROOT / "notebooks" / "zh").glob("*.ipynb"))
    english = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) == len(english) > 0, "every English notebook needs its twin in notebooks/zh/"
    probe = tmp_path / "threads_probe.ipynb"
    probe_notebook(probe)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
         "-q", str(probe), *notebooks],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    report = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, f"nbval with OMP_NUM_THREADS=1 failed:\n{report}"
    assert " passed" in proc.stdout.splitlines()[-1], report
