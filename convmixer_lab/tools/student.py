"""Student copies of the course notebooks: solutions out, placeholders in.

    python -m convmixer_lab.tools.student [OUTDIR] [--notebooks SRC] [--force]   # default: student/

Each line ending in ``# SOLUTION`` becomes a runnable placeholder ("not answered yet"); ``instructor``
cells are left out, outputs cleared; zh/ is mirrored and GLOSSARY.md copied. A file changed since this
tool wrote it (sha256s in OUTDIR/.student-copies.json) is kept and named unless ``--force``."""

import argparse
import ast
import functools
import json
import sys
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.tools.nbtools import Written, notebook_bytes, read_notebook, refuse, write_unless_changed

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
    """The runnable student version of a ``# SOLUTION`` line: ``x, y = 8, 9`` -> ``x, y = ..., ...``,
    ``total += n`` -> ``total = ...``, ``return e`` -> ``return ...``, anything else -> ``...``."""
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


def cleared_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without ``instructor`` cells, outputs, counts and widget state."""
    copy = nbformat.from_dict(nb)
    copy.metadata.pop("widgets", None)
    copy.cells = [c for c in copy.cells if INSTRUCTOR_TAG not in c.metadata.get("tags", [])]
    for cell in copy.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return copy


def student_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """``cleared_copy(nb)`` with solutions replaced."""
    copy = cleared_copy(nb)
    for index, cell in enumerate(copy.cells):
        if cell.cell_type == "code":
            cell.source = student_source(cell.source, where=f"{name}, cell {index}")
    return copy


def instructor_notebooks(notebooks: str | Path) -> list[Path]:
    """Every ``.ipynb`` in ``notebooks`` and its subfolders but hidden ones, sorted; an error if none."""
    notebooks = Path(notebooks)
    found = [path for path in sorted(notebooks.rglob("*.ipynb") if notebooks.is_dir() else [])
             if not any(part.startswith(".") for part in path.relative_to(notebooks).parts)]
    if not found:
        error, why = ((FileNotFoundError, "holds no .ipynb files") if notebooks.is_dir() else
                      (NotADirectoryError, "is a file, not a folder") if notebooks.exists() else
                      (FileNotFoundError, "does not exist"))
        raise error(f"--notebooks {notebooks} {why}; pass the folder of instructor notebooks "
                    "(default: notebooks/ in the repository)")
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


def check_place(out: str | Path, notebooks: Path, label: str = "outdir", example: str = "student/") -> None:
    """Refuse, whatever --force says, an ``out`` that is no name, a file, ``notebooks``, inside or above
    it, or inside the course's notebooks/ (``label`` names ``out``, ``example`` is a folder to pass)."""
    if str(out) == "":
        raise ValueError(f"{label} '' names no folder (it would be the current one); pass a folder, "
                         f"e.g. {example}")
    path, src, course = Path(out), Path(notebooks).resolve(), NOTEBOOKS_DIR.resolve()
    place = path.resolve()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{label} {out} is a file, not a folder; pass another path, e.g. {example}")
    if place != src and src.is_relative_to(place):
        raise ValueError(f"{label} {out} holds the instructor notebooks folder {notebooks}; the copies need "
                         f"a folder of their own: pass another folder (e.g. {example})")
    if place == src:
        why = "is the instructor notebooks folder (--notebooks)"
    elif place.is_relative_to(src):
        why = f"is inside the instructor notebooks folder {notebooks}"
    elif place.is_relative_to(course):
        why = (f"is inside the course's notebooks folder {NOTEBOOKS_DIR}, where nbval and JupyterLab "
               "would pick the copies up")
    else:
        return
    raise ValueError(f"{label} {out} {why}; the copies would replace or mix with the instructor "
                     f"notebooks. Pass another folder (e.g. {example})")


def make_student_copies(outdir: str | Path = STUDENT_DIR, notebooks: str | Path = NOTEBOOKS_DIR,
                        force: bool = False) -> Written:
    """Write a student copy of every notebook in ``notebooks`` into ``outdir``; refusals come first."""
    check_place(outdir, notebooks)
    outdir, notebooks = Path(outdir), Path(notebooks)
    contents = {outdir / path.relative_to(notebooks): path for path in instructor_notebooks(notebooks)}
    contents.update({outdir / name: notebooks / name for name in SHARED_FILES
                     if (notebooks / name).is_file()})
    for target in contents:  # refused: a folder where a copy goes, or (unless force) a notebook not a copy
        if target.is_dir():
            raise ValueError(f"outdir {outdir} holds a folder {target.relative_to(outdir)}, where a copy "
                             "goes; move it away")
    for sub in sorted({target.parent for target in contents} if not force else ()):
        for existing in sorted(sub.glob("*.ipynb")):
            if why := _not_a_copy(existing):
                raise ValueError(f"outdir {outdir} holds {existing.relative_to(outdir)}, which {why}; "
                                 "student copies there would mix with it. Pass another folder (e.g. "
                                 "student/), or --force")
    written = {target: source.read_bytes() if source.suffix != ".ipynb" else notebook_bytes(
        student_notebook(read_notebook(source), name=str(source.relative_to(notebooks))))
        for target, source in contents.items()}  # a notebook's student copy, any other file unchanged
    return write_unless_changed(written, outdir / MANIFEST, force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.tools.student",
                                     description="Write student copies of the notebooks (solutions "
                                                 "replaced by ..., outputs cleared).")
    parser.add_argument("outdir", nargs="?", default=str(STUDENT_DIR),
                        help="folder for the copies (default: student/ in the repository)")
    parser.add_argument("--notebooks", default=str(NOTEBOOKS_DIR),
                        help="folder of instructor notebooks, subfolders included (default: "
                             "notebooks/ in the repository)")
    parser.add_argument("--force", action="store_true", help="replace files in OUTDIR that changed since "
                        "this tool wrote them; write there even if it holds instructor notebooks (never "
                        "into --notebooks or the course's notebooks/)")
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
