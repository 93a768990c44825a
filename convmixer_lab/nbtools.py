"""Execute the course notebooks in place, the way their stored outputs are produced.

    python -m convmixer_lab.nbtools notebooks/03_parameter_count.ipynb [...]

Each notebook runs top to bottom in a fresh kernel from this environment, with its own folder
as the working directory (as nbval runs it). Saved widget state is stripped from the metadata
(it holds random model ids and would churn on every run), and the file is written to a
temporary name and renamed, so an interrupted run never leaves a broken notebook.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def write_atomically(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``nb`` to ``path`` through a temporary file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def execute_notebook(path: str | Path, timeout: int = 600) -> float:
    """Run every cell of the notebook at ``path``, store the outputs; return seconds taken."""
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"path must be an existing .ipynb file, got {str(path)!r}")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    write_atomically(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.nbtools",
                                     description="Execute notebooks in place and store their outputs.")
    parser.add_argument("notebooks", nargs="+", help=".ipynb files to execute")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    for nb in args.notebooks:
        print(f"{nb}: {execute_notebook(nb, args.timeout):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
