"""Every text the package shows, by a stable id, with its English and Chinese side by side.

The texts live in TOML files beside this module, one per part of the course: ``core.toml`` (the
exercise machinery every notebook shares), ``nb01.toml`` ... ``nb06.toml`` (one notebook's exercises),
``widgets.toml``, ``tables.toml``, ``train.toml``. One entry::

    ["01.1.hint"]
    en = "Two things change with p: how many numbers each output value multiplies ({c}*p*p), ..."
    zh = "p 一变，有两样东西跟着变：……"
    zh_of = "5c1e0a9b2f3d"   # sha256(en)[:12]: the English text this Chinese translates

A translator edits only these files (TOML: comments, and long lines continued with a backslash);
code never holds a text. Code looks a text up by its id, then fills in its fields (``str.format``)::

    t("core.correct", key="01.1")   # "Exercise 01.1: correct!" or "练习 01.1：正确！"

Every number that code computes is a field, so changing a constant in code changes no text and
no translation. When an English text changes, its ``zh_of`` no longer matches: ``tests/unit/test_texts.py``
names the stale entry (and prints the new hash to record once the Chinese is updated), without
running anything else.

A notebook selects its language once, in its first code cell: ``set_language("en")`` (the English
notebooks) or ``set_language("zh")`` (the Chinese twins in notebooks/zh/).
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LANGUAGES = ("en", "zh")
FOLDER = Path(__file__).resolve().parent
_language = "en"

__all__ = ["LANGUAGES", "Text", "entries", "get_language", "has", "pad", "set_language", "source_hash", "t"]


class Text(str):
    """A text already in the current language (what ``t`` returns)."""


def set_language(language: str) -> None:
    """Show the package's texts in ``language``: "en" (English) or "zh" (Simplified Chinese)."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    _language = language


def get_language() -> str:
    """The language the package shows its texts in now ("en" or "zh")."""
    return _language


def source_hash(english: str) -> str:
    """What an entry's ``zh_of`` records: the first 12 hex digits of sha256 of its English text."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:12]


@cache
def entries() -> dict[str, dict[str, str]]:
    """Every entry of every TOML file here: id -> {"en": ..., "zh": ..., "zh_of": ..., "file": ...}."""
    joined: dict[str, dict[str, str]] = {}
    for path in sorted(FOLDER.glob("*.toml")):
        with open(path, "rb") as f:
            part = tomllib.load(f)
        for key, entry in part.items():
            if key in joined:
                raise ValueError(f"text id {key!r} is defined twice ({joined[key]['file']} and {path.name})")
            if not isinstance(entry, dict) or not isinstance(entry.get("en"), str):
                raise ValueError(f"{path.name}: [{key!r}] must be a table with an en = \"...\" text")
            joined[key] = {**entry, "file": path.name}
    return joined


def has(key: str) -> bool:
    """Whether a text with id ``key`` exists."""
    return key in entries()


def t(key: str, /, **fields: Any) -> Text:
    """The text with id ``key`` in the current language, its ``{fields}`` filled in. A Chinese text
    not written yet falls back to the English (``tests/unit/test_texts.py`` makes sure none is missing)."""
    try:
        entry = entries()[key]
    except KeyError:
        raise KeyError(f"no text with id {key!r} in {FOLDER}") from None
    text = entry.get(_language) or entry["en"]
    return Text(text.format(**fields))


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns of a monospace font, counting a Chinese
    character (East Asian wide or fullwidth, e.g. 参 or ，) as two columns and a combining mark as
    none, so Chinese table columns line up. ``align``: "<" left, ">" right, "^" centred. For ASCII
    text it is ``format(text, f"{align}{width}")``; a text wider than ``width`` is returned as it is."""
    if align not in ("<", ">", "^"):
        raise ValueError(f"align must be one of '<', '>', '^', got {align!r}")
    shown = sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
                for ch in text)
    spaces = max(0, width - shown)
    left = {"<": 0, ">": spaces, "^": spaces // 2}[align]
    return " " * left + text + " " * (spaces - left)
