"""Chinese twins of the notebooks (notebooks/zh/), kept in step with the English ones.

    python -m convmixer_lab.tools.twins sync [NOTEBOOK ...]   # carry code, then re-run the twin
    python -m convmixer_lab.tools.twins check [NOTEBOOK ...]  # list every difference (the tests do the same)
    python -m convmixer_lab.tools.twins mark NOTEBOOK --cells ID [ID ...]  # "these twin cells are translated"

A twin has the English cells, same ids, same code but the language line (comments may be translated).
A translated cell records the sha256 of its English source (``metadata.translation.source_sha256``), so
``check`` finds stale ones; ``sync`` keeps translations (paired by id) and writes only after a good run."""

import argparse
import hashlib
import io
import json
import re
import sys
import tokenize
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.tools import nbtools

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TWIN_FOLDER = "zh"
# a number as printed: 294912, 1,179,648, 0.25, 3e-05 (no sign: "stride-1" and "stride 1" are alike)
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)
_ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){3}")  # four English words in a row
# what a language-neutral markdown cell may hold besides numbers and signs: math, code, tags, link targets
_NEUTRAL = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|<[^>]*>|\]\([^)]*\)", re.DOTALL)
_EXERCISE = re.compile(r"\bexercise\(|\bex\.\w+\(")  # a cell whose output the package writes in Chinese
_CJK = re.compile(r"[\u3400-\u9fff]")
EN_LINE, ZH_LINE = 'set_language("en")', 'set_language("zh")'  # in the first code cell


def source_sha256(text: str) -> str:
    """What a translated cell records of the English source it translates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def twin_path(english: str | Path) -> Path:
    """notebooks/NN_name.ipynb -> notebooks/zh/NN_name.ipynb."""
    english = Path(english)
    return english.parent / TWIN_FOLDER / english.name


def english_notebooks(folder: str | Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered English notebooks, sorted."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def code_without_comments(source: str) -> tuple:
    """A code cell's Python tokens without comments (else its lines, where the tokenizer fails)."""
    try:
        python = TransformerManager().transform_cell(source)
        tokens = tokenize.generate_tokens(io.StringIO(python).readline)
        return tuple((t.type, t.string) for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return tuple(line.rstrip() for line in source.splitlines())


def _as_twin_code(source: str) -> str:
    return source.replace(EN_LINE, ZH_LINE)


def _outputs_text(cell: nbformat.NotebookNode, mimes: tuple[str, ...] = ("text/plain",)) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        found = [out.get("text", "")] if out.get("output_type") == "stream" else [
            out.get("data", {}).get(mime, "") for mime in mimes]
        texts += ["".join(t) if isinstance(t, list) else t for t in found]
    return texts


def _output_summary(cell: nbformat.NotebookNode) -> tuple[list, list, list]:
    """What a twin's outputs must share with the English: figures (PNG), kinds of rich output, numbers."""
    outputs = cell.get("outputs", [])
    return ([out["data"]["image/png"] for out in outputs if "image/png" in out.get("data", {})],
            [(out.output_type, tuple(sorted(out.get("data", {})))) for out in outputs
             if out.get("output_type") != "stream"],
            [n for text in _outputs_text(cell) for n in _NUMBER.findall(text)])


def _translation_problem(en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> str | None:
    recorded = zh.metadata.get("translation", {}).get("source_sha256")
    if recorded is None:
        return "is not translated yet (no translation.source_sha256 in its metadata)"
    if recorded != source_sha256(en.source):
        return "translates an older English text (the English cell changed): re-translate it, then mark it"
    return None


def _output_problems(en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> list[str]:
    problems = []
    (en_figures, en_kinds, en_numbers), (zh_figures, zh_kinds, zh_numbers) = map(_output_summary, (en, zh))
    if en_figures != zh_figures:
        problems.append("its figures differ from the English ones")
    if en_kinds != zh_kinds:
        problems.append(f"its rich outputs differ from the English ones ({en_kinds} vs {zh_kinds})")
    if sorted(en_numbers) != sorted(zh_numbers):  # a multiset: Chinese may order them naturally
        problems.append(f"prints other numbers than the English ({en_numbers[:6]} vs {zh_numbers[:6]})")
    mimes = ("text/plain", "text/markdown", "text/html")
    english = [t for t in _outputs_text(zh, mimes) if t in _outputs_text(en, mimes) and _ENGLISH.search(t)]
    if english and _EXERCISE.search(en.source):
        problems.append("prints the same English text as the English notebook "
                        f"({_ENGLISH.search(english[0])[0]!r}...): `twins sync` runs the twin in Chinese")
    return problems


def _code_problems(en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> list[str]:
    carried, problems = _as_twin_code(en.source), []
    if code_without_comments(carried) != code_without_comments(zh.source):
        problems = ["code differs from the English beyond comments and the language line"]
    elif (zh.source != carried or "translation" in zh.metadata) and (why := _translation_problem(en, zh)):
        problems = [f"code comments: {why}"]
    return problems + ([] if "NBVAL_IGNORE_OUTPUT" in en.source else _output_problems(en, zh))


def _cell_problems(index: int, en: nbformat.NotebookNode, zh: nbformat.NotebookNode) -> list[str]:
    where = f"cell {index} (id {en.get('id')})"
    if (en.cell_type, en.get("id")) != (zh.cell_type, zh.get("id")):
        return [f"{where}: English is a {en.cell_type} cell with id {en.get('id')}, the twin a "
                f"{zh.cell_type} cell with id {zh.get('id')}; run `twins sync`"]
    if en.cell_type in ("markdown", "raw"):
        problem = _translation_problem(en, zh)
        return [f"{where}: {en.cell_type} {problem}"] if problem else []
    return [f"{where}: {p}" for p in _code_problems(en, zh)] if en.cell_type == "code" else []


def id_problem(cells: list, name: str) -> str | None:
    """Why ``cells`` (dicts, as read) cannot be paired by id: one without an id, or two sharing one."""
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        cell_id = cell.get("id")
        if cell_id is None:
            return (f"{name}: cell {index} has no id (saved as nbformat 4.4 or older, as Colab does); "
                    "re-save it in JupyterLab 3 or later to give every cell an id, then give its twin's "
                    "cells the same ids")
        if cell_id in seen:
            return (f"{name}: cells {seen[cell_id]} and {index} have the same id {cell_id!r}; give one a "
                    "new id (nbformat.read then nbformat.write does it) and the same ids in the twin")
        seen[cell_id] = index
    return None


def lost_cells(english: nbformat.NotebookNode, twin: nbformat.NotebookNode | None,
               name: str = "") -> list[str]:
    """The twin's cells, more than a copy of English, that ``sync`` would drop (no English id)."""
    prefix = f"{name}: " if name else ""
    kept = {(c.cell_type, c.get("id")) for c in english.cells}
    copies = {_as_twin_code(c.source) for c in english.cells} | {""}
    return [f"{prefix}twin cell {i} (id {c.get('id')}) has no English {c.cell_type} cell with that id, so "
            "sync would drop it: give it its English cell's id, add it to the English too, or delete it"
            for i, c in enumerate(twin.cells if twin else [])
            if (c.cell_type, c.get("id")) not in kept and c.source not in copies]


def differences(english: nbformat.NotebookNode, twin: nbformat.NotebookNode, name: str = "") -> list[str]:
    """Every way ``twin`` is out of step with ``english`` (ids, code, outputs, translations)."""
    prefix = f"{name}: " if name else ""
    ids = (id_problem(english.cells, f"{prefix}English"), id_problem(twin.cells, f"{prefix}twin"))
    problems = [p for p in ids if p] + lost_cells(english, twin, name)
    if len(english.cells) != len(twin.cells):
        problems.append(f"{prefix}{len(english.cells)} cells in English, {len(twin.cells)} in the twin")
    first_code = next((c for c in english.cells if c.cell_type == "code"), None)
    if first_code is None or EN_LINE not in first_code.source:
        problems.append(f"{prefix}the first code cell must hold {EN_LINE}")
    for index, (en, zh) in enumerate(zip(english.cells, twin.cells)):
        problems += [prefix + p for p in _cell_problems(index, en, zh)]
    return problems


def _carried_code(cell: nbformat.NotebookNode, old: nbformat.NotebookNode | None) -> None:
    """Keep ``old``'s translated comments while the code is the same, else record them as stale."""
    cell.source = _as_twin_code(cell.source)
    cell.metadata.pop("translation", None)
    record = old.metadata.get("translation") if old is not None else None
    if old is None or record is None and not _CJK.search(old.source):
        return
    if code_without_comments(old.source) == code_without_comments(cell.source):
        cell.source = old.source
        if record is not None:
            cell.metadata["translation"] = record
    else:
        record = record or {}
        cell.metadata["translation"] = {"source_sha256": record.get("source_sha256", ""),
                                        "previous": record.get("previous", old.source)}


def carry(english: nbformat.NotebookNode, old_twin: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """A new twin: ``english``'s cells, with the translations of ``old_twin`` kept (paired by id)."""
    old = {(c.cell_type, c.get("id")): c for c in (old_twin.cells if old_twin else [])}
    twin = nbformat.from_dict(english)
    twin.metadata = nbformat.from_dict({**english.metadata, "language_edition": TWIN_FOLDER})
    for cell in twin.cells:
        before = old.get((cell.cell_type, cell.get("id")))
        if cell.cell_type == "code":
            _carried_code(cell, before)
        elif before is not None:  # markdown, raw: the translation stays (stale if the English changed)
            cell.source, cell.metadata = before.source, before.metadata
        else:
            cell.metadata.pop("translation", None)
    return twin


def load(path: Path) -> tuple[nbformat.NotebookNode, str]:
    """``nbtools.load_notebook``, refusing (``NotebookError``) cells without ids or sharing one."""
    try:  # before nbformat reads it: nbformat would give a repeated id a new one, with a warning
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        cells = None  # load_notebook says what is wrong
    if isinstance(cells, list) and all(isinstance(c, dict) for c in cells) and path.suffix == ".ipynb":
        if problem := id_problem(cells, str(path)):
            raise nbtools.NotebookError(problem)
    return nbtools.load_notebook(path)


def english_path(path: str | Path) -> Path:
    """``path``, refused when it is a twin (inside notebooks/zh/) rather than an English notebook."""
    path = Path(path)
    if path.resolve().parent.name == TWIN_FOLDER:
        raise nbtools.NotebookError(f"{path} is a Chinese twin (inside {TWIN_FOLDER}/); pass its English "
                                    f"notebook {path.parent.parent / path.name}")
    return path


def sync(english_file: str | Path, execute: bool = True, timeout: int = 600) -> Path:
    """Rebuild the twin of ``english_file``, refusing to lose a twin cell; return its path."""
    english = load(english_path(english_file))[0]
    target = twin_path(english_file)
    old, before = load(target) if target.exists() else (None, None)
    if lost := lost_cells(english, old, str(target)):
        raise nbtools.NotebookError(lost[0])
    twin = carry(english, old)
    target.parent.mkdir(exist_ok=True)
    nbtools.check_writable(target)
    if execute:
        nbtools.run_notebook(twin, target.parent, timeout, name=str(target))
    return nbtools.write_notebook(twin, target, expected=before)


def _markable(cell_id: str, en: nbformat.NotebookNode | None, zh: nbformat.NotebookNode | None) -> str | None:
    """Why the twin's cell ``cell_id`` cannot be marked as translating ``en`` (None: it can)."""
    if en is None or zh is None or en.cell_type != zh.cell_type:
        return (f"{cell_id!r} is not a cell of both the English notebook and its twin; "
                "`twins check` names the cells to re-translate")
    neutral = not re.search(r"[A-Za-z]{2,}", _NEUTRAL.sub("", en.source))  # no English word to translate
    if en.cell_type in ("markdown", "raw") and zh.source == en.source and not neutral:
        return f"the twin's cell {cell_id!r} still holds the English text; translate it first, then mark it"
    same_code = code_without_comments(zh.source) == code_without_comments(_as_twin_code(en.source))
    if en.cell_type == "code" and not same_code:
        return f"the twin's cell {cell_id!r} has other code than the English; run `twins sync` first"
    return None


def mark(english_file: str | Path, cell_ids: list[str]) -> Path:
    """Record that the twin's cells ``cell_ids`` translate the current English cells."""
    english = {c.get("id"): c for c in load(english_path(english_file))[0].cells}
    target = twin_path(english_file)
    twin, before = load(target)
    nbtools.check_writable(target)
    cells = {c.get("id"): c for c in twin.cells}
    for cell_id in cell_ids:
        if why := _markable(cell_id, english.get(cell_id), cells.get(cell_id)):
            raise nbtools.NotebookError(f"cell_ids: {why}")
        cells[cell_id].metadata["translation"] = {"source_sha256": source_sha256(english[cell_id].source)}
    return nbtools.write_notebook(twin, target, expected=before)


def check(english_file: str | Path) -> list[str]:
    """``differences`` between a notebook and its twin as stored (a missing twin is one)."""
    name, target = Path(english_file).name, twin_path(english_file)
    english = load(english_path(english_file))[0]
    if not target.exists():
        return [f"{name}: no twin at {target}; run `twins sync`"]
    return differences(english, load(target)[0], name)


def _run(args: argparse.Namespace) -> int:
    if args.command == "mark":
        print(f"marked {len(args.cells)} cell(s) of {mark(args.notebooks[0], args.cells)}")
        return 0
    problems = []
    for path in [Path(p) for p in args.notebooks] or english_notebooks():
        if args.command == "sync":
            print(f"wrote {sync(path, execute=not args.no_execute, timeout=args.timeout)}", flush=True)
        if args.command == "check" or not args.no_execute:
            problems += check(path)
    for line in problems:
        print(line)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m convmixer_lab.tools.twins",
                                     description="Keep the Chinese twins (notebooks/zh/) in step.")
    parser.add_argument("command", choices=("sync", "check", "mark"))
    parser.add_argument("notebooks", nargs="*", help="English notebooks (default: all in notebooks/)")
    parser.add_argument("--no-execute", action="store_true", help="sync: do not re-run the twins")
    parser.add_argument("--timeout", type=int, default=600, help="sync: seconds allowed per cell")
    parser.add_argument("--cells", nargs="+", default=[], metavar="ID",
                        help="mark: the ids of the twin's translated cells")
    args = parser.parse_intermixed_args(argv)  # options may come before or after the notebooks
    if args.command == "mark" and (len(args.notebooks) != 1 or not args.cells):
        nbtools.refuse("twins", "mark takes one English notebook and --cells ID [ID ...]")
    if args.timeout < 1:
        nbtools.refuse("twins", f"--timeout must be at least 1 second, got {args.timeout}")
    try:
        with nbtools.signals_interrupt():
            return _run(args)
    except nbtools.Interrupted as stop:
        print(f"twins: interrupted by {stop}; the twin was left unchanged", file=sys.stderr)
        return 128 + stop.signum
    except (nbtools.NotebookError, OSError, ValueError) as err:
        nbtools.refuse("twins", str(err))


if __name__ == "__main__":
    sys.exit(main())
