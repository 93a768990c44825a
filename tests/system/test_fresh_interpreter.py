"""Package behaviour that only a fresh Python process shows (each test starts `python -c`): what an
import loads or changes, and a temporary file left by a process that has ended."""

from __future__ import annotations

import os
import subprocess
import sys

from convmixer_lab.files import atomic_write, remove_stale_temporaries


def test_exercise_imports_only_its_notebooks_module():
    import subprocess
    import sys

    code = ("import sys; from convmixer_lab.exercises import exercise; exercise('03.1'); "
            "print(sorted(m for m in sys.modules if m.startswith('convmixer_lab.exercises.nb')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['convmixer_lab.exercises.nb03']"


def test_importing_plot_leaves_matplotlib_settings_alone():
    """A student's own figures keep matplotlib's defaults: plot sets its resolution per figure."""
    code = ("import matplotlib; before = dict(matplotlib.rcParams); "
            "import convmixer_lab.plot, convmixer_lab.widgets; "
            "changed = sorted(k for k, v in matplotlib.rcParams.items() if before[k] != v); "
            "print(changed)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_stale_temporaries_of_a_dead_process_are_removed(tmp_path):
    target = tmp_path / "last.pt"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".last.pt.{dead}.abcd.tmp"
    stale.write_bytes(b"partial")
    mine = tmp_path / f".last.pt.{os.getpid()}.efgh.tmp"  # a write still under way in this process
    mine.write_bytes(b"partial")
    other = tmp_path / ".model.pt.1.abcd.tmp"  # another file's temporary is not touched
    other.write_bytes(b"x")
    atomic_write(target, b"new")
    assert not stale.exists() and mine.exists() and other.exists()
    assert remove_stale_temporaries(target) == []


