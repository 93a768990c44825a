"""twins sync in a kernel: the twin is written only after a successful run, keeping its translated
comments."""

from __future__ import annotations

import os

import nbformat

from convmixer_lab.tools.nbtools import read_notebook, write_notebook
from convmixer_lab.tools.twins import carry, source_sha256
from tests.unit.test_twins import _pair, _state, run  # the helpers the in-process twins tests use


def _runnable(tmp_path, *code):
    """A small English notebook that runs without the package, and its translated twin."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Small", id="title"),
                nbformat.v4.new_code_cell('def set_language(x):\n    print(x)\nset_language("en")',
                                          id="lang")]
    nb.cells += [nbformat.v4.new_code_cell(source, id=f"c{i}") for i, source in enumerate(code)]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="en\n")]  # as the English run stored them
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="42\n")]
    twin = carry(nb, None)
    twin.cells[0].source = "# 小"
    twin.cells[0].metadata["translation"] = {"source_sha256": source_sha256(nb.cells[0].source)}
    return _pair(tmp_path, nb, twin)


def test_sync_writes_the_twin_only_after_a_successful_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    path, target = _runnable(tmp_path, "print(6 * 7)  # six times seven")
    twin = read_notebook(target)
    twin.cells[2].source = "print(6 * 7)  # 六乘七"
    english_code = read_notebook(path).cells[2].source
    twin.cells[2].metadata["translation"] = {"source_sha256": source_sha256(english_code)}
    write_notebook(twin, target)
    os.chmod(target, 0o600)
    assert run("sync", str(path)) == 0
    twin = read_notebook(target)
    assert twin.cells[1].outputs[0].text == "zh\n" and twin.cells[2].outputs[0].text == "42\n"
    assert twin.cells[2].source == "print(6 * 7)  # 六乘七" and target.stat().st_mode & 0o777 == 0o600
    capsys.readouterr()
    nb = read_notebook(path)
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0", id="boom"))
    write_notebook(nb, path)
    before = _state(tmp_path / "zh")
    assert run("sync", str(path)) == 2
    assert capsys.readouterr().err == (f"twins: error: {target}: cell 3 (id boom) failed with "
                                       "ZeroDivisionError: division by zero; nothing was written\n")
    assert _state(tmp_path / "zh") == before  # the old twin, whole
