"""The Chinese edition writes one term per concept (issue 17, "The Chinese edition"): no rejected
variant anywhere in the Chinese text the course shows. Checked: every markdown cell of
notebooks/zh/*.ipynb and the Chinese comments of their code cells, every ``zh`` text in
convmixer_lab/texts/*.toml, the Chinese columns of notebooks/GLOSSARY.md, and README.zh.md.
Code (fenced blocks and `code spans`), quotations (markdown's > lines: the tutorial's and the
paper's own words), formulas, link targets, URLs, file paths and printed outputs
are left out: outputs and figures keep their English labels, as in d2l-zh.
Code itself is checked for one thing only: no full-width punctuation (，；：) inside it.

Each failure names the file, the cell id, text id or line, the variant found and the term to write."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from convmixer_lab.repo import REPO_ROOT
from convmixer_lab.texts import FOLDER as TEXTS

if __import__("sys").version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CJK = "\u4e00-\u9fff"
# (pattern, what to write instead); the variant reported is the text the pattern matched.
RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, flags), use) for p, flags, use in [
    (r"stem\s*层|嵌入层", re.I, "起始层（stem） at first use, then 起始层"),
    (r"外形", 0, "影响范围"),
    (r"(?<![A-Za-z-])mixer\s*层|混合层", re.I, "ConvMixer 层"),
    (r"头部", 0, "分类头"),
    (r"配方", 0, "训练方案"),
    (r"墙上时间|墙钟时间", 0, "挂钟时间"),
    (r"轮次", 0, "轮（epoch） at first use, then 轮"),
    (r"(?<!批归一化（)(?<!批归一化\()(?<![\w.])BatchNorm(?![\w(])", re.A,
     "批归一化 (BatchNorm only in code, or as 批归一化（BatchNorm） at first use)"),
    (r"(?<![\w.])norm(?![\w(])", re.I | re.A, "批归一化 (\"norm\" is not a Chinese noun)"),
    (r"(?<![A-Za-z_])notebooks?(?![A-Za-z_])", re.I, "笔记本 (file names and links are fine)"),
    (r"§\s*\d*", 0, "第 N 节"),
    (r"检查你的理解", 0, "检验你的理解"),
    (r"术语对照", 0, "术语表"),
    (r"^#+\s*总结", re.M, "小结"),
    (r"(?<!《)Patches Are All You Need\?(?!》)", re.I, "论文《Patches Are All You Need?》"),
    (r"(图像块|补丁|分块)[^。]{0,4}(所需要?的一切|就是一切|就够了)", 0,
     "论文《Patches Are All You Need?》 (the title stays untranslated)"),
    (r"少\s*[\d.,一二两三四五六七八九十百几]+\s*倍", 0, "只有原来的 1/N, or 原来是现在的 N 倍"),
    (r"次\s*MACs?(?![A-Za-z])", 0, "N 次乘加"),
    (r"第\s*0\s*层", 0, "layers counted from 1: 第 1 层"),
]]
# Half-width punctuation between Chinese characters, outside tuples written in half-width brackets,
# "(通道, 行, 列)" or "[高, 宽, RGB]", which are notation, as in code.
PUNCTUATION = (re.compile(rf"(?<=[{CJK}])\s*[,:;?]\s*(?=[{CJK}])"),
               "full-width ，：；？ between Chinese characters")
# Full-width punctuation inside code: a student who copies `f(a，b)` gets a SyntaxError. Code here is a
# code span, or call-like or bracketed text with no Chinese in it ("ConvMixer(768，32)", "[N, dim，1, 1]");
# text with Chinese in it ("[高，宽，RGB]", a code span holding a Chinese comment) is prose, not code.
_CODE_LIKE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)|[A-Za-z_][\w.]*\([^()\n]*\)|\[[^\[\]\n]*\]",
                        re.DOTALL)
_FULL_WIDTH = re.compile("[，；：。、（）？！]")
CODE_PUNCTUATION = "half-width , ; : ( ) inside code (students copy it)"
# The gloss at first use, "批归一化（BatchNorm）" (also "**批归一化**（BatchNorm，`nn.BatchNorm2d`）"): its
# parenthesis may name BatchNorm.
_GLOSS = re.compile(r"(批归一化(?:\*\*|层)?)（[^（）\n]*）")
_TUPLE = re.compile(r"\([^()（）\n，。]*\)|\[[^\[\]（）\n，。]*\]")

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_QUOTE = re.compile(r"^ {0,3}>.*$", re.MULTILINE)  # a quotation keeps its source's words and punctuation
_LINK_TARGET = re.compile(r"(\]\s*)\((?:<[^<>\n]*>|[^()\s]+)(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"(?:https?|file|mailto):\S+")
_PATH = re.compile(r"[A-Za-z0-9_.~<>\-]*/[A-Za-z0-9_./~<>\-]*"
                   r"|[A-Za-z0-9_\-]+\.(?:ipynb|md|py|toml|txt|json|pt)\b")
_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")
_HAS_CJK = re.compile(f"[{CJK}]")


def prose(text: str) -> str:
    """``text`` without code, formulas, link targets, URLs, file paths and ``{fields}``, each replaced
    by one space (so that nothing joins across them); newlines are kept, so line numbers hold."""
    blank = lambda m: re.sub(r"[^\n]+", " ", m.group(0))  # noqa: E731
    for pattern in (_FENCE, _QUOTE, _CODE_SPAN, _MATH):
        text = pattern.sub(blank, text)
    text = _LINK_TARGET.sub(r"\1 ", text)
    for pattern in (_URL, _PATH, _FIELD):
        text = pattern.sub(" ", text)
    return text


def variants(text: str) -> list[tuple[str, str]]:
    """The rejected variants in the prose of ``text``: (the variant as written, the term to use)."""
    code = [m.group(0) for m in _CODE_LIKE.finditer(_QUOTE.sub(" ", _FENCE.sub(" ", text)))
            if _FULL_WIDTH.search(m.group(0)) and not _HAS_CJK.search(m.group(0))]
    clean = _GLOSS.sub(r"\1（ ）", prose(text))
    found = [(m.group(0).strip(), use) for pattern, use in RULES for m in pattern.finditer(clean)]
    pattern, use = PUNCTUATION
    found += [(m.group(0).strip(), use) for m in pattern.finditer(_TUPLE.sub(" ", clean))]
    return found + [(c, CODE_PUNCTUATION) for c in code]


def comments(source: str) -> str:
    """The comments of a code cell that hold Chinese, one per line (IPython magics and shell lines
    that Python cannot tokenize are read line by line instead)."""
    try:
        found = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                 if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        found = [line[line.index("#"):] for line in source.splitlines() if "#" in line]
    return "\n".join(c for c in found if _HAS_CJK.search(c))


def notebook_texts(path: Path) -> list[tuple[str, str]]:
    """(cell id, Chinese text) for every markdown cell and every code cell's Chinese comments."""
    cells = nbformat.read(path, as_version=4).cells
    return [(f"cell {cell.get('id', number)}", cell.source if cell.cell_type == "markdown"
             else comments(cell.source)) for number, cell in enumerate(cells) if cell.cell_type != "raw"]


def toml_texts(path: Path) -> list[tuple[str, str]]:
    with open(path, "rb") as f:
        return [(f"text {key}", entry.get("zh", "")) for key, entry in tomllib.load(f).items()]


def glossary_texts(path: Path) -> list[tuple[str, str]]:
    """(term, its two Chinese cells) for every row of the glossary table."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    return [(f"row {row[0]!r}", f"{row[1]}\n{row[3]}") for row in rows[2:] if len(row) >= 4]


def document_texts(path: Path) -> list[tuple[str, str]]:
    """(line N, text) for a markdown document: fences are removed first, so they never count."""
    lines = prose(path.read_text(encoding="utf-8")).splitlines()
    return [(f"line {number}", line) for number, line in enumerate(lines, start=1) if line.strip()]


def hits(path: Path) -> list[str]:
    """Every rejected variant in ``path``'s Chinese text, one message each."""
    if path.suffix == ".ipynb":
        texts = notebook_texts(path)
    elif path.suffix == ".toml":
        texts = toml_texts(path)
    elif path.name == "GLOSSARY.md":
        texts = glossary_texts(path)
    else:
        texts = document_texts(path)
    name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    return [f"{name}, {where}: {variant!r} -> write {use}"
            for where, text in texts for variant, use in variants(text)]


SOURCES = [*sorted((REPO_ROOT / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb")),
           *sorted(TEXTS.glob("*.toml")), REPO_ROOT / "notebooks" / "GLOSSARY.md", REPO_ROOT / "README.zh.md"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_the_chinese_text_writes_one_term_per_concept(source: Path):
    found = hits(source)
    assert not found, f"{len(found)} rejected variant(s):\n" + "\n".join(found)


# --- the checker itself ---------------------------------------------------------------------------

def test_the_checker_catches_planted_variants_and_ignores_code_links_and_paths(tmp_path):
    assert variants("每层有一个 mixer 层，见§3") == [("mixer 层", "ConvMixer 层"), ("§3", "第 N 节")]
    assert variants("训练 3 轮次,每轮") == [("轮次", "轮（epoch） at first use, then 轮"),
                                        (",", "full-width ，：；？ between Chinese characters")]
    assert variants("它少 4 倍，共 51.1 G 次 MACs") == [("少 4 倍", "只有原来的 1/N, or 原来是现在的 N 倍"),
                                                    ("次 MACs", "N 次乘加")]
    clean = ("代码里写 `nn.BatchNorm2d(h)`、`norm1` 和 `# 头部`，批归一化（BatchNorm）很常见；"
             "消息里写 nn.BatchNorm2d(dim)、BatchNorm1d 和 self.norm；**批归一化**（BatchNorm，`x`）；"
             "打开 [notebook 01](zh/01_patch_embedding.ipynb) 或 notebooks/zh/03_parameter_count.ipynb。"
             "时间 {seconds:.1f} s, 比例 1:2；$a,b$；第 1 层；ConvMixer 层；MLP-Mixer 层；(通道, 行, 列)。\n"
             "```\n外形 = 头部  # §1\n```\n> 教程原文:先切成小块")
    assert variants(clean) == [("notebook", "笔记本 (file names and links are fine)")]  # the link's text
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 总结\n见论文“Patches Are All You Need?”", id="intro"),
        nbformat.v4.new_code_cell("x = 1  # 这是配方\ny = '头部'  # plain English comment\n%time x",
                                  id="code")])
    (tmp_path / "zh.ipynb").write_text(nbformat.writes(notebook), encoding="utf-8")
    where = tmp_path / "zh.ipynb"
    assert hits(where) == [
        f"{where}, cell intro: '## 总结' -> write 小结",
        f"{where}, cell intro: 'Patches Are All You Need?' -> write 论文《Patches Are All You Need?》",
        f"{where}, cell code: '配方' -> write 训练方案"]


def test_the_checker_catches_full_width_punctuation_in_code_and_leaves_chinese_text_alone():
    use = CODE_PUNCTUATION
    assert variants("写成 `f(a，b)`、ConvMixer(768，32, kernel_size=7) 或 [N, dim，1, 1]。") == [
        ("`f(a，b)`", use), ("ConvMixer(768，32, kernel_size=7)", use), ("[N, dim，1, 1]", use)]
    assert variants("`# 头部，注释`、[高，宽，RGB]、（h=1536，d=20）、f(x)，g(y)、[1, 2]。\n"
                    "```\nx = f(1，2)\n```\n> 引文 g(3，4)") == []
