"""Student copies of the course notebooks: solutions out, placeholders in.

    python -m convmixer_lab.student [OUTDIR]      # default: student/ next to notebooks/

Every line of a code cell that ends in ``# SOLUTION`` becomes a placeholder:

    answer = 5 * 5 * 128 * 256  # SOLUTION   ->   answer = ...
    return 1 / c_out + 1 / k**2  # SOLUTION  ->   return ...
    anything_else(x)  # SOLUTION             ->   ...            (same indentation)

A placeholder is what ``Exercise.check`` reports as "not answered yet", so a copy runs top to
bottom. Outputs and execution counts are cleared (and saved widget state dropped); questions,
hints and checks stay. Each copy is written to a temporary file and renamed.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat

from convmixer_lab.exercises import SOLUTION_MARKER
from convmixer_lab.nbtools import write_atomically

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
STUDENT_DIR = REPO_ROOT / "student"

# `name = expr`, `obj.attr = expr` or `name: type = expr` (not `==`, not `+=`).
_ASSIGNMENT = re.compile(r"(?P<target>[A-Za-z_][\w.]*(?:\s*:\s*[^=]+?)?)\s*=(?!=)")
_RETURN = re.compile(r"return\b")


def placeholder(line: str) -> str:
    """The student version of one line of code that ends in ``# SOLUTION``."""
    code = line.rstrip()
    if not code.endswith(SOLUTION_MARKER):
        raise ValueError(f"line must end with {SOLUTION_MARKER!r}, got {line!r}")
    code = code[: -len(SOLUTION_MARKER)].rstrip()
    body = code.lstrip()
    indent = code[: len(code) - len(body)]
    if _RETURN.match(body):
        return f"{indent}return ..."
    if match := _ASSIGNMENT.match(body):
        return f"{indent}{match['target'].strip()} = ..."
    return f"{indent}..."


def student_source(source: str, where: str = "cell") -> str:
    """A code cell's source with every solution line replaced; ``where`` names the cell in errors."""
    lines = []
    for number, line in enumerate(source.split("\n"), start=1):
        if SOLUTION_MARKER in line:
            if not line.rstrip().endswith(SOLUTION_MARKER):
                raise ValueError(f"{where}, line {number}: {SOLUTION_MARKER!r} must end the line "
                                 f"(it marks the whole line as solution), got {line!r}")
            line = placeholder(line)
        lines.append(line)
    result = "\n".join(lines)
    if result != source:
        from IPython.core.inputtransformer2 import TransformerManager  # %magics -> Python

        try:
            ast.parse(TransformerManager().transform_cell(result))
        except SyntaxError as err:
            raise ValueError(f"{where}: the student version is not valid Python ({err.msg}, line "
                             f"{err.lineno}); a {SOLUTION_MARKER} line must be a whole statement "
                             f"on one line:\n{result}") from None
    return result


def student_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` with solutions replaced and outputs, counts and widget state cleared."""
    copy = nbformat.from_dict(nb)
    copy.metadata.pop("widgets", None)
    for index, cell in enumerate(copy.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = student_source(cell.source, where=f"{name}, cell {index}")
            cell.outputs = []
            cell.execution_count = None
    return copy


def make_student_copies(outdir: str | Path = STUDENT_DIR,
                        notebooks: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """Write a student copy of every ``notebooks/*.ipynb`` into ``outdir``; return their paths.

    Every copy is built before any is written, so a bad solution line leaves nothing half done.
    """
    outdir, notebooks = Path(outdir), Path(notebooks)
    sources = sorted(notebooks.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"notebooks must be a folder with .ipynb files; none in {str(notebooks)!r}")
    if outdir.exists() and not outdir.is_dir():
        raise NotADirectoryError(f"outdir must be a folder, but {str(outdir)!r} is a file; "
                                 "pass another path")
    if outdir.resolve() == notebooks.resolve():
        raise ValueError("outdir must not be the notebooks folder (the copies would replace the "
                         "instructor notebooks); pass another path, e.g. student/")
    copies = [(student_notebook(nbformat.read(path, as_version=4), name=path.name), outdir / path.name)
              for path in sources]
    outdir.mkdir(parents=True, exist_ok=True)
    for nb, target in copies:
        write_atomically(nb, target)
    return [target for _, target in copies]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.student",
                                     description="Write student copies of the notebooks (solutions "
                                                 "replaced by ..., outputs cleared).")
    parser.add_argument("outdir", nargs="?", default=str(STUDENT_DIR),
                        help="folder for the copies (default: student/ in the repository)")
    parser.add_argument("--notebooks", default=str(NOTEBOOKS_DIR),
                        help="folder of instructor notebooks (default: notebooks/ in the repository)")
    args = parser.parse_args(argv)
    for path in make_student_copies(args.outdir, args.notebooks):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
