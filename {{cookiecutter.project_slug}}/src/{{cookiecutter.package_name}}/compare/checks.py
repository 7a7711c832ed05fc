"""How one output of a run is judged against the same output of the reference run.

Verdicts, from best to worst: ``identical`` (the same bytes), ``equivalent`` (every float within
the policy's tolerance and everything else equal), ``different`` and ``missing``. Three checks:

* ``exact``: the hashes DVC recorded in the two manifests (raw data, the split, gate summaries);
* ``table``: a CSV file, column by column: float columns within tolerance, integer, label and text
  columns equal, missing cells in the same places, rows in the same order;
* ``numbers``: a JSON file, leaf by leaf: floats within tolerance, everything else equal.

The detail names where the largest difference is, so a report says what moved and by how much.
NaN never agrees with anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow
import pyarrow.csv

from .policy import Floats

VERDICTS = ("identical", "equivalent", "different", "missing")
Judgement = tuple[str, str]


def worst(verdicts: list[str]) -> str:
    """The most serious of several verdicts (identical when there are none)."""
    return max(verdicts, key=VERDICTS.index, default="identical")


def by_hash(reference: str | None, other: str | None) -> Judgement:
    """Compare the md5 DVC recorded for one output in two manifests."""
    if not reference or not other:
        return "missing", "no hash recorded in the manifest"
    return ("identical", "same hash") if reference == other else ("different", "hash differs")


def _tolerance(floats: Floats) -> str:
    return f"rtol {floats.rtol:g}, atol {floats.atol:g}"


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [x]}`` -> ``{"a.b": 1, "c.0": x}``."""
    items: Iterable[tuple[object, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def by_numbers(reference: Path, other: Path, floats: Floats) -> Judgement:
    """Compare two JSON documents leaf by leaf."""
    left, right = (
        flatten(json.loads(path.read_text(encoding="utf-8"))) for path in (reference, other)
    )
    if left.keys() != right.keys():
        return "different", f"keys differ: {', '.join(sorted(left.keys() ^ right.keys())[:5])}"
    largest, where = 0.0, ""
    for key, a in left.items():
        b = right[key]
        if not (isinstance(a, float) and isinstance(b, float)):
            if a != b or type(a) is not type(b):
                return "different", f"{key}: {a!r} vs {b!r}"
        elif math.isnan(a) or math.isnan(b):
            return "different", f"{key}: NaN never agrees ({a!r} vs {b!r})"
        elif not math.isclose(a, b, rel_tol=floats.rtol, abs_tol=floats.atol):
            return "different", f"{key}: {a!r} vs {b!r} (beyond {_tolerance(floats)})"
        elif abs(a - b) > largest:
            largest, where = abs(a - b), key
    if not where:
        return "equivalent", "same values, written differently"
    return (
        "equivalent",
        f"largest difference {largest:.3g} at {where} (within {_tolerance(floats)})",
    )


def _unequal(
    name: str, left: pyarrow.ChunkedArray[Any], right: pyarrow.ChunkedArray[Any]
) -> str | None:
    """Why two columns that must be equal (integers, labels, text, missing cells) are not."""
    if left.type != right.type:
        return f"column {name!r}: type {left.type} vs {right.type}"
    missing = [column.is_null().to_numpy(zero_copy_only=False) for column in (left, right)]
    if not np.array_equal(missing[0], missing[1]):
        row = int(np.flatnonzero(missing[0] != missing[1])[0])
        return f"column {name!r} row {row}: missing in one run only"
    if pyarrow.types.is_floating(left.type):
        return None
    a, b = left.to_numpy(zero_copy_only=False), right.to_numpy(zero_copy_only=False)
    unequal = np.flatnonzero((a != b) & ~missing[0])
    return (
        f"column {name!r} row {unequal[0]}: {a[unequal[0]]!r} vs {b[unequal[0]]!r}"
        if unequal.size
        else None
    )


def _float_gap(
    left: pyarrow.ChunkedArray[Any], right: pyarrow.ChunkedArray[Any], floats: Floats
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the absolute difference and the most the tolerance allows (NaN where either is)."""
    a = left.to_numpy(zero_copy_only=False).astype("float64")
    b = right.to_numpy(zero_copy_only=False).astype("float64")
    present = ~left.is_null().to_numpy(zero_copy_only=False)
    gap = np.where(present, np.abs(a - b), 0.0)
    allowed = np.where(
        present, np.maximum(floats.rtol * np.maximum(abs(a), abs(b)), floats.atol), 0.0
    )
    return a, b, gap, allowed


def by_table(reference: Path, other: Path, floats: Floats) -> Judgement:
    """Compare two CSV tables column by column, rows in order."""
    left, right = pyarrow.csv.read_csv(reference), pyarrow.csv.read_csv(other)
    if left.column_names != right.column_names:
        return "different", f"columns differ: {left.column_names} vs {right.column_names}"
    if left.num_rows != right.num_rows:
        return "different", f"{left.num_rows} vs {right.num_rows} rows"
    largest, where = 0.0, ""
    for name in left.column_names:
        problem = _unequal(name, left[name], right[name])
        if problem:
            return "different", problem
        if not pyarrow.types.is_floating(left[name].type):
            continue
        a, b, gap, allowed = _float_gap(left[name], right[name], floats)
        beyond = np.flatnonzero(~(gap <= allowed))  # NaN compares false: never within
        if beyond.size:
            row = int(beyond[0])
            return "different", (
                f"column {name!r} row {row}: {a[row]!r} vs {b[row]!r} (beyond {_tolerance(floats)})"
            )
        if np.max(gap, initial=0.0) > largest:
            largest, row = float(gap.max()), int(np.argmax(gap))
            where = f"column {name!r} row {row}"
    if not where:
        return "equivalent", "same values, written differently"
    return (
        "equivalent",
        f"largest difference {largest:.3g} in {where} (within {_tolerance(floats)})",
    )
