"""The Chinese twins stay in step with the English notebooks (convmixer_lab.twins)."""

from __future__ import annotations

import nbformat
import pytest

from convmixer_lab.nbtools import read_notebook
from convmixer_lab.twins import carry, differences, english_notebooks, source_sha256, twin_path


def english() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Patches\nA 224x224 image becomes 32 x 32 patches.", id="intro"),
        nbformat.v4.new_code_cell('from convmixer_lab.i18n import set_language\nset_language("en")',
                                  id="lang"),
        nbformat.v4.new_code_cell("print(224 // 7)", id="grid", execution_count=2,
                                  outputs=[nbformat.v4.new_output("stream", text="grid: 32\n")]),
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint(time())", id="time", execution_count=3,
                                  outputs=[nbformat.v4.new_output("stream", text="0.123 s\n")]),
        nbformat.v4.new_code_cell("plot()", id="fig", execution_count=4, outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 360x360>"})]),
    ]
    return nb


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
     "01.ipynb: cell 2 (id grid): code differs from the English beyond the language line"),
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


@pytest.mark.parametrize("english", english_notebooks(), ids=lambda p: p.name)
def test_every_committed_twin_is_in_step(english):
    """The drift check on the real course: every notebook has its Chinese twin, with the same cells,
    code, figures and printed numbers, and every markdown cell translated from the current English."""
    twin = twin_path(english)
    assert twin.exists(), f"no Chinese twin for {english.name}: run `python -m convmixer_lab.twins sync`"
    assert differences(read_notebook(english), read_notebook(twin), english.name) == []


def test_mark_records_a_retranslation_and_refuses_an_untranslated_cell(tmp_path, capsys):
    from convmixer_lab.nbtools import write_notebook
    from convmixer_lab.twins import main

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
    for cells, says in ((["intro"], "still holds the English text"), (["grid"], "not a markdown cell")):
        with pytest.raises(SystemExit) as stop:
            main(["mark", str(tmp_path / "01.ipynb"), "--cells", *cells])
        assert stop.value.code == 2 and says in capsys.readouterr().err
    assert (tmp_path / "zh" / "01.ipynb").read_bytes() == before


def test_options_may_come_before_the_notebooks(tmp_path, capsys):
    from convmixer_lab.nbtools import write_notebook
    from convmixer_lab.twins import main

    write_notebook(english(), tmp_path / "01.ipynb")
    assert main(["sync", "--no-execute", str(tmp_path / "01.ipynb")]) == 0
    assert (tmp_path / "zh" / "01.ipynb").exists()
    assert main(["check", str(tmp_path / "01.ipynb")]) == 1  # carried, not yet translated
    assert "is not translated yet" in capsys.readouterr().out
