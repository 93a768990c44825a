"""Every text the package shows: both languages present, each Chinese text translating the current
English (its recorded hash), the same fields and numbers in both, and every id used by code defined
and every defined id used. All of it read statically: no other test needs to run first."""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from convmixer_lab.exercises.core import load_all
from convmixer_lab.texts import entries, get_language, set_language, source_hash, t

PACKAGE = Path(__file__).resolve().parents[1] / "convmixer_lab"
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _fields(text: str) -> list[str]:
    """The names of a text's fields, each once, in the order they first appear."""
    names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    return list(dict.fromkeys(names))


def _numbers(text: str) -> Counter[str]:
    literal = "".join(part for part, *_ in string.Formatter().parse(text))
    return Counter(n.replace(",", "") for n in NUMBER.findall(literal))


def _literals() -> tuple[set[str], list[tuple[str, str]]]:
    """Every string constant in the package, and every ``t("id", ...)`` call with a constant id."""
    constants: set[str] = set()
    calls: list[tuple[str, str]] = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            func = getattr(node, "func", None)
            name = getattr(func, "id", getattr(func, "attr", None))
            first = node.args[0] if isinstance(node, ast.Call) and node.args else None
            if name == "t" and isinstance(first, ast.Constant):
                calls.append((str(path.relative_to(PACKAGE)), node.args[0].value))
    return constants, calls


def _exercise_roles() -> set[str]:
    """The text ids each registered exercise looks up."""
    ids: set[str] = set()
    for key, ex in load_all().items():
        ids |= {f"{key}.question", f"{key}.solution"}
        ids |= {f"{key}.hint.{n}" for n in range(1, ex.hints + 1)} if ex.hints else {f"{key}.hint"}
        ids |= {f"{key}.option.{letter}" for letter in ex.options}
        ids |= {f"{key}.wrong.{letter}" for letter in ex.options if letter != ex.answer}
    return ids


def test_every_chinese_text_translates_the_current_english():
    stale = [f"{key} ({e['file']}): zh_of = \"{source_hash(e['en'])}\" once zh says what en now says"
             for key, e in entries().items() if e.get("zh") and e.get("zh_of") != source_hash(e["en"])]
    missing = [f"{key} ({e['file']})" for key, e in entries().items() if not e.get("zh")]
    assert not stale, "stale translations:\n" + "\n".join(stale)
    assert not missing, "no Chinese yet:\n" + "\n".join(missing)


def test_both_languages_have_the_same_fields_in_the_same_order_and_the_same_numbers():
    wrong = []
    for key, e in entries().items():
        en, zh = e["en"], e.get("zh", "")
        order_free = e.get("fields_reordered", False)
        if (sorted(_fields(en)) != sorted(_fields(zh))) or (not order_free and _fields(en) != _fields(zh)):
            wrong.append(f"{key}: fields {_fields(en)} vs {_fields(zh)}")
        if _numbers(en) != _numbers(zh):
            wrong.append(f"{key}: numbers {sorted(_numbers(en).elements())} "
                         f"vs {sorted(_numbers(zh).elements())}")
    assert not wrong, "\n".join(wrong)


def test_every_id_the_code_asks_for_exists():
    _, calls = _literals()
    missing = sorted(f"{path}: t({key!r})" for path, key in calls if key not in entries())
    missing += sorted(f"exercise text {key}" for key in _exercise_roles() if key not in entries()
                      and not key.endswith(".hint"))
    assert not missing, "\n".join(missing)


def test_every_text_is_used():
    constants, _ = _literals()
    used = constants | _exercise_roles()
    unused = sorted(f"{key} ({e['file']})" for key, e in entries().items() if key not in used)
    assert not unused, "texts no code uses:\n" + "\n".join(unused)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_text_formats(language):
    for e in entries().values():
        fields = {name: 1 for name in _fields(e["en"])}
        e.get(language, e["en"]).format(**fields)


def test_every_exercise_prints_chinese(capsys):
    set_language("zh")
    try:
        for ex in load_all().values():
            ex.question()
            ex.hint()
            ex.solution()
            ex.check(...)
            for letter in [*ex.options, "z"]:
                ex.check(letter)
    finally:
        set_language("en")
    out = capsys.readouterr().out
    assert "Exercise " not in out and "Hint " not in out and "练习 01.1" in out and "练习 06.5" in out


def test_the_language_switch():
    assert get_language() == "en"
    assert t("core.correct", key="01.1") == "Exercise 01.1: correct!"
    set_language("zh")
    try:
        assert t("core.correct", key="01.1") == "练习 01.1：正确！"
    finally:
        set_language("en")
    with pytest.raises(ValueError, match="language must be one of"):
        set_language("fr")
    assert get_language() == "en"
    with pytest.raises(KeyError, match="no text with id 'core.nothing'"):
        t("core.nothing")


def test_a_translation_that_swaps_two_fields_is_caught(monkeypatch):
    """A Chinese template that puts two fields in each other's place reads fine but says the wrong
    thing: the order check names it, unless the entry says the order changed on purpose."""
    swapped = {"en": "you predicted {prediction}, the cell measured {measured}",
               "zh": "你预测的是 {measured}，单元格测得 {prediction}", "file": "test"}
    assert _fields(swapped["en"]) != _fields(swapped["zh"])
    monkeypatch.setitem(entries(), "99.swapped", {**swapped, "zh_of": source_hash(swapped["en"])})
    with pytest.raises(AssertionError, match="99.swapped: fields"):
        test_both_languages_have_the_same_fields_in_the_same_order_and_the_same_numbers()
