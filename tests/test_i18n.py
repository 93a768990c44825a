"""The Chinese edition's texts: one catalogue (convmixer_lab/i18n), nothing missing, nothing stale.

Every text the package prints goes through ``tr``. The checks marked ``i18n_last`` run after all
other tests (tests/conftest.py), when ``SEEN`` holds every English text the tests made the package
print: each must have its Chinese, and (when the whole tests/ folder ran) every Chinese entry must
still be printed by something.
"""

import re

import pytest

from convmixer_lab.exercises import load_all
from convmixer_lab.exercises.core import ChoiceExercise, PredictionExercise
from convmixer_lab.i18n import SEEN, ZH, Translated, get_language, set_language, tr

FIELD = re.compile(r"\{(\w*)[^{}]*\}")
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")  # 1,179,648 is one number; "3, 4" two


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def drive(ex) -> None:
    """Make ``ex`` print every text that needs no wrong answer: question, hint, solution, the
    placeholder verdicts, and for a choice question every option's verdict."""
    ex.question()
    ex.hint()
    ex.solution()
    if isinstance(ex, PredictionExercise):
        ex.predict(...)
        ex.reveal(ex.answer)
        ex.predict(ex.answer)
        ex.reveal(ex.answer)
        ex.prediction = None
    elif isinstance(ex, ChoiceExercise):
        for letter in [*ex.options, "z"]:
            ex.check(letter)
    else:
        ex.check(...)


def missing(texts) -> list[str]:
    return sorted(t for t in texts if t not in ZH)


def test_every_exercise_prints_chinese(chinese, capsys):
    for ex in load_all().values():
        drive(ex)
    out = capsys.readouterr().out
    assert missing(SEEN) == [], "texts without Chinese (add them to convmixer_lab/i18n/zh_*.py)"
    assert "Exercise " not in out and "练习 01.1" in out


def test_the_language_switch(capsys):
    assert get_language() == "en"
    assert tr("Exercise {key}: correct!", key="01.1") == "Exercise 01.1: correct!"
    set_language("zh")
    try:
        assert tr("Exercise {key}: correct!", key="01.1") == "练习 01.1：正确！"
        done = tr("too large")
        assert isinstance(done, Translated) and tr(done) is done  # translated once, never twice
    finally:
        set_language("en")
    with pytest.raises(ValueError, match="language"):
        set_language("fr")
    assert get_language() == "en"


@pytest.mark.parametrize("english", sorted(ZH), ids=lambda t: t[:40])
def test_chinese_keeps_the_fields_and_numbers(english):
    chinese = ZH[english]
    assert sorted(FIELD.findall(chinese)) == sorted(FIELD.findall(english)), "other {fields}"
    assert sorted(NUMBER.findall(chinese)) == sorted(NUMBER.findall(english)), "other numbers"
    assert chinese.strip() and chinese != english


def test_no_text_is_translated_twice():
    from convmixer_lab.i18n import catalogue
    parts = [part.ZH for part in catalogue._PARTS]
    assert sum(len(part) for part in parts) == len(ZH)


@pytest.mark.i18n_last
def test_every_printed_text_has_chinese():
    assert missing(SEEN) == [], "texts the tests made the package print, without Chinese"


@pytest.mark.i18n_last
def test_no_chinese_entry_is_unused(full_run):
    if not full_run:
        pytest.skip("needs the whole tests/ folder: only then has every text been printed")
    assert sorted(set(ZH) - SEEN) == [], "Chinese entries nothing prints any more: remove them"
