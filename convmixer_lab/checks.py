"""Argument checks shared by every module of the package.

Each check raises one clear error that names the argument, says what it must be and shows what it
got, before any tensor work starts. A type that is wrong raises ``TypeError``; a value out of range
raises ``ValueError``. Each returns the value (converted to a plain ``int`` or ``float``), so a caller
can write ``dim = check_positive_int("dim", dim)``.

    check_int("depth", depth, minimum=0)           # an int >= 0 (bools are refused)
    check_positive_int("dim", dim)                  # an int >= 1
    check_number("lr", lr, minimum=0, strict=True)  # a finite number > 0
    check_choice("block", block, BLOCKS)            # one of a few names
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

__all__ = ["check_choice", "check_int", "check_number", "check_positive_int"]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value: object, *, minimum: int | None = None,
              maximum: int | None = None, hint: str = "") -> int:
    """``value`` as an ``int`` when it is a whole number type (not a bool, not a float) within
    [minimum, maximum]; otherwise a ``TypeError``/``ValueError`` naming ``name``.
    ``hint`` is added to the message (how to fix it)."""
    what = "a positive int (>= 1)" if minimum == 1 else (
        f"an int >= {minimum}" if minimum is not None else "an int")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {_shown(value)}"
                        + (f"; {hint}" if hint else ""))
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {what}, got {value}" + (f"; {hint}" if hint else ""))
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}" + (f"; {hint}" if hint else ""))
    return value


def check_positive_int(name: str, value: object, *, maximum: int | None = None, hint: str = "") -> int:
    """``check_int`` with ``minimum=1``: sizes, counts, channels."""
    return check_int(name, value, minimum=1, maximum=maximum, hint=hint)


def check_number(name: str, value: object, *, minimum: float | None = None,
                 maximum: float | None = None, strict: bool = False, hint: str = "") -> float:
    """``value`` as a finite ``float`` within [minimum, maximum] (``strict``: > minimum).
    Bools, NaN and infinities are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_shown(value)}"
                        + (f"; {hint}" if hint else ""))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}" + (f"; {hint}" if hint else ""))
    if minimum is not None and (value <= minimum if strict else value < minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {minimum:g}, got {value:g}"
                         + (f"; {hint}" if hint else ""))
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:g}, got {value:g}" + (f"; {hint}" if hint else ""))
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """``value`` when it is one of ``choices``; otherwise a ``ValueError`` listing them."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}, got {_shown(value)}")
    return value
