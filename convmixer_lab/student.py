"""Student copies of the course notebooks: solutions out, placeholders in.

    python -m convmixer_lab.student [OUTDIR] [--notebooks SRC] [--force]   # default: student/

Every line of a code cell that ends in ``# SOLUTION`` becomes a placeholder:

    answer = 5 * 5 * 128 * 256  # SOLUTION   ->   answer = ...
    return 1 / c_out + 1 / k**2  # SOLUTION  ->   return ...
    anything_else(x)  # SOLUTION             ->   ...            (same indentation)

A placeholder is what ``Exercise.check`` reports as "not answered yet", so a copy runs top to
bottom. Cells tagged ``instructor`` (the answers to "Check your understanding") are left out.
Outputs and execution counts are cleared (and saved widget state dropped); questions,
hints and checks stay. Subfolders of SRC (the Chinese twins in notebooks/zh/) are mirrored into
OUTDIR (student/zh/). The files the notebooks link to beside them (``SHARED_FILES``: the glossary,
SRC/GLOSSARY.md) are copied unchanged into OUTDIR, so a copy's links work there as in SRC
(student/NN.ipynb links GLOSSARY.md, student/zh/NN.ipynb ../GLOSSARY.md). Each copy is written with
``files.atomic_write``.

Nothing the instructor or a student made is overwritten without ``--force``: OUTDIR is refused when
it is SRC or inside it, inside the course's notebooks/ (nbval and JupyterLab would pick the copies
up), or when it holds a notebook that is not a fresh student copy (``# SOLUTION`` lines, stored
outputs, or not readable as a notebook), or a shared file (GLOSSARY.md) that differs from SRC's (edited
there, or copied from an older glossary).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from convmixer_lab.exercises import SOLUTION_MARKER
from convmixer_lab.files import REPO_ROOT, atomic_write
from convmixer_lab.nbtools import read_notebook, write_notebook

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
STUDENT_DIR = REPO_ROOT / "student"
INSTRUCTOR_TAG = "instructor"  # a cell with this tag (answers for the instructor) is left out of copies
SHARED_FILES = ("GLOSSARY.md",)  # files beside the notebooks that their links need, copied unchanged

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
        try:
            ast.parse(TransformerManager().transform_cell(result))  # %magics -> Python first
        except SyntaxError as err:
            raise ValueError(f"{where}: the student version is not valid Python ({err.msg}, line "
                             f"{err.lineno}); a {SOLUTION_MARKER} line must be a whole statement "
                             f"on one line:\n{result}") from None
    return result


def student_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``nb`` with solutions replaced, cells tagged ``instructor`` left out, and outputs,
    counts and widget state cleared."""
    copy = nbformat.from_dict(nb)
    copy.metadata.pop("widgets", None)
    copy.cells = [c for c in copy.cells if INSTRUCTOR_TAG not in c.metadata.get("tags", [])]
    for index, cell in enumerate(copy.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.source = student_source(cell.source, where=f"{name}, cell {index}")
            cell.outputs = []
            cell.execution_count = None
    return copy


def instructor_notebooks(notebooks: str | Path, skip: str | Path | None = None) -> list[Path]:
    """Every ``.ipynb`` in ``notebooks`` and its subfolders (notebooks/zh/...), sorted; hidden folders
    (.ipynb_checkpoints) and the folder ``skip`` are left out. A clear error when there is none."""
    notebooks = Path(notebooks)
    if not notebooks.exists():
        raise FileNotFoundError(f"--notebooks {notebooks} does not exist; pass the folder of "
                                "instructor notebooks (default: notebooks/ in the repository)")
    if not notebooks.is_dir():
        raise NotADirectoryError(f"--notebooks {notebooks} is a file, not a folder; pass the folder "
                                 "of instructor notebooks (default: notebooks/ in the repository)")
    skip = Path(skip).resolve() if skip is not None else None
    found = [path for path in sorted(notebooks.rglob("*.ipynb"))
             if not any(part.startswith(".") for part in path.relative_to(notebooks).parts)
             and not (skip is not None and path.resolve().is_relative_to(skip))]
    if not found:
        raise FileNotFoundError(f"--notebooks {notebooks} holds no .ipynb files; pass the folder of "
                                "instructor notebooks (default: notebooks/ in the repository)")
    return found


def _not_a_fresh_copy(path: Path) -> str | None:
    """Why the notebook at ``path`` must not be overwritten by a student copy (None: it is one)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = [c for c in cells if c.get("cell_type") == "code"]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in code]
    except (OSError, ValueError, KeyError, TypeError):
        return "cannot be read as a notebook"
    if any(line.rstrip().endswith(SOLUTION_MARKER) for src in sources for line in src.split("\n")):
        return f"has {SOLUTION_MARKER} lines (an instructor notebook)"
    if any(c.get("outputs") or c.get("execution_count") is not None for c in code):
        return "has stored outputs (an instructor notebook, or a student's work)"
    return None


def _place_refusal(outdir: Path, notebooks: Path) -> str | None:
    """Why ``outdir`` is the wrong place for student copies (None: it is not)."""
    out, src, course = outdir.resolve(), notebooks.resolve(), NOTEBOOKS_DIR.resolve()
    if out == src:
        return "is the instructor notebooks folder (--notebooks)"
    if out.is_relative_to(src):
        return f"is inside the instructor notebooks folder {notebooks}"
    if out.is_relative_to(course):
        return (f"is inside the course's notebooks folder {NOTEBOOKS_DIR}, where nbval and JupyterLab "
                "would pick the copies up")
    return None


def _contents_refusal(outdir: Path, subfolders: set[Path]) -> str | None:
    """Why the notebooks already in ``outdir`` (and the ``subfolders`` the copies go to) must not
    be overwritten or mixed with copies (None: there are none, or only fresh student copies)."""
    for sub in sorted(subfolders):
        for existing in sorted((outdir / sub).glob("*.ipynb")):
            if why := _not_a_fresh_copy(existing):
                return f"holds {existing.relative_to(outdir)}, which {why}"
    return None


def shared_files(notebooks: str | Path) -> dict[str, bytes]:
    """The ``SHARED_FILES`` that ``notebooks`` holds, name -> content (a name it lacks is left out)."""
    notebooks = Path(notebooks)
    return {name: (notebooks / name).read_bytes() for name in SHARED_FILES if (notebooks / name).is_file()}


def _shared_refusal(outdir: Path, shared: dict[str, bytes], notebooks: Path) -> str | None:
    """Why a shared file already in ``outdir`` must not be replaced (None: it is absent, or the same
    as the one in ``notebooks``, so nothing would be lost)."""
    for name, content in shared.items():
        existing = outdir / name
        if existing.is_dir():
            return f"holds a folder {name}, where the copy of {notebooks / name} goes"
        if existing.exists() and existing.read_bytes() != content:
            return (f"holds {name}, which differs from {notebooks / name} (edited there, or a copy of "
                    "an older version: to keep it, move it away first)")
    return None


def make_student_copies(outdir: str | Path = STUDENT_DIR, notebooks: str | Path = NOTEBOOKS_DIR,
                        force: bool = False) -> list[Path]:
    """Write a student copy of every notebook in ``notebooks`` (and its subfolders, mirrored) into
    ``outdir``, and copy the ``SHARED_FILES`` it holds (GLOSSARY.md) there; return the paths written.

    Every copy is built before any is written, so a bad solution line leaves nothing half done.
    Without ``force``, an ``outdir`` that could hold instructor notebooks or a student's work is
    refused (see the module's docstring) before anything is written.
    """
    outdir, notebooks = Path(outdir), Path(notebooks)
    if outdir.exists() and not outdir.is_dir():
        raise NotADirectoryError(f"outdir {outdir} is a file, not a folder; pass another path, "
                                 "e.g. student/")
    why = None if force else _place_refusal(outdir, notebooks)
    same = outdir.resolve() == notebooks.resolve()
    sources = instructor_notebooks(notebooks, skip=None if same else outdir)
    targets = [outdir / path.relative_to(notebooks) for path in sources]
    shared = shared_files(notebooks)
    if not force and why is None:
        why = (_contents_refusal(outdir, {target.parent.relative_to(outdir) for target in targets})
               or _shared_refusal(outdir, shared, notebooks))
    if why:
        raise ValueError(f"outdir {outdir} {why}; student copies there would overwrite or mix with "
                         "it. Pass another folder (e.g. student/), or --force (force=True) to write "
                         "there anyway")
    copies = [student_notebook(read_notebook(path), name=str(path.relative_to(notebooks)))
              for path in sources]
    for nb, target in zip(copies, targets):
        write_notebook(nb, target)
    for name, content in shared.items():
        atomic_write(outdir / name, content)
    return targets + [outdir / name for name in shared]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.student",
                                     description="Write student copies of the notebooks (solutions "
                                                 "replaced by ..., outputs cleared).")
    parser.add_argument("outdir", nargs="?", default=str(STUDENT_DIR),
                        help="folder for the copies (default: student/ in the repository)")
    parser.add_argument("--notebooks", default=str(NOTEBOOKS_DIR),
                        help="folder of instructor notebooks, subfolders included (default: "
                             "notebooks/ in the repository)")
    parser.add_argument("--force", action="store_true",
                        help="write into OUTDIR even if it holds instructor notebooks, a student's "
                             "work, or lies inside notebooks/")
    args = parser.parse_args(argv)
    try:
        paths = make_student_copies(args.outdir, args.notebooks, force=args.force)
    except (OSError, ValueError) as err:
        parser.error(str(err))
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
