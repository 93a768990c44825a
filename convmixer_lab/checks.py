"""Argument checks: each raises one error naming the argument, what it must be and what it got
(``TypeError`` or ``ValueError``), and returns a plain value: ``dim = check_positive_int("dim", dim)``."""

import math
import numbers
from collections.abc import Iterable


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value: object, *, minimum: int | None = None,
              maximum: int | None = None, hint: str = "") -> int:
    """``value`` as an ``int`` (not a bool or float) within [minimum, maximum]; ``hint``: how to fix it."""
    what = "a positive int (>= 1)" if minimum == 1 else (
        f"an int >= {minimum}" if minimum is not None else "an int")
    fix = f"; {hint}" if hint else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__} {_shown(value)}{fix}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be {what}, got {_shown(value)}{fix}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {_shown(value)}{fix}")
    return value


def check_positive_int(name: str, value: object, *, maximum: int | None = None, hint: str = "") -> int:
    return check_int(name, value, minimum=1, maximum=maximum, hint=hint)


def check_positive_ints(**values: object) -> dict[str, int]:
    """Each ``name=value`` checked in turn by ``check_positive_int``; the plain ints by name."""
    return {name: check_positive_int(name, value) for name, value in values.items()}


def check_number(name: str, value: object, *, minimum: float | None = None,
                 maximum: float | None = None, strict: bool = False, hint: str = "") -> float:
    """``value`` as a finite ``float`` (not a bool) within [minimum, maximum] (``strict``: > minimum)."""
    fix = f"; {hint}" if hint else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_shown(value)}{fix}")
    try:
        number = float(value)
    except OverflowError:  # an int (or fraction) beyond the largest float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {_shown(value)}{fix}")
    if minimum is not None and (number <= minimum if strict else number < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {number:g}{fix}")
    if maximum is not None and number > maximum:
        raise ValueError(f"{name} must be at most {maximum:g}, got {number:g}{fix}")
    return number


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}, got {_shown(value)}")
    return value
