"""Re-executing notebooks (`python -m convmixer_lab.tools.nbtools`): outputs stored atomically (a
symbolic link followed), bad arguments, failing cells, time-outs and a file changed meanwhile refused
in one line with nothing written, and Ctrl-C / SIGTERM end the run cleanly: one line, exit code
130 / 143, the notebook unchanged, no kernel process and no connection file left behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from convmixer_lab.tools.nbtools import execute_notebook, main, read_notebook, write_notebook

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120  # a kernel starts in a few seconds; a busy 2-core machine is slower


def small_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [nbformat.v4.new_markdown_cell("# a small notebook")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def isolated_env(tmp_path: Path) -> dict[str, str]:
    """This environment, with Jupyter's runtime folder and the temporary folder under tmp_path."""
    for name in ("runtime", "tmp"):
        (tmp_path / name).mkdir(exist_ok=True)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), TMPDIR=str(tmp_path / "tmp"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return env


def test_execute_notebook_stores_outputs_and_leaves_nothing_else(tmp_path, monkeypatch):
    """Run through a symbolic link: the notebook runs in its own folder and is written there, with its
    mode; the link stays a link."""
    for name, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    path = small_notebook(tmp_path / "nb.ipynb", "import os\nx = 6 * 7\nprint(x)", "x + 1",
                          f"os.getcwd() == {str(tmp_path)!r}")
    path.chmod(0o600)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "link.ipynb").symlink_to(path)
    seconds = execute_notebook(tmp_path / "elsewhere" / "link.ipynb")
    assert seconds > 0
    assert (tmp_path / "elsewhere" / "link.ipynb").is_symlink() and (path.stat().st_mode & 0o777) == 0o600
    assert os.listdir(tmp_path / "elsewhere") == ["link.ipynb"]
    (tmp_path / "elsewhere" / "link.ipynb").unlink()
    (tmp_path / "elsewhere").rmdir()
    nb = read_notebook(path)
    assert nb.cells[1].outputs[0]["text"] == "42\n" and nb.cells[1].execution_count == 1
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "43" and nb.cells[2].execution_count == 2
    assert nb.cells[3].outputs[0]["data"]["text/plain"] == "True"  # ran in the notebook's own folder
    assert "widgets" not in nb.metadata and nb.metadata["language_info"]["name"] == "python"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb", "runtime", "tmp"]
    assert list((tmp_path / "runtime").iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []
    assert path.read_text(encoding="utf-8").endswith("}\n")  # as nbformat.write writes it


def test_write_notebook_is_byte_identical_to_nbformat(tmp_path):
    nb = read_notebook(REPO / "notebooks" / "03_parameter_count.ipynb")
    nbformat.write(nb, tmp_path / "a.ipynb")
    write_notebook(nb, tmp_path / "b.ipynb")
    assert (tmp_path / "a.ipynb").read_bytes() == (tmp_path / "b.ipynb").read_bytes()


@pytest.mark.parametrize("cells, args, says", [
    (["x = 1", "1 / 0"], [], "{path}: cell 2 (id {id}) failed with ZeroDivisionError: division by zero; "
                            "nothing was written"),
    (["import time\ntime.sleep(60)"], ["--timeout", "1"],
     "{path}: cell 1 (id {id}) ran longer than the time-out (1 s); nothing was written: pass a larger "
     "--timeout"),
    (["from pathlib import Path\np = Path('nb.ipynb')\np.write_text(p.read_text().replace('small', 'edit'))"],
     [], "{path} changed on disk since it was read (saved from JupyterLab meanwhile?); it was kept and "
         "this run's result was not written: run again"),
], ids=["failing cell", "time-out", "changed on disk meanwhile"])
def test_a_run_that_cannot_finish_writes_nothing_and_says_why_in_one_line(tmp_path, monkeypatch, capsys,
                                                                           cells, args, says):
    for name, value in isolated_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    path = small_notebook(tmp_path / "nb.ipynb", *cells)
    before = path.read_bytes().replace(b"small", b"edit") if "changed" in says else path.read_bytes()
    assert main([str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err == "nbtools: error: " + says.format(path=path, id=read_notebook(path).cells[-1].id) + "\n"
    assert path.read_bytes() == before
    assert list((tmp_path / "runtime").iterdir()) == []


def gone(pid: int, timeout: float = 0) -> bool:
    """Whether process ``pid`` has ended, now or within ``timeout`` seconds (a zombie counts)."""
    try:
        process = psutil.Process(pid)
        process.wait(timeout=timeout) if process.status() != psutil.STATUS_ZOMBIE else None
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("signum, when", [
    (signal.SIGINT, "cell"), (signal.SIGTERM, "cell"), (signal.SIGINT, "kernel start"),
])
def test_an_interrupted_run_ends_cleanly(tmp_path, signum, when):
    started = tmp_path / "started"
    cell = (f"import os, pathlib, time\npathlib.Path({str(started)!r}).write_text(str(os.getpid()))\n"
            "time.sleep(300)")
    path = small_notebook(tmp_path / "sleepy.ipynb", cell, "print('never')")
    before = _digest(path)
    process = subprocess.Popen([sys.executable, "-m", "convmixer_lab.tools.nbtools", str(path)], cwd=tmp_path,
                               env=isolated_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,  # Ctrl-C not ignored, as from a terminal
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    runtime = tmp_path / "runtime"
    deadline = time.monotonic() + START_TIMEOUT_S
    ready = (lambda: started.exists()) if when == "cell" else (lambda: any(runtime.glob("kernel-*.json")))
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    kernel = int(started.read_text()) if when == "cell" else None
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # Ctrl-C in a terminal: the whole foreground group
    else:
        process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 128 + signum
    ours = [line for line in stderr.splitlines() if not line.startswith("[IPKernelApp]")]
    assert ours == [f"nbtools: interrupted by {signal.Signals(signum).name} while running {path}; that "
                    "notebook was left unchanged"], stderr
    assert "Traceback" not in stderr and stdout == ""
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["runtime", "tmp", "sleepy.ipynb"]
                                                                 + ["started"] * (started.exists()))
    assert list(runtime.iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []
    if kernel is not None:
        assert gone(kernel)
    mine = [p for p in psutil.process_iter(["cmdline"]) if str(runtime) in " ".join(p.info["cmdline"] or [])]
    assert all(gone(p.pid) for p in mine)  # no kernel of this run, whatever its pid


@pytest.mark.parametrize("make_args, message", [
    (lambda d: [str(d / "missing.ipynb")], "missing.ipynb does not exist; pass an existing .ipynb file"),
    (lambda d: [str(d / "notes.txt")], "notes.txt is not a notebook (the name must end in .ipynb)"),
    (lambda d: [str(d / "broken.ipynb")], "broken.ipynb is not valid notebook JSON"),
    (lambda d: [str(d / "folder.ipynb")], "folder.ipynb is a folder; pass an existing .ipynb file"),
    (lambda d: [str(d / "good.ipynb"), "--timeout", "0"], "--timeout must be at least 1 second, got 0"),
    (lambda d: [str(d / "readonly" / "good.ipynb")], "readonly is read-only, so good.ipynb could not be "
                                                      "written there; make the folder writable"),
])
def test_bad_arguments_are_refused_before_anything_runs(tmp_path, capsys, monkeypatch, make_args, message):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    (tmp_path / "folder.ipynb").mkdir()
    small_notebook(tmp_path / "good.ipynb", "print(1)")
    (tmp_path / "readonly").mkdir()
    small_notebook(tmp_path / "readonly" / "good.ipynb", "print(1)")
    (tmp_path / "readonly").chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the check see what another user would
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: real_access(p, mode) and "readonly" not in str(p))
    before = {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(SystemExit) as exit_info:
        main(make_args(tmp_path))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("nbtools: error: ") and err.count("\n") == 1, err
    assert {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    (tmp_path / "readonly").chmod(0o755)
