"""Numbers, lists and expectations said in words, for the gate reports.

Every number is rounded to a few significant digits, every long list is cut off with a count of
the rest, and an expectation's arguments read as a sentence fragment (``between 0 and 43``), so a
report never shows raw JSON. Pure functions of their arguments: the same value gives the same text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

DIGITS = 4  # significant digits of every number shown
LISTED = 12  # items of a list shown before "and N more"
GROUP = "\u202f"  # narrow no-break space between groups of three digits


def scalar(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    return value.item() if hasattr(value, "item") else value


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number (a bool is not)."""
    return isinstance(value, Real) and not isinstance(value, bool)


def number(value: Any) -> str:
    """``value`` rounded to :data:`DIGITS` significant digits (integers in full), digits grouped,
    no exponent between 1e-4 and 1e9."""
    value = scalar(value)
    if not is_number(value):
        return str(value)
    if isinstance(value, int):
        return _grouped(f"{value:,}", value)
    if not math.isfinite(value) or value == 0:
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if not -4 <= magnitude < 9:
        return f"{value:.{DIGITS - 1}e}"
    decimals = max(0, DIGITS - 1 - magnitude)
    text = f"{round(value, decimals):,.{decimals}f}"
    return _grouped(text.rstrip("0").rstrip(".") if "." in text else text, value)


def _grouped(text: str, value: float) -> str:
    """Digits grouped by a narrow space from 10 000 up (a comma would read as a list separator)."""
    return text.replace(",", GROUP if abs(value) >= 10_000 else "")


def percent(share: float) -> str:
    """A share between 0 and 1 as a rounded percentage."""
    return f"{number(100 * share)}%"


def listing(values: Sequence[Any], show: Callable[[Any], str] | None = None) -> str:
    """Values as a comma-separated list, cut after :data:`LISTED` with a count of the rest;
    ``show`` says each value (default :func:`readable`)."""
    shown = ", ".join((show or readable)(value) for value in values[:LISTED])
    rest = len(values) - LISTED
    return f"{shown} and {rest} more" if rest > 0 else shown or "none"


def readable(value: Any) -> str:
    """Any JSON-like value as text: numbers rounded, lists cut, mappings as ``key: value``."""
    if value is None:
        return "nothing reported"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return listing(value)
    return number(value)


def bounds(arguments: dict[str, Any]) -> str:
    """``min_value``/``max_value`` as ``between a and b``, ``at least a`` or ``at most b``."""
    low, high = arguments.get("min_value"), arguments.get("max_value")
    if low is not None and high is not None:
        return f"between {number(low)} and {number(high)}"
    if low is not None or high is not None:
        return f"at least {number(low)}" if low is not None else f"at most {number(high)}"
    return "any value"


def _quantile_ranges(arguments: dict[str, Any]) -> str:
    ranges = arguments.get("quantile_ranges") or {}
    pairs = zip(ranges.get("quantiles", []), ranges.get("value_ranges", []))
    return "; ".join(
        f"{percent(q)}: {bounds({'min_value': low, 'max_value': high})}" for q, (low, high) in pairs
    )


def _column_set(arguments: dict[str, Any]) -> str:
    names = arguments.get("column_set") or []
    exact = "exactly" if arguments.get("exact_match", True) else "at least"
    return f"{exact} these {len(names)} columns: {listing(names)}"


def expected(kind: str, arguments: dict[str, Any]) -> str:
    """What an expectation of type ``kind`` asks for, from its arguments."""
    mostly = arguments.get("mostly")
    if kind == "expect_column_values_to_not_be_null":
        return f"at most {percent(1 - mostly)} missing" if mostly else "none missing"
    if "type_" in arguments:
        text = f"type {arguments['type_']}"
    elif "type_list" in arguments:
        text = f"one of the types {listing(arguments['type_list'])}"
    elif "value_set" in arguments:
        text = f"only {listing(arguments['value_set'], str)}"
    elif "column_set" in arguments:
        text = _column_set(arguments)
    elif "quantile_ranges" in arguments:
        text = _quantile_ranges(arguments)
    elif "min_value" in arguments or "max_value" in arguments:
        text = bounds(arguments)
    elif kind == "expect_column_values_to_be_unique":
        text = "every value unique"
    else:
        text = readable(arguments)
    return f"{text}, for at least {percent(mostly)} of rows" if mostly else text
