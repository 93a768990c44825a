"""The package's tables (convmixer_lab/tables.py, words in texts/tables.toml) and training lines in
Chinese: the words translated, the numbers and code names as in English, and the columns still lined
up when a Chinese character takes two columns of a monospace font (``texts.pad``). The English output
is checked byte for byte against the format the notebooks store. The formula modules know no words."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest
import torch

from convmixer_lab import texts
from convmixer_lab.compare import CONFIGS
from convmixer_lab.counting import stage_table
from convmixer_lab.model import ConvMixer
from convmixer_lab.spread import summarize
from convmixer_lab.tables import config_table, format_differences, format_summary, format_table
from convmixer_lab.texts import pad
from convmixer_lab.train import epoch_line, print_epoch

PACKAGE = Path(__file__).resolve().parents[2] / "convmixer_lab"


@pytest.fixture
def chinese():
    texts.set_language("zh")
    yield
    texts.set_language("en")


@pytest.mark.parametrize("module", ["counting.py", "spread.py", "receptive.py", "model.py", "compare.py"])
def test_the_formula_modules_import_no_language_code(module):
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.split(".")[1:2] in (["texts"], ["i18n"], ["tables"])}


def width(text: str) -> int:
    """Monospace columns of ``text``, counted independently of ``pad``: wide and fullwidth
    characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def token_ends(line: str) -> list[int]:
    """The display column where each whitespace-separated token of ``line`` ends."""
    ends, column, token = [], 0, ""
    for ch in line + " ":
        if ch == " ":
            if token:
                ends.append(column)
            token = ""
        else:
            token += ch
        column += width(ch)
    return ends


def record(name, seed, val, test):
    return dict(name=name, family="convmixer", config={"dim": 1}, params=49_803, macs=10, seed=seed,
                seconds=57.5 + seed, epochs=1.5, val_accuracy=val, test_accuracy=test)


RECORDS = [record("convmixer", 0, 0.90, 0.89), record("convmixer", 1, 0.92, 0.91),
           record("convmixer", 2, 0.94, 0.90), record("vit", 0, 0.80, 0.81), record("vit", 1, 0.82, 0.83)]


# --- the display-width pad ---------------------------------------------------------------------

@pytest.mark.parametrize("align", ["<", ">", "^"])
@pytest.mark.parametrize("text", ["", "abc", "mixer_layers.0-19, each", "± std"])
@pytest.mark.parametrize("columns", [0, 3, 10, 26])
def test_pad_is_format_for_ascii_text(text, columns, align):
    assert pad(text, columns, align) == format(text, f"{align}{columns}")


def test_pad_counts_a_chinese_character_as_two_columns():
    assert pad("参数量", 8) == "参数量  " and pad("参数量", 8, ">") == "  参数量"
    assert pad("阶段", 7, "^") == " 阶段  "  # the odd space goes right, as format does
    assert pad("名称，每层", 12) == "名称，每层  "  # the full-width comma is two columns too
    assert pad("±标准差", 7, ">") == "±标准差"  # ± is one column (East Asian "ambiguous")
    assert pad("e\u0301", 3) == "e\u0301  "  # a combining accent takes no column
    assert pad("测试均值", 5) == "测试均值"  # too wide: returned as it is, never cut
    for columns in range(12):
        assert width(pad("输出形状 x", columns, ">")) == max(columns, 10)


def test_pad_refuses_an_unknown_alignment():
    with pytest.raises(ValueError, match="align must be one of '<', '>', '\\^', got '='"):
        pad("a", 3, "=")


# --- tables.format_table (notebook 04) ------------------------------------------------------------

def stages():
    with torch.device("meta"):
        return stage_table(ConvMixer(1536, 20, 9, 7), 224)


def test_format_table_writes_identical_layers_as_one_row():
    lines = format_table(stages()).splitlines()
    assert len(lines) == 7  # header, input, stem, ONE row for the 20 layers, pool, classifier, total
    layer = next(line for line in lines if line.startswith("mixer_layers"))
    assert layer.split() == ["mixer_layers.0-19,", "each", "1536x32x32", "2,492,928", "2,543,321,088",
                             "x", "20"]
    assert lines[-1].split() == ["total", "51,625,960", "51,099,168,768"]  # every layer still counted
    full = format_table(stages(), group=False).splitlines()
    assert len(full) == 26 and full[-1] == lines[-1] and "mixer_layers.19" in full[22]


def test_format_table_refuses_what_is_not_a_stage_table():
    with pytest.raises(TypeError, match="rows must be a non-empty list of Stage rows"):
        format_table([])


def test_stage_table_in_english_is_unchanged():
    assert format_table(stages()).splitlines() == [
        "stage                         output shape        params            MACs",
        "input                            3x224x224             0               0",
        "patch_embedding                 1536x32x32       230,400     231,211,008",
        "mixer_layers.0-19, each         1536x32x32     2,492,928   2,543,321,088  x 20",
        "global_avg_pool+flatten               1536             0               0",
        "classifier                            1000     1,537,000       1,536,000",
        "total                                         51,625,960  51,099,168,768"]


def test_stage_table_in_chinese_lines_up(chinese):
    lines = format_table(stages()).splitlines()
    assert lines[0] == "阶段" + " " * 30 + "输出形状" + " " * 8 + "参数量" + " " * 12 + "MACs"
    assert lines[1].startswith("输入" + " " * 29 + "3x224x224")
    assert lines[3].startswith("mixer_layers.0-19，每层" + " " * 9 + "1536x32x32")
    assert lines[3].endswith("2,543,321,088  x 20")
    assert lines[6].split() == ["合计", "51,625,960", "51,099,168,768"]
    assert [line.split()[0] for line in lines[2:6]] == ["patch_embedding", "mixer_layers.0-19，每层",
                                                        "global_avg_pool+flatten", "classifier"]
    assert token_ends(lines[0]) == [4, 42, 56, 72]
    for line in lines[1:6]:  # name (26 columns), then shape, params and MACs end where their headings do
        assert token_ends(line)[1:4] == [42, 56, 72], line
        assert width(line[:line.index(line.split()[1])]) >= 26
    assert token_ends(lines[6]) == [4, 56, 72]


def test_stage_table_ungrouped_in_chinese(chinese):
    lines = format_table(stages(), group=False).splitlines()
    assert len(lines) == 26 and "每层" not in "".join(lines)
    assert lines[22].split() == ["mixer_layers.19", "1536x32x32", "2,492,928", "2,543,321,088"]


# --- tables.config_table (notebook 06) -----------------------------------------------------------

def test_config_table_lists_every_configuration():
    table = config_table()
    assert len(table.splitlines()) == len(CONFIGS) + 1
    assert "49,803" in table and "convmixer-nores" in table and "6,187,064" in table
    start = table.splitlines()[0].index("family")  # the longest name still leaves the columns aligned
    families = [line[start:start + 11].strip() for line in table.splitlines()[1:]]
    assert families == [family for family, _ in CONFIGS.values()]


def test_config_table_in_english_is_unchanged():
    lines = config_table(("convmixer", "resnet")).splitlines()
    assert lines == [
        "name                family        params  budget        MACs  config",
        "convmixer           convmixer     49,803   99.6%   2,257,754  "
        "{'dim': 101, 'depth': 4, 'kernel_size': 3, 'patch_size': 4, 'block': 'paper', 'residual': True}",
        "resnet              resnet        51,555  103.1%   6,187,064  "
        "{'width': 13, 'depth': 1, 'stages': 3}"]


def test_config_table_in_chinese_lines_up(chinese):
    lines = config_table(("convmixer", "vit", "resnet")).splitlines()
    assert lines[0] == "名称" + " " * 16 + "模型族" + " " * 5 + "   参数量  占预算        MACs  配置"
    assert lines[3] == ("resnet              resnet        51,555  103.1%   6,187,064  "
                        "{'width': 13, 'depth': 1, 'stages': 3}")
    assert token_ends(lines[0]) == [4, 26, 40, 48, 60, 66]
    for line in lines[1:]:
        assert token_ends(line)[:5] == [len(line.split()[0]), 20 + len(line.split()[1]), 40, 48, 60], line
        assert width(line[:line.index("{")]) == width(lines[0][:lines[0].index("配置")]) == 62


# --- tables.format_summary and format_differences (notebook 06) ---------------------------------------

def test_summary_in_english_is_unchanged():
    lines = format_summary(summarize(RECORDS)).splitlines()
    assert lines == [
        "name                 params  n test mean  ± std         range val mean  ± std epochs seconds",
        "convmixer            49,803  3     90.00   1.00   89.00-91.00    92.00   2.00    1.5    58.5",
        "vit                  49,803  2     82.00   1.41   81.00-83.00    81.00   1.41    1.5    58.0"]


def test_summary_in_chinese_lines_up(chinese):
    lines = format_summary(summarize(RECORDS)).splitlines()
    assert lines[0] == ("名称" + " " * 15 + "  参数量  n  测试均值±标准差" + " " * 10 + "范围 验证均值±标准差"
                        + "   轮数    秒数")
    assert lines[1] == ("convmixer            49,803  3     90.00   1.00   89.00-91.00    92.00   2.00"
                        "    1.5    58.5")
    # "测试均值±标准差" is one token ending where the test std column ends (37 + 7), and so on
    assert token_ends(lines[0]) == [4, 27, 30, 47, 61, 77, 84, 92]
    for line in lines[1:]:
        assert token_ends(line)[1:] == [27, 30, 40, 47, 61, 70, 77, 84, 92], line


def test_differences_in_english_are_unchanged():
    rows = summarize(RECORDS)
    assert format_differences(rows, ["vit"], "convmixer") == (
        "vit                - convmixer:  -8.00 points, standard error 1.15, ratio   -6.9, p 0.0913, "
        "ranges overlap: no")  # 2 seeds against 3 of another spread: 1 degree of freedom, p above 0.05


def test_differences_in_chinese(chinese):
    rows = summarize(RECORDS + [record("wide", 0, 0.91, 0.90), record("wide", 1, 0.93, 0.92)])
    assert format_differences(rows, ["vit", "wide"], "convmixer", holm=[0.18, 0.04]).splitlines() == [
        "vit                - convmixer：相差  -8.00 个百分点，标准误 1.15，比值   -6.9，p 0.0913，"
        "范围重叠：否；Holm 校正后 p 0.1800，明确：否",
        "wide               - convmixer：相差  +1.00 个百分点，标准误 1.15，比值   +0.9，p 0.5456，"
        "范围重叠：是；Holm 校正后 p 0.0400，明确：是"]


# --- train.epoch_line / print_epoch --------------------------------------------------------------------

ROW = dict(epoch=1.0, loss=0.98765, train_accuracy=0.7912, val_accuracy=0.8625, seconds=12.5)


def test_epoch_line_in_english_is_unchanged():
    assert epoch_line(ROW) == "epoch 1.00: loss 0.9877, train accuracy 79.12%, val accuracy 86.25%"


def test_epoch_line_in_chinese(chinese, capsys):
    assert epoch_line(ROW) == "已训练 1.00 轮：损失 0.9877，训练准确率 79.12%，验证准确率 86.25%"
    print_epoch(dict(ROW, epoch=0.34))
    assert capsys.readouterr().out == "已训练 0.34 轮：损失 0.9877，训练准确率 79.12%，验证准确率 86.25%\n"
