"""Every text the package shows, by a stable id, with its English and Chinese side by side: in the TOML
files beside this module, an entry an id with ``en``, ``zh`` and ``zh_of`` (``source_hash(en)``, the English
the Chinese translates). Code calls ``t("core.correct", key="01.1")``, every computed number a field; a
notebook's first cell calls ``set_language("en")`` or ``set_language("zh")``."""

import hashlib
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from convmixer_lab.checks import check_choice

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
    _language = check_choice("language", language, LANGUAGES)


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
    """The text with id ``key`` in the current language (else English), its ``{fields}`` filled in."""
    try:
        entry = entries()[key]
    except KeyError:
        raise KeyError(f"no text with id {key!r} in {FOLDER}") from None
    text = entry.get(_language) or entry["en"]
    return Text(text.format(**fields))


def pad(text: str, width: int, align: str = "<") -> str:
    """``format(text, f"{align}{width}")`` counting monospace columns: a wide character (参, ，) takes two."""
    check_choice("align", align, "<>^")
    shown = sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
                for ch in text)
    spaces = max(0, width - shown)
    left = {"<": 0, ">": spaces, "^": spaces // 2}[align]
    return " " * left + text + " " * (spaces - left)
