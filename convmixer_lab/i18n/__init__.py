"""The course in two languages: English (the source) and Simplified Chinese.

Every text the package prints (exercise questions, hints, verdicts and solutions, widget labels and
summaries, training lines, table headings) is written in English in the code and passed through
``tr``. The Chinese for each English text lives in ONE place, the catalogue ``ZH`` (assembled from
the modules of this folder), keyed by the English text itself, as gettext does::

    tr("Exercise {key}: correct!", key="01.1")   # "Exercise 01.1: correct!" or "练习 01.1：正确！"

A text with ``{fields}`` is a template: the English key keeps the fields, the Chinese uses the same
ones. A text without fields (an exercise's question, already formatted with its numbers) is looked
up as it is. ``tests/test_i18n.py`` fails when a text the package can print has no Chinese, when the
two languages disagree on fields or numbers, or when an entry is no longer used.

A notebook selects its language once, in its first code cell: ``set_language("zh")`` (the Chinese
twins in notebooks/zh/) or ``set_language("en")`` (the English notebooks). Figures keep English
labels in both editions.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from convmixer_lab import texts
from convmixer_lab.checks import check_choice
from convmixer_lab.i18n.catalogue import ZH

LANGUAGES = ("en", "zh")
_language = "en"

__all__ = ["LANGUAGES", "SEEN", "ZH", "Translated", "get_language", "pad", "set_language", "tr"]

# Every English text ``tr`` has been asked for in this process (tests/test_i18n.py checks that each
# has its Chinese; the package's own tests drive every exercise and widget, so they fill it).
SEEN: set[str] = set()


class Translated(str):
    """A text ``tr`` already put into the current language. ``tr`` passes it through unchanged, so a
    message built from translated parts (a checker's reason inside a verdict) is translated once."""


def set_language(language: str) -> None:
    """Print the package's texts in ``language``: "en" (English) or "zh" (Simplified Chinese)."""
    global _language
    _language = check_choice("language", language, LANGUAGES)
    texts.set_language(_language)  # while notebooks still import set_language from here


def get_language() -> str:
    """The language the package prints in now ("en" or "zh")."""
    return _language


def tr(text: str, /, **fields: Any) -> Translated:
    """``text`` in the current language, with ``fields`` filled in (``str.format``). An English text
    missing from the catalogue is printed in English (the tests make sure none is missing)."""
    if isinstance(text, Translated):
        return text
    SEEN.add(text)
    if _language == "zh":
        text = ZH.get(text, text)
    return Translated(text.format(**fields) if fields else text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns of a monospace font, counting a Chinese
    character (East Asian wide or fullwidth, e.g. 参 or ，) as two columns and a combining mark as
    none, so Chinese table columns line up. ``align``: "<" left, ">" right, "^" centred. For ASCII
    text it is ``format(text, f"{align}{width}")``; a text wider than ``width`` is returned as it is."""
    align = check_choice("align", align, ("<", ">", "^"))
    shown = sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
                for ch in text)
    spaces = max(0, width - shown)
    left = {"<": 0, ">": spaces, "^": spaces // 2}[align]
    return " " * left + text + " " * (spaces - left)
