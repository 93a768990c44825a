"""Student copies of the course notebooks: solutions out, placeholders in.

    python -m convmixer_lab.tools.student [OUTDIR] [--notebooks SRC] [--force]   # default: student/

Every line of a code cell that ends in ``# SOLUTION`` becomes a runnable placeholder:

    answer = 5 * 5 * 128 * 256  # SOLUTION   ->   answer = ...
    x, y = 8, 9  # SOLUTION                  ->   x, y = ..., ...
    total += n  # SOLUTION                   ->   total = ...      (d[k] = v -> d[k] = ...)
    return 1 / c_out + 1 / k**2  # SOLUTION  ->   return ...
    anything_else(x)  # SOLUTION             ->   ...            (same indentation)

A placeholder is what ``Exercise.check`` reports as "not answered yet", so a copy runs top to
bottom. Cells tagged ``instructor`` (the answers to "Check your understanding") are left out.
Outputs and execution counts are cleared (and saved widget state dropped); questions,
hints and checks stay. Subfolders of SRC (the Chinese twins in notebooks/zh/) are mirrored into
OUTDIR (student/zh/). The files the notebooks link to beside them (``SHARED_FILES``: the glossary,
SRC/GLOSSARY.md) are copied unchanged into OUTDIR, so a copy's links work there as in SRC
(student/NN.ipynb links GLOSSARY.md, student/zh/NN.ipynb ../GLOSSARY.md). Each file is written with
``files.atomic_write``.

Nothing the instructor or a student made is overwritten without ``--force``. The sha256 of every
file written is recorded in OUTDIR/.student-copies.json; a later run replaces only files still as
recorded (or equal to the new copy) and keeps, naming them, those that changed since (a student's
answers, notes, a cleared and saved notebook) or that it never wrote. OUTDIR is refused when it is
SRC or inside it, inside the course's notebooks/ (nbval and JupyterLab would pick the copies up),
when it holds a notebook that is no student copy (``# SOLUTION`` lines, or not readable), and, even
with ``--force``, when it holds SRC (the copies need a folder of their own).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import hashlib
import json
import sys
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from convmixer_lab.files import atomic_write
from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.tools.nbtools import read_notebook, refuse

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
STUDENT_DIR = REPO_ROOT / "student"
SOLUTION_MARKER = "# SOLUTION"  # ends every line of an instructor notebook that a copy leaves out
INSTRUCTOR_TAG = "instructor"  # a cell with this tag (answers for the instructor) is left out of copies
SHARED_FILES = ("GLOSSARY.md",)  # files beside the notebooks that their links need, copied unchanged
MANIFEST = ".student-copies.json"  # in OUTDIR: the sha256 of every file this tool wrote there


def _unanswered(target: ast.expr, top: bool = True) -> str:
    """A value that ``target = value`` takes and that leaves every name it binds unanswered (...)."""
    if not isinstance(target, (ast.Tuple, ast.List)):
        return "..."
    items = [_unanswered(e, top=False) for e in target.elts if not isinstance(e, ast.Starred)]
    joined = ", ".join(items) + ("," if len(items) == 1 else "")
    return joined if top and items else f"({joined})"


def placeholder(line: str) -> str:
    """The student version of one line of code that ends in ``# SOLUTION``: the statement stays
    runnable and leaves the answer unanswered (``...``)."""
    code = line.rstrip()
    if not code.endswith(SOLUTION_MARKER):
        raise ValueError(f"line must end with {SOLUTION_MARKER!r}, got {line!r}")
    code = code[: -len(SOLUTION_MARKER)].rstrip()
    body = code.lstrip()
    indent = code[: len(code) - len(body)]
    try:
        (statement,) = ast.parse(body).body
    except (SyntaxError, ValueError):
        return f"{indent}..."
    text = functools.partial(ast.get_source_segment, body)
    if isinstance(statement, ast.Return):
        return f"{indent}return ..."
    if isinstance(statement, ast.AnnAssign) and statement.value is not None:
        return f"{indent}{text(statement.target)}: {text(statement.annotation)} = ..."
    if isinstance(statement, ast.AugAssign):
        return f"{indent}{text(statement.target)} = ..."
    if isinstance(statement, ast.Assign):
        targets = " = ".join(text(t) for t in statement.targets)
        return f"{indent}{targets} = {_unanswered(statement.targets[-1])}"
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
                             "on one line") from None
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


def _not_a_copy(path: Path) -> str | None:
    """Why the notebook at ``path`` is no student copy (None: it may be one)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                   for c in cells if c.get("cell_type") == "code"]
    except (OSError, ValueError, KeyError, TypeError):
        return "cannot be read as a notebook"
    if any(line.rstrip().endswith(SOLUTION_MARKER) for src in sources for line in src.split("\n")):
        return f"has {SOLUTION_MARKER} lines (an instructor notebook)"
    return None


def _place_refusal(outdir: Path, notebooks: Path, force: bool) -> str | None:
    """Why ``outdir`` is the wrong place for student copies (None: it is not)."""
    out, src, course = outdir.resolve(), notebooks.resolve(), NOTEBOOKS_DIR.resolve()
    if force:
        return None
    if out == src:
        why = "is the instructor notebooks folder (--notebooks)"
    elif out.is_relative_to(src):
        why = f"is inside the instructor notebooks folder {notebooks}"
    elif out.is_relative_to(course):
        why = (f"is inside the course's notebooks folder {NOTEBOOKS_DIR}, where nbval and JupyterLab "
               "would pick the copies up")
    else:
        return None
    return (f"outdir {outdir} {why}; student copies there would mix with it. Pass another folder "
            "(e.g. student/), or --force (force=True) to write there anyway")


def _contents_refusal(outdir: Path, targets: list[Path], force: bool) -> str | None:
    """Why ``outdir`` must not take copies: a folder where a copy goes, or (unless ``force``) an
    instructor notebook or an unreadable one in a folder the copies go to (None: there is none)."""
    for target in targets:
        if target.is_dir():
            return (f"outdir {outdir} holds a folder {target.relative_to(outdir)}, where a copy goes; "
                    "move it away")
    for sub in sorted({target.parent for target in targets} if not force else ()):
        for existing in sorted(sub.glob("*.ipynb")):
            if why := _not_a_copy(existing):
                return (f"outdir {outdir} holds {existing.relative_to(outdir)}, which {why}; student copies "
                        "there would mix with it. Pass another folder (e.g. student/), or --force")
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _recorded(outdir: Path) -> dict[str, str]:
    """What this tool last wrote in ``outdir``: relative path -> sha256 (empty when unknown)."""
    try:
        files = json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {str(name): str(sha) for name, sha in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


@dataclasses.dataclass
class Copies:
    """What ``make_student_copies`` did: the files it wrote, and those it kept (changed since)."""
    written: list[Path]
    kept: list[Path]


def make_student_copies(outdir: str | Path = STUDENT_DIR, notebooks: str | Path = NOTEBOOKS_DIR,
                        force: bool = False) -> Copies:
    """Write a student copy of every notebook in ``notebooks`` (and its subfolders, mirrored) into
    ``outdir``, and copy the ``SHARED_FILES`` it holds (GLOSSARY.md) there.

    A file in ``outdir`` that differs from what this tool last wrote there (its sha256 is recorded in
    ``outdir/.student-copies.json``) is kept, not replaced, unless ``force``; so is one it never
    wrote. A bad place for the copies (see the module's docstring) is refused before anything is
    written.
    """
    outdir, notebooks = Path(outdir), Path(notebooks)
    if outdir.exists() and not outdir.is_dir():
        raise NotADirectoryError(f"outdir {outdir} is a file, not a folder; pass another path, e.g. student/")
    same = outdir.resolve() == notebooks.resolve()
    if not same and notebooks.resolve().is_relative_to(outdir.resolve()):  # not even with --force
        raise ValueError(f"outdir {outdir} holds the instructor notebooks folder {notebooks}; the copies "
                         "need a folder of their own: pass another folder (e.g. student/)")
    sources = instructor_notebooks(notebooks, skip=None if same else outdir)
    if why := _place_refusal(outdir, notebooks, force):
        raise ValueError(why)
    contents = {outdir / path.relative_to(notebooks): path for path in sources}
    contents.update({outdir / name: notebooks / name for name in SHARED_FILES
                     if (notebooks / name).is_file()})
    if why := _contents_refusal(outdir, list(contents), force):
        raise ValueError(why)
    contents = {target: _copy_bytes(source, notebooks) for target, source in contents.items()}
    recorded, done = _recorded(outdir), Copies([], [])
    for target, content in contents.items():
        name = target.relative_to(outdir).as_posix()
        now = _sha256(target.read_bytes()) if target.is_file() else None
        if not force and now not in (None, _sha256(content), recorded.get(name)):
            done.kept.append(target)
            continue
        atomic_write(target, content)
        recorded[name] = _sha256(content)
        done.written.append(target)
    atomic_write(outdir / MANIFEST, json.dumps({"files": recorded}, indent=1).encode() + b"\n")
    return done


def _copy_bytes(source: Path, notebooks: Path) -> bytes:
    """What a student gets for ``source``: its student copy (a notebook) or the file unchanged."""
    if source.suffix != ".ipynb":
        return source.read_bytes()
    text = nbformat.writes(student_notebook(read_notebook(source), name=str(source.relative_to(notebooks))))
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.tools.student",
                                     description="Write student copies of the notebooks (solutions "
                                                 "replaced by ..., outputs cleared).")
    parser.add_argument("outdir", nargs="?", default=str(STUDENT_DIR),
                        help="folder for the copies (default: student/ in the repository)")
    parser.add_argument("--notebooks", default=str(NOTEBOOKS_DIR),
                        help="folder of instructor notebooks, subfolders included (default: "
                             "notebooks/ in the repository)")
    parser.add_argument("--force", action="store_true",
                        help="replace files in OUTDIR that changed since this tool wrote them, and "
                             "write into OUTDIR even if it holds instructor notebooks or lies inside "
                             "notebooks/")
    args = parser.parse_args(argv)
    try:
        done = make_student_copies(args.outdir, args.notebooks, force=args.force)
    except (OSError, ValueError) as err:
        refuse("student", str(err))
    for path in done.written:
        print(f"wrote {path}")
    for path in done.kept:
        print(f"kept {path}: it changed since this tool wrote it (a student's work?); --force replaces it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
