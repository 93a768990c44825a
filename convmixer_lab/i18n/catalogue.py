"""The Chinese catalogue: every English text the package prints -> its Chinese.

One module per part of the course (``zh_core`` for the machinery shared by all notebooks, ``zh_nb01``
... for each notebook's exercises and explorers); this module joins them into ``ZH`` and refuses an
English text translated twice.
"""

from __future__ import annotations

from convmixer_lab.i18n import (
    zh_core,
    zh_nb01,
    zh_nb02,
    zh_nb03,
    zh_nb04,
    zh_nb06,
    zh_tables,
    zh_widgets,
)

_PARTS = (zh_core, zh_nb01, zh_nb02, zh_nb03, zh_nb04, zh_nb06, zh_tables, zh_widgets)


def _join() -> dict[str, str]:
    joined: dict[str, str] = {}
    for part in _PARTS:
        for english, chinese in part.ZH.items():
            if english in joined:
                raise ValueError(f"{english!r} is translated twice ({part.__name__} and another part)")
            joined[english] = chinese
    return joined


ZH: dict[str, str] = _join()
