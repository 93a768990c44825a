"""The Chinese twins stay in step with the English notebooks (convmixer_lab.tools.twins)."""

from __future__ import annotations

import nbformat
import pytest

from convmixer_lab.tools.nbtools import NotebookError, read_notebook, write_notebook
from convmixer_lab.tools.twins import (
    carry,
    code_without_comments,
    differences,
    english_notebooks,
    main,
    source_sha256,
    sync,
    twin_path,
)


def english() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Patches\nA 224x224 image becomes 32 x 32 patches.", id="intro"),
        nbformat.v4.new_code_cell('from convmixer_lab.texts import set_language\nset_language("en")',
                                  id="lang"),
        nbformat.v4.new_code_cell("print(224 // 7)", id="grid", execution_count=2,
                                  outputs=[nbformat.v4.new_output("stream", text="grid: 32\n")]),
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint(time())", id="time", execution_count=3,
                                  outputs=[nbformat.v4.new_output("stream", text="0.123 s\n")]),
        nbformat.v4.new_code_cell("plot()", id="fig", execution_count=4, outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 360x360>"})]),
    ]
    return nb


def result(data: dict) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("execute_result", data)


def translated(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    twin = carry(nb, None)
    twin.cells[0].source = "# 分块\n一张 224x224 的图像变成 32 x 32 个分块。"
    twin.cells[0].metadata["translation"] = {"source_sha256": source_sha256(nb.cells[0].source)}
    twin.cells[2].outputs[0].text = "网格：32\n"  # package text in Chinese, same numbers
    twin.cells[3].outputs[0].text = "0.456 s\n"  # a timing: ignored
    return twin


def test_a_translated_twin_is_in_step():
    nb = english()
    twin = translated(nb)
    assert twin.cells[1].source.endswith('set_language("zh")')
    assert differences(nb, twin, "01.ipynb") == []


def test_carry_keeps_translations_by_cell_id_and_marks_new_cells_untranslated():
    nb = english()
    twin = translated(nb)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new English paragraph.", id="new"))
    again = carry(nb, twin)
    assert again.cells[0].source.startswith("# 分块") and again.cells[1].source == "A new English paragraph."
    assert differences(nb, again) == [
        "cell 1 (id new): markdown is not translated yet (no translation.source_sha256 in its metadata)"]


@pytest.mark.parametrize("change, message", [
    (lambda nb, tw: setattr(nb.cells[0], "source", nb.cells[0].source + " Changed."),
     "01.ipynb: cell 0 (id intro): markdown translates an older English text"),
    (lambda nb, tw: setattr(tw.cells[2], "source", "print(224 // 14)"),
     "01.ipynb: cell 2 (id grid): code differs from the English beyond comments and the language line"),
    (lambda nb, tw: setattr(tw.cells[2].outputs[0], "text", "网格：16\n"),
     "01.ipynb: cell 2 (id grid): prints other numbers than the English"),
    (lambda nb, tw: tw.cells[4].outputs[0].data.update({"image/png": "AAAA"}),
     "01.ipynb: cell 4 (id fig): its figures differ from the English ones"),
    (lambda nb, tw: tw.cells.pop(),
     "01.ipynb: 5 cells in English, 4 in the twin"),
    (lambda nb, tw: tw.cells.insert(2, tw.cells.pop(3)),
     "01.ipynb: cell 2 (id grid): English is a code cell with id grid, the twin a code cell with id time"),
    (lambda nb, tw: setattr(nb.cells[1], "source", "pass"),
     '01.ipynb: the first code cell must hold set_language("en")'),
    # rich outputs: a number in a result, a figure's kind, the code of a machine-dependent cell
    (lambda nb, tw: (nb.cells[2].outputs.append(result({"text/plain": "3"})),
                     tw.cells[2].outputs.append(result({"text/plain": "4"}))),
     "01.ipynb: cell 2 (id grid): prints other numbers than the English (['32', '3'] vs ['32', '4'])"),
    (lambda nb, tw: tw.cells[4].outputs[0].data.pop("image/png"),
     "01.ipynb: cell 4 (id fig): its figures differ"),
    (lambda nb, tw: tw.cells[4].outputs.__setitem__(0, result(
        {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 360x360>"})),
     "01.ipynb: cell 4 (id fig): its rich outputs differ from the English ones ([('display_data', "),
    (lambda nb, tw: setattr(tw.cells[3], "source", "# NBVAL_IGNORE_OUTPUT\nprint(time() * 2)"),
     "01.ipynb: cell 3 (id time): code differs from the English beyond comments and the language line"),
    # a twin that still prints the exercise's English (not run in Chinese)
    (lambda nb, tw: [setattr(c, "source", "ex = exercise('1')\nex.question()")
                     for c in (nb.cells[2], tw.cells[2])]
     + [setattr(c.outputs[0], "text", "Exercise 01.1: how many patches does the grid hold? 32\n")
        for c in (nb.cells[2], tw.cells[2])],
     "01.ipynb: cell 2 (id grid): prints the same English text as the English notebook ('how many"),
    # ids: cells paired by id must have one each
    (lambda nb, tw: setattr(tw.cells[3], "id", "grid"),
     "01.ipynb: twin: cells 2 and 3 have the same id 'grid'"),
    # a twin cell sync would drop: a translator's note, a translation whose id changed
    (lambda nb, tw: tw.cells.insert(1, nbformat.v4.new_markdown_cell("译者注：……", id="note")),
     "01.ipynb: twin cell 1 (id note) has no English markdown cell with that id, so sync would drop it"),
    (lambda nb, tw: setattr(tw.cells[0], "id", "pasted"),
     "01.ipynb: twin cell 0 (id pasted) has no English markdown cell with that id, so sync would drop it"),
])
def test_every_kind_of_drift_is_named(change, message):
    nb = english()
    twin = translated(nb)
    change(nb, twin)
    assert any(line.startswith(message) for line in differences(nb, twin, "01.ipynb")), \
        differences(nb, twin, "01.ipynb")


def test_twin_paths():
    first = english_notebooks()[0]
    assert twin_path(first) == first.parent / "zh" / first.name


def test_mark_records_a_retranslation_and_refuses_an_untranslated_cell(tmp_path, capsys):
    nb = english()
    nb.cells[0].source += " Changed."  # the English moved on: the old translation is stale
    (tmp_path / "zh").mkdir()
    write_notebook(nb, tmp_path / "01.ipynb")
    write_notebook(translated(english()), tmp_path / "zh" / "01.ipynb")
    assert any("re-translate" in p for p in differences(nb, read_notebook(tmp_path / "zh" / "01.ipynb")))
    assert main(["mark", str(tmp_path / "01.ipynb"), "--cells", "intro"]) == 0
    assert differences(nb, read_notebook(tmp_path / "zh" / "01.ipynb")) == []

    twin = read_notebook(tmp_path / "zh" / "01.ipynb")
    twin.cells[0].source = nb.cells[0].source  # English text left in the twin
    write_notebook(twin, tmp_path / "zh" / "01.ipynb")
    before = (tmp_path / "zh" / "01.ipynb").read_bytes()
    for cells, says in ((["intro"], "still holds the English text"), (["no"], "'no' is not a cell of both")):
        with pytest.raises(SystemExit) as stop:
            main(["mark", str(tmp_path / "01.ipynb"), "--cells", *cells])
        assert stop.value.code == 2 and says in capsys.readouterr().err
    assert (tmp_path / "zh" / "01.ipynb").read_bytes() == before


def test_options_may_come_before_the_notebooks(tmp_path, capsys):
    write_notebook(english(), tmp_path / "01.ipynb")
    assert main(["sync", "--no-execute", str(tmp_path / "01.ipynb")]) == 0
    assert (tmp_path / "zh" / "01.ipynb").exists()
    assert main(["check", str(tmp_path / "01.ipynb")]) == 1  # carried, not yet translated
    assert "is not translated yet" in capsys.readouterr().out


def test_the_language_check_needs_an_exercise_cell_and_the_same_english():
    nb, twin = english(), translated(english())
    for cell in (nb.cells[2], twin.cells[2]):  # the notebook's own print: the same in both editions
        cell.outputs[0].text = "the grid of patches is 32 wide\n"
    assert differences(nb, twin) == []
    nb.cells[2].source = twin.cells[2].source = "ex = exercise('01.1')\nex.question()"
    twin.cells[2].outputs[0].text = "练习：网格宽 32\n"
    assert differences(nb, twin) == []


@pytest.mark.parametrize("twin_code, same", [
    ("x = 1  # 一个数\n# 整行注释\ny = x", True),
    ("x = 1\ny = x", True),
    ("x = 2  # one\ny = x", False),
    ('print("# a string, not a comment")', False),  # vs 'print("# ...")' below: a regex would miss it
    ("%matplotlib inline\nx = 1  # 一", True),
])
def test_code_is_compared_without_comments_by_pythons_tokenizer(twin_code, same):
    english_code = "x = 1  # one\n# a whole-line comment\ny = x"
    if twin_code.startswith("print"):
        english_code = 'print("# a string, not a comment, in English")'
    if twin_code.startswith("%"):
        english_code = "%matplotlib inline\nx = 1  # one"
    assert (code_without_comments(twin_code) == code_without_comments(english_code)) is same


def test_code_the_tokenizer_cannot_read_is_compared_line_by_line():
    assert code_without_comments("!ls  # 列表\nx = (1,") == ("!ls  # 列表", "x = (1,")
    assert code_without_comments("x = (1,  # one") != code_without_comments("x = (1,  # 一")


def test_translated_code_comments_record_their_english_cell():
    nb = english()
    nb.cells[2].source = "print(224 // 7)  # the grid"
    twin = translated(nb)
    twin.cells[2].source = "print(224 // 7)  # 网格"
    assert differences(nb, twin) == ["cell 2 (id grid): code comments: is not translated yet (no "
                                     "translation.source_sha256 in its metadata)"]
    twin.cells[2].metadata["translation"] = {"source_sha256": source_sha256(nb.cells[2].source)}
    assert differences(nb, twin) == []
    nb.cells[2].source = "print(224 // 7)  # the grid of patches"  # the English comment changed
    assert differences(nb, twin) == ["cell 2 (id grid): code comments: translates an older English text "
                                     "(the English cell changed): re-translate it, then mark it"]


def test_sync_keeps_translated_comments_while_the_english_code_is_the_same():
    nb = english()
    nb.cells[2].source = "print(224 // 7)  # the grid"
    twin = translated(nb)
    twin.cells[2].source = "print(224 // 7)  # 网格"
    twin.cells[2].metadata["translation"] = {"source_sha256": source_sha256(nb.cells[2].source)}
    again = carry(nb, twin)
    assert again.cells[2].source == "print(224 // 7)  # 网格" and differences(nb, again) == []
    nb.cells[2].source = "print(224 // 14)  # the grid"  # the code changed: the old translation is kept aside
    again = carry(nb, twin)
    assert again.cells[2].source == "print(224 // 14)  # the grid"
    assert again.cells[2].metadata["translation"]["previous"] == "print(224 // 7)  # 网格"
    assert "cell 2 (id grid): code comments: translates an older English text" in differences(nb, again)[0]
    unmarked = translated(nb)  # Chinese comments never marked: kept aside as well, not lost
    unmarked.cells[2].source = "print(224 // 7)  # 网格"
    assert carry(nb, unmarked).cells[2].metadata["translation"]["previous"] == "print(224 // 7)  # 网格"


def run(*argv: str) -> int:
    """The exit code of ``python -m convmixer_lab.tools.twins ARGV``."""
    try:
        return main(list(argv))
    except SystemExit as stop:
        return stop.code


def _pair(tmp_path, nb=None, twin=None):
    nb = nb or english()
    (tmp_path / "zh").mkdir(exist_ok=True)
    write_notebook(nb, tmp_path / "01.ipynb")
    write_notebook(twin or translated(nb), tmp_path / "zh" / "01.ipynb")
    return tmp_path / "01.ipynb", tmp_path / "zh" / "01.ipynb"


def _state(folder):
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sync_never_drops_a_translated_cell(tmp_path, capsys):
    twin = translated(english())
    twin.cells.insert(1, nbformat.v4.new_markdown_cell("译者注：分块即 patch。", id="note"))
    path, _ = _pair(tmp_path, twin=twin)
    before = _state(tmp_path)
    with pytest.raises(NotebookError, match=r"twin cell 1 \(id note\) has no English markdown cell"):
        sync(path, execute=False)
    for command in ("sync", "check"):
        code = run(command, "--no-execute", str(path)) if command == "sync" else run(command, str(path))
        out, err = capsys.readouterr()
        assert code == (2 if command == "sync" else 1), (out, err)
        assert "twin cell 1 (id note) has no English markdown cell with that id" in out + err
    assert _state(tmp_path) == before


def test_a_language_neutral_cell_can_be_marked(tmp_path, capsys):
    nb = english()
    nb.cells.append(nbformat.v4.new_markdown_cell("$$\\text{params} = k^2 \\cdot d + d^2$$", id="formula"))
    twin = translated(nb)
    path, target = _pair(tmp_path, nb, twin)
    assert differences(nb, read_notebook(target)) == [
        "cell 5 (id formula): markdown is not translated yet (no translation.source_sha256 in its metadata)"]
    assert run("mark", str(path), "--cells", "formula") == 0
    assert differences(nb, read_notebook(target)) == []


def test_ids_missing_or_repeated_and_twin_paths_are_refused_in_one_line(tmp_path, capsys):
    path, target = _pair(tmp_path)
    before = _state(tmp_path)
    assert run("check", str(target)) == 2  # a twin given for its English notebook: no zh/zh/
    err = capsys.readouterr().err
    assert err == f"twins: error: {target} is a Chinese twin (inside zh/); pass its English notebook {path}\n"
    assert run("sync", "--no-execute", str(target)) == 2 and "is a Chinese twin" in capsys.readouterr().err
    text = path.read_text(encoding="utf-8")
    for broken, says in ((text.replace('"id": "grid"', '"id": "intro"'), "cells 0 and 2 have the same id"),
                         (text.replace('"id": "grid",', ""), "cell 2 has no id (saved as nbformat 4.4")):
        path.write_text(broken, encoding="utf-8")
        before = _state(tmp_path)
        for command in ("check", "sync"):
            assert run(command, str(path), "--no-execute") == 2
            err = capsys.readouterr().err
            assert err.startswith(f"twins: error: {path}: {says}") and err.count("\n") == 1, err
        assert _state(tmp_path) == before
    assert not (tmp_path / "zh" / "zh").exists()


def test_sync_keeps_a_translated_raw_cell_and_flags_it_stale_when_the_english_changed(tmp_path, capsys):
    nb = english()
    nb.cells.append(nbformat.v4.new_raw_cell("Plain text: the grid is 32 by 32.", id="r1"))
    twin = translated(nb)
    assert differences(nb, twin) == [  # a raw cell still in English is named, as a markdown one is
        "cell 5 (id r1): raw is not translated yet (no translation.source_sha256 in its metadata)"]
    twin.cells[5].source = "纯文本：网格是 32 乘 32。"
    path, target = _pair(tmp_path, nb, twin)
    assert run("mark", str(path), "--cells", "r1") == 0
    assert run("check", str(path)) == 0
    assert run("sync", "--no-execute", str(path)) == 0
    synced = read_notebook(target).cells[5]
    assert synced.source == "纯文本：网格是 32 乘 32。"
    assert synced.metadata["translation"] == {"source_sha256": source_sha256(nb.cells[5].source)}
    assert run("check", str(path)) == 0
    nb.cells[5].source = "Plain text: the grid is 16 by 16."  # the English changed: the translation is stale
    write_notebook(nb, path)
    assert run("sync", "--no-execute", str(path)) == 0
    assert read_notebook(target).cells[5].source == "纯文本：网格是 32 乘 32。"
    capsys.readouterr()
    assert run("check", str(path)) == 1
    assert capsys.readouterr().out.splitlines() == [
        "01.ipynb: cell 5 (id r1): raw translates an older English text (the English cell changed): "
        "re-translate it, then mark it"]
    english_again = read_notebook(target)
    english_again.cells[5].source = nb.cells[5].source
    write_notebook(english_again, target)  # marking a raw cell still in English is refused
    assert run("mark", str(path), "--cells", "r1") == 2
    assert "the twin's cell 'r1' still holds the English text" in capsys.readouterr().err


def test_a_twin_may_print_the_same_numbers_in_another_order():
    """Printed numbers are compared as a multiset: Chinese may put them in its natural order."""
    nb = english()
    nb.cells[2].outputs[0].text = "grid: 32 of 224 pixels at p = 7\n"
    twin = translated(nb)
    twin.cells[2].outputs[0].text = "224 像素、p = 7 时，网格为 32\n"
    assert differences(nb, twin) == []
    twin.cells[2].outputs[0].text = "224 像素、p = 7 时，网格为 33\n"
    assert any("prints other numbers" in d for d in differences(nb, twin))
