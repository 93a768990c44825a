"""Chinese twins of the notebooks (notebooks/zh/), kept in step with the English ones.

    python -m convmixer_lab.twins sync [NOTEBOOK ...]   # carry code, then re-run the twin
    python -m convmixer_lab.twins check [NOTEBOOK ...]  # list every difference (the tests do the same)
    python -m convmixer_lab.twins mark NOTEBOOK --cells ID [ID ...]  # "these twin cells are re-translated"

A twin has the same cells as its English notebook, in the same order, with the same ids. Its code
cells are the English ones, except the language line of the first code cell (``set_language("en")``
becomes ``set_language("zh")``), so the package prints its texts in Chinese. Its markdown cells are
translations: each records in its metadata which English text it translates, as the sha256 of that
text (``metadata["translation"]["source_sha256"]``). ``check`` reports, naming notebook and cell:

- a different number, order, type or id of cells; a code cell that differs beyond the language line;
- a figure (PNG) or a number printed by a cell that differs (cells marked ``NBVAL_IGNORE_OUTPUT``,
  whose output depends on the machine, are skipped);
- a markdown cell whose English text changed since it was translated, or that was never translated.

``sync`` rebuilds a twin from its English notebook: code cells are carried over, markdown cells keep
their translation (paired by cell id; a changed English cell keeps its old translation and is reported
stale until re-translated; a new one arrives in English, marked untranslated), and the twin is then
executed so its outputs hold the Chinese texts. Keeping up costs only the translation: edit the
Chinese of each cell ``check`` reports (in JupyterLab or any editor), then ``mark`` those cells, which
records the current English text's sha256 in each (it refuses a cell whose text is still the English).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import nbformat

from convmixer_lab.files import REPO_ROOT
from convmixer_lab.nbtools import execute_notebook, read_notebook, write_notebook

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TWIN_FOLDER = "zh"
IGNORE_OUTPUT = "NBVAL_IGNORE_OUTPUT"
# a number as printed: 294912, 1,179,648, 0.25, 3e-05 (a comma after it is punctuation; a sign is
# left out, so "stride-1" and "stride 1" print the same number)
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)
_TEXT_MIMES = ("text/plain",)


def language_line(language: str) -> str:
    """The line of the first code cell that selects the package's language."""
    return f'set_language("{language}")'


def source_sha256(text: str) -> str:
    """What a translated markdown cell records of the English text it translates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def twin_path(english: str | Path) -> Path:
    """notebooks/NN_name.ipynb -> notebooks/zh/NN_name.ipynb."""
    english = Path(english)
    return english.parent / TWIN_FOLDER / english.name


def english_notebooks(folder: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered English notebooks, sorted."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def _as_twin_code(source: str) -> str:
    return source.replace(language_line("en"), language_line("zh"))


def _printed_numbers(cell: nbformat.NotebookNode) -> list[str]:
    numbers = []
    for out in cell.get("outputs", []):
        texts = [out.get("text", "")] if out.get("output_type") == "stream" else [
            out.get("data", {}).get(mime, "") for mime in _TEXT_MIMES]
        for text in texts:
            numbers += _NUMBER.findall("".join(text) if isinstance(text, list) else text)
    return numbers


def _figures(cell: nbformat.NotebookNode) -> list[str]:
    return [out["data"]["image/png"] for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]


def _markdown_problem(en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> str | None:
    recorded = zh.metadata.get("translation", {}).get("source_sha256")
    if recorded is None:
        return "is not translated yet (no translation.source_sha256 in its metadata)"
    if recorded != source_sha256(en.source):
        return "translates an older English text (the English cell changed): re-translate it"
    return None


def _cell_problems(index: int, en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> list[str]:
    where = f"cell {index} (id {en.get('id')})"
    if (en.cell_type, en.get("id")) != (zh.cell_type, zh.get("id")):
        return [f"{where}: English is a {en.cell_type} cell with id {en.get('id')}, the twin a "
                f"{zh.cell_type} cell with id {zh.get('id')}; run `python -m convmixer_lab.twins sync`"]
    if en.cell_type == "markdown":
        problem = _markdown_problem(en, zh)
        return [f"{where}: markdown {problem}"] if problem else []
    if en.cell_type != "code":
        return []
    problems = []
    if _as_twin_code(en.source) != zh.source:
        problems.append(f"{where}: code differs from the English beyond the language line")
    if IGNORE_OUTPUT not in en.source:
        if _figures(en) != _figures(zh):
            problems.append(f"{where}: its figures differ from the English ones")
        if _printed_numbers(en) != _printed_numbers(zh):
            problems.append(f"{where}: prints other numbers than the English "
                            f"({_printed_numbers(en)[:6]} vs {_printed_numbers(zh)[:6]})")
    return problems


def differences(english: nbformat.NotebookNode, twin: nbformat.NotebookNode, name: str = "") -> list[str]:
    """Every way ``twin`` is out of step with ``english``, one line each, naming ``name`` and the cell."""
    prefix = f"{name}: " if name else ""
    problems = []
    if len(english.cells) != len(twin.cells):
        problems.append(f"{prefix}{len(english.cells)} cells in English, {len(twin.cells)} in the twin")
    first_code = next((c for c in english.cells if c.cell_type == "code"), None)
    if first_code is None or language_line("en") not in first_code.source:
        problems.append(f"{prefix}the first code cell must hold {language_line('en')}")
    for index, (en, zh) in enumerate(zip(english.cells, twin.cells)):
        problems += [prefix + p for p in _cell_problems(index, en, zh)]
    return problems


def carry(english: nbformat.NotebookNode, old_twin: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """A new twin: ``english``'s cells, with the translations of ``old_twin`` kept (paired by id)."""
    translated = {c.get("id"): c for c in (old_twin.cells if old_twin else []) if c.cell_type == "markdown"}
    twin = nbformat.from_dict(english)
    twin.metadata = nbformat.from_dict({**english.metadata, "language_edition": TWIN_FOLDER})
    for cell in twin.cells:
        if cell.cell_type == "code":
            cell.source = _as_twin_code(cell.source)
        elif cell.cell_type == "markdown":
            old = translated.get(cell.get("id"))
            if old is not None:
                cell.source = old.source
                cell.metadata = old.metadata
            else:
                cell.metadata.pop("translation", None)
    return twin


def sync(english_path: str | Path, execute: bool = True) -> Path:
    """Rebuild the twin of ``english_path`` (see the module docstring); return its path."""
    english_path = Path(english_path)
    target = twin_path(english_path)
    old = read_notebook(target) if target.exists() else None
    write_notebook(carry(read_notebook(english_path), old), target)
    if execute:
        execute_notebook(target)
    return target


def mark(english_path: str | Path, cell_ids: list[str]) -> Path:
    """Record in the twin's markdown cells ``cell_ids`` that they translate the current English text."""
    english_path = Path(english_path)
    english = {c.get("id"): c for c in read_notebook(english_path).cells if c.cell_type == "markdown"}
    target = twin_path(english_path)
    twin = read_notebook(target)
    cells = {c.get("id"): c for c in twin.cells if c.cell_type == "markdown"}
    for cell_id in cell_ids:
        if cell_id not in english or cell_id not in cells:
            raise ValueError(f"cell_ids: {cell_id!r} is not a markdown cell of {english_path.name} and its "
                             "twin; `python -m convmixer_lab.twins check` names the cells to re-translate")
        if cells[cell_id].source == english[cell_id].source:
            raise ValueError(f"cell_ids: the twin's cell {cell_id!r} still holds the English text; "
                             "translate it first, then mark it")
        cells[cell_id].metadata["translation"] = {"source_sha256": source_sha256(english[cell_id].source)}
    write_notebook(twin, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.twins",
                                     description="Keep the Chinese twins (notebooks/zh/) in step.")
    parser.add_argument("command", choices=("sync", "check", "mark"))
    parser.add_argument("notebooks", nargs="*", help="English notebooks (default: all in notebooks/)")
    parser.add_argument("--no-execute", action="store_true", help="sync: do not re-run the twins")
    parser.add_argument("--cells", nargs="+", default=[], metavar="ID",
                        help="mark: the ids of the twin's re-translated markdown cells")
    args = parser.parse_intermixed_args(argv)  # options may come before or after the notebooks
    if args.command == "mark":
        if len(args.notebooks) != 1 or not args.cells:
            parser.error("mark takes one English notebook and --cells ID [ID ...]")
        try:
            print(f"marked {len(args.cells)} cell(s) of {mark(args.notebooks[0], args.cells)}")
        except (ValueError, OSError) as err:
            parser.error(str(err))
        return 0
    paths = [Path(p) for p in args.notebooks] or english_notebooks()
    problems = []
    for path in paths:
        if args.command == "sync":
            print(f"wrote {sync(path, execute=not args.no_execute)}", flush=True)
        if args.command == "check" or not args.no_execute:
            twin = twin_path(path)
            found = (differences(read_notebook(path), read_notebook(twin), path.name) if twin.exists()
                     else [f"{path.name}: no twin at {twin}; run `python -m convmixer_lab.twins sync`"])
            problems += found
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
