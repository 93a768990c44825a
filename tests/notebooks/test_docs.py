"""The course's documents: the bilingual glossary is complete, every relative link in the READMEs,
the glossary and the markdown of every notebook (both editions) opens a file, and every notebook
links the glossary."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

from convmixer_lab.repo import REPO_ROOT

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
GLOSSARY = NOTEBOOKS_DIR / "GLOSSARY.md"
READMES = [REPO_ROOT / "README.md", REPO_ROOT / "README.zh.md"]
ENGLISH = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
TWINS = [NOTEBOOKS_DIR / "zh" / path.name for path in ENGLISH]  # every English notebook has its twin
NOTEBOOKS = ENGLISH + TWINS
GLOSSARY_HEADER = ["English", "中文", "definition", "中文解释", "taught in"]
# The terms the glossary must define at least (issue 13), as its English column writes them.
REQUIRED_TERMS = {
    "patch", "patch embedding", "stem", "embedding dimension h", "depth d", "kernel size k",
    "patch size p", "stride", "padding", "groups", "depthwise convolution", "pointwise convolution",
    "depthwise separable convolution", "spatial mixing", "channel mixing", "residual connection",
    "batch normalisation", "GELU", "receptive field", "parameters", "MACs", "memory-bound / compute-bound",
    "global average pooling", "logits", "train / eval mode", "running statistics", "label smoothing",
    "learning-rate schedule (one-cycle)", "AdamW / weight decay", "augmentation", "validation split",
    "confusion matrix", "seed", "standard error", "ablation",
}

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # [text], one level of [nested] brackets
                     r"\(\s*(<[^<>\n]*>|[^()\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")  # (target "title")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^<>\n]*>|\S+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*$",
                        re.MULTILINE)
_HTML = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # http:, https:, mailto: ... (not files here)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def relative_links(markdown: str, math: bool = False) -> list[str]:
    """The file paths that ``markdown`` links to: inline links and images, reference definitions and
    HTML href/src, outside code; URLs with a scheme and pure #anchors left out, #fragments and
    ?queries stripped, %-escapes decoded. ``math=True`` also ignores $...$ (notebook markdown)."""
    text = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    if math:
        text = _MATH.sub("", text)
    targets = [m.group(1) for pattern in (_INLINE, _REFERENCE, _HTML) for m in pattern.finditer(text)]
    paths = []
    for target in (t.strip("<>").strip() for t in targets):
        if not target or target.startswith("#") or _SCHEME.match(target):
            continue
        paths.append(unquote(re.split(r"[#?]", target, maxsplit=1)[0]))
    return paths


def markdown_cells(path: Path) -> list[nbformat.NotebookNode]:
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def broken_links(base: Path, markdown: str, math: bool = False) -> list[str]:
    """The links of ``markdown`` (relative to the folder ``base``) that open no file or folder."""
    links = relative_links(markdown, math=math)
    return list(dict.fromkeys(link for link in links if not (base / link).exists()))


def glossary_rows() -> list[list[str]]:
    """The glossary table's rows (header and separator left out), each a list of its cells."""
    lines = [line.strip() for line in GLOSSARY.read_text(encoding="utf-8").splitlines()]
    table = [line for line in lines if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table]
    assert cells and cells[0] == GLOSSARY_HEADER, \
        f"{GLOSSARY.name}: the table's header must be {GLOSSARY_HEADER}"
    assert set("".join(cells[1])) <= set("-: "), f"{GLOSSARY.name}: the header's separator row is missing"
    return cells[2:]


# --- tests for the helper itself ----------------------------------------------------------------

def test_relative_links_finds_file_links_and_skips_urls_anchors_and_code():
    markdown = ("[a](x.md) ![img](pics/a%20b.png \"title\") [url](https://example.org/x.md) [top](#top)\n"
                "[sec](02_b.ipynb#2.-Section) `[not](code.md)` <a href=\"../y.md\">y</a> [m](mailto:a@b)\n"
                "```\n[fenced](fenced.md)\n```\n[ref]: refs/z.md \"Z\"\n[N, C, H, W]: images in the batch\n"
                "$W[i](t)$ [nested [x]](<with space.md>)")
    assert relative_links(markdown) == ["x.md", "pics/a b.png", "02_b.ipynb", "t", "with space.md",
                                        "refs/z.md", "../y.md"]
    assert relative_links(markdown, math=True) == ["x.md", "pics/a b.png", "02_b.ipynb", "with space.md",
                                                   "refs/z.md", "../y.md"]


def test_broken_links_names_the_missing_targets(tmp_path):
    (tmp_path / "here.md").write_text("x")
    (tmp_path / "sub").mkdir()
    assert broken_links(tmp_path, "[a](here.md) [b](gone.md) [c](sub/) [d](sub/gone.ipynb#x)") == \
        ["gone.md", "sub/gone.ipynb"]


# --- the glossary -------------------------------------------------------------------------------

def test_the_glossary_has_every_term_in_both_languages_with_the_notebook_that_teaches_it():
    rows = glossary_rows()
    assert len(rows) >= 30, f"{GLOSSARY.name} has {len(rows)} terms; the course needs at least 30"
    problems = []
    for number, row in enumerate(rows, start=1):
        if len(row) != len(GLOSSARY_HEADER):
            problems.append(f"row {number} has {len(row)} cells, not {len(GLOSSARY_HEADER)}: {row}")
            continue
        english, chinese, definition, explanation, where = row
        name = english or f"row {number}"
        if not re.search(r"[A-Za-z]", english):
            problems.append(f"{name}: no English term")
        if not _CJK.search(chinese):
            problems.append(f"{name}: no Chinese term")
        if len(definition.split()) < 5 or _CJK.search(definition):
            problems.append(f"{name}: the English definition is missing or not in English")
        if len(_CJK.findall(explanation)) < 5:
            problems.append(f"{name}: the Chinese explanation is missing")
        notebooks = [link for link in relative_links(where) if link.endswith(".ipynb")]
        if not notebooks:
            problems.append(f"{name}: no link to the notebook that teaches it")
        problems += [f"{name}: {link} does not exist" for link in notebooks
                     if not (NOTEBOOKS_DIR / link).is_file()]
    assert not problems, f"{GLOSSARY.name}:\n" + "\n".join(problems)
    terms = [row[0] for row in rows]
    assert len(terms) == len(set(terms)), f"{GLOSSARY.name}: a term appears twice"
    assert not REQUIRED_TERMS - set(terms), f"{GLOSSARY.name} lacks {sorted(REQUIRED_TERMS - set(terms))}"


def test_the_glossary_links_both_editions():
    intro = GLOSSARY.read_text(encoding="utf-8").split("\n|", 1)[0]
    links = {(NOTEBOOKS_DIR / link).resolve() for link in relative_links(intro)}
    assert {path.resolve() for path in READMES} <= links
    assert any(path.is_relative_to(NOTEBOOKS_DIR / "zh") and path.suffix == ".ipynb" for path in links)
    assert any(path.parent == NOTEBOOKS_DIR.resolve() and path.suffix == ".ipynb" for path in links)


# --- links --------------------------------------------------------------------------------------

@pytest.mark.parametrize("document", [*READMES, GLOSSARY], ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_in_the_documents_opens_a_file(document: Path):
    assert document.is_file(), f"{document.relative_to(REPO_ROOT)} is missing"
    broken = broken_links(document.parent, document.read_text(encoding="utf-8"))
    assert not broken, f"{document.relative_to(REPO_ROOT)}: these links open nothing: {broken}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOKS_DIR)))
def test_every_relative_link_in_a_notebook_opens_a_file(notebook: Path):
    assert notebook.is_file(), f"{notebook.relative_to(REPO_ROOT)} is missing (each notebook has a twin)"
    broken = [f"cell {cell.id}: {link}" for cell in markdown_cells(notebook)
              for link in broken_links(notebook.parent, cell.source, math=True)]
    assert not broken, f"{notebook.relative_to(REPO_ROOT)}: these links open nothing: {broken}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(NOTEBOOKS_DIR)))
def test_every_notebook_links_the_glossary(notebook: Path):
    assert notebook.is_file(), f"{notebook.relative_to(REPO_ROOT)} is missing (each notebook has a twin)"
    targets = {(notebook.parent / link).resolve() for cell in markdown_cells(notebook)
               for link in relative_links(cell.source, math=True)}
    assert GLOSSARY.resolve() in targets, (f"{notebook.relative_to(REPO_ROOT)} has no link to the glossary: "
                                           f"[...]({os.path.relpath(GLOSSARY, notebook.parent)})")


def test_the_readmes_link_each_other_the_glossary_and_every_notebook_of_their_edition():
    english, chinese = (path.read_text(encoding="utf-8") for path in READMES)
    first = next(line for line in english.splitlines() if line.strip())
    assert "README.zh.md" in relative_links(first), "README.md's first line must link README.zh.md (中文版)"
    assert "notebooks/GLOSSARY.md" in relative_links(english)
    zh_links = relative_links(chinese)
    assert "README.md" in zh_links and "notebooks/GLOSSARY.md" in zh_links
    missing = [f"notebooks/zh/{path.name}" for path in ENGLISH if f"notebooks/zh/{path.name}" not in zh_links]
    assert not missing, f"README.zh.md's syllabus does not link {missing}"
