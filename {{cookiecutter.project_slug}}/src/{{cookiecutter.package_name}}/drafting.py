"""Draft an expectation suite from a table, so a new dataset starts with a gate to review, not a
blank JSON file to write.

The draft states today's data as rules, each widened by a stated margin and carrying a note that
says it was drafted and what to check: the exact column set, types, an allowed share of missing
values, value ranges, the label's classes, row-count bounds, and drift warnings (means and
category sets) that report without stopping the run. The same table always gives the same text.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from .config import DataParams

RANGE_MARGIN = 0.1  # value ranges widen by 10% of the observed span on each side
MISSING_MARGIN = 0.01  # one percentage point more missing values than observed is allowed
DRIFT_STD = 0.25  # drift warning when a mean moves more than a quarter standard deviation
MAX_CATEGORIES = 50  # more distinct texts than this look like free text: no category set
REVIEW = "Drafted from data: review."
NUMERIC_TYPES = ["int64", "float64"]
TEXT_TYPES = ["str"]


def _entry(kind: str, note: str, severity: str = "critical", **kwargs: Any) -> dict[str, Any]:
    entry = {"type": kind, "kwargs": kwargs, "notes": f"{REVIEW} {note}"}
    if severity != "critical":
        entry["severity"] = severity
    return entry


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _outward(low: float, high: float) -> tuple[float, float]:
    """``low`` and ``high`` rounded outward to three significant digits of their span."""
    span = high - low
    step = 10.0 ** (math.floor(math.log10(span)) - 2) if span > 0 else 1.0
    digits = max(0, -math.floor(math.log10(step)))
    return (
        round(math.floor(low / step) * step, digits),
        round(math.ceil(high / step) * step, digits),
    )


def _numeric(name: str, values: pd.Series) -> list[dict[str, Any]]:
    present = values.dropna()
    if present.empty:
        return []
    low, high = float(present.min()), float(present.max())
    margin = (high - low) * RANGE_MARGIN or abs(high) * RANGE_MARGIN or 1.0
    floor_at_zero = low >= 0
    low, high = _outward(max(low - margin, 0.0) if floor_at_zero else low - margin, high + margin)
    mean, spread = float(present.mean()), float(present.std(ddof=0))
    entries = [
        _entry(
            "expect_column_values_to_be_between",
            f"Observed {_plain(present.min())} to {_plain(present.max())}, widened by "
            f"{RANGE_MARGIN:.0%} of the span" + (", never below 0" if floor_at_zero else "") + ".",
            column=name,
            min_value=low,
            max_value=high,
        )
    ]
    if spread > 0:
        drift_low, drift_high = _outward(mean - DRIFT_STD * spread, mean + DRIFT_STD * spread)
        entries.append(
            _entry(
                "expect_column_mean_to_be_between",
                f"Drift: observed mean {mean:.4g}, within {DRIFT_STD} standard deviations. "
                "A warning only.",
                severity="warning",
                column=name,
                min_value=drift_low,
                max_value=drift_high,
            )
        )
    return entries


def _text(name: str, values: pd.Series) -> list[dict[str, Any]]:
    categories = sorted(str(value) for value in values.dropna().unique())
    if not categories or len(categories) > MAX_CATEGORIES:
        return []
    return [
        _entry(
            "expect_column_values_to_be_in_set",
            "Drift: the categories seen when drafting. The model encodes unseen ones as "
            "unknown, so a new category is a warning.",
            severity="warning",
            column=name,
            value_set=categories,
        )
    ]


def draft(frame: pd.DataFrame, dataset: str, data: DataParams) -> dict[str, Any]:
    """A suite for ``frame`` (a ``raw`` or ``features`` table with its id column)."""
    rows = len(frame)
    entries = [
        _entry(
            "expect_table_columns_to_match_set",
            "The columns, no more and no fewer: a renamed or dropped column would otherwise "
            "reach the model silently.",
            column_set=[str(name) for name in frame.columns],
            exact_match=True,
        ),
        _entry(
            "expect_table_row_count_to_be_between",
            f"Observed {rows} rows; allowed from half to ten times that.",
            min_value=max(2, math.ceil(rows / 2)),
            max_value=rows * 10,
        ),
    ]
    for name in frame.columns:
        values = frame[name]
        numeric = pd.api.types.is_numeric_dtype(values)
        kind = "numbers" if numeric else "text"
        entries.append(
            _entry(
                "expect_column_values_to_be_in_type_list",
                f"Observed {kind}; anything else means a broken export or a shifted column.",
                column=name,
                type_list=(
                    ["int64"]
                    if name == data.label and pd.api.types.is_integer_dtype(values)
                    else NUMERIC_TYPES if numeric else TEXT_TYPES
                ),
            )
        )
        if name in (data.id_column, data.label):
            entries.append(
                _entry(
                    "expect_column_values_to_not_be_null",
                    "Every row needs "
                    + ("an id." if name == data.id_column else "a label to be trained or scored."),
                    column=name,
                )
            )
        if name == data.id_column:
            entries.append(
                _entry(
                    "expect_column_values_to_be_unique",
                    "Ids name rows in the split and in predictions.",
                    column=name,
                )
            )
            continue
        if name == data.label:
            classes = sorted((_plain(value) for value in values.dropna().unique()), key=repr)
            entries.append(
                _entry(
                    "expect_column_distinct_values_to_be_in_set",
                    f"The {len(classes)} classes seen when drafting; a new one means the "
                    "source changed its coding.",
                    column=name,
                    value_set=classes,
                )
            )
            continue
        missing = float(values.isna().mean())
        entries.append(
            _entry(
                "expect_column_values_to_not_be_null",
                f"Observed {missing:.1%} missing; up to {MISSING_MARGIN:.0%} more is allowed.",
                column=name,
                mostly=math.floor((1 - missing - MISSING_MARGIN) * 1000) / 1000,
            )
        )
        entries += _numeric(name, values) if numeric else _text(name, values)
    return {
        "name": dataset,
        "notes": f"Drafted from {rows} rows by `expectations draft`; review every entry.",
        "expectations": entries,
    }


def suite_text(suite: dict[str, Any]) -> str:
    """A suite as JSON with one expectation per line, so a review diff reads entry by entry."""
    lines = [json.dumps(entry, ensure_ascii=False) for entry in suite["expectations"]]
    head = {key: value for key, value in suite.items() if key != "expectations"}
    opening = json.dumps(head, ensure_ascii=False, indent=2, sort_keys=True)[:-2]
    return opening + ',\n  "expectations": [\n    ' + ",\n    ".join(lines) + "\n  ]\n}\n"
