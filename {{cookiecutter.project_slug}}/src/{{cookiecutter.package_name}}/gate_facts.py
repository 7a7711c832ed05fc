"""What a gate's report says each expectation saw and asked for, in words a person reads.

GX reports an observed value for aggregate expectations (a mean, the column set, a dtype) but only
counts of offending rows for map expectations (ranges, nulls). :func:`facts` reads what the report
shows from the frame itself, in one cheap pass per column; :func:`observed` and :func:`expected`
turn one outcome into short text: numbers rounded to a few significant digits, long lists cut off
with a count of the rest, never raw JSON. Same data, same text: nothing here depends on time,
order of hashing or the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from .gate_text import is_number, listing, number, percent, readable, scalar
from .spark import NUMERIC

DISTINCT = 50  # a column with more distinct values is described by their count, not listed
Facts = dict[str, Any]


def _order(value: Any) -> tuple[int, Any, str]:
    """Sort key for mixed values: numbers by value first, then everything else by its text."""
    return (0, value, "") if is_number(value) else (1, 0, str(value))


def sort_values(values: Iterable[Any]) -> list[Any]:
    """Distinct values in the report's order: numbers by value, then the rest by their text."""
    return sorted(values, key=_order)


def _numbers(series: pd.Series) -> pd.Series:
    """The column's numbers: all of it when its dtype is numeric (vectorised, fast on millions of
    rows), else the values that are numbers, found one by one (a mixed or mangled column)."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric:
        return series.dropna()
    return pd.to_numeric(series[series.map(is_number)], errors="coerce").dropna()


def _listed(found: Any) -> list[Any] | None:
    """A column's distinct values in the report's order, or ``None`` when there are more than
    :data:`DISTINCT` (both engines)."""
    return sort_values(scalar(value) for value in found) if len(found) <= DISTINCT else None


def facts(frame: pd.DataFrame) -> Facts:
    """Row count, column names and, per column, dtype, missing count, numeric range and the
    distinct values (``None`` when there are more than :data:`DISTINCT`)."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        numbers = _numbers(series)
        found = series.dropna().unique()
        columns[str(name)] = {
            "dtype": str(series.dtype),
            "missing": int(series.isna().sum()),
            "min": scalar(numbers.min()) if len(numbers) else None,
            "max": scalar(numbers.max()) if len(numbers) else None,
            "values": _listed(found),
        }
    return {"rows": len(frame), "columns": [str(name) for name in frame.columns], "by": columns}


# Spark's type names as the gate report shows them: the pandas names the suites use.
PANDAS_NAMES = {
    "bigint": "int64",
    "int": "int32",
    "double": "float64",
    "float": "float32",
    "boolean": "bool",
    "string": "object",
}


def spark_facts(frame: Any) -> Facts:
    """:func:`facts` on Spark, in one aggregation over the table plus one small query per
    column that may hold at most :data:`DISTINCT` values: nothing else reaches the driver.

    The aggregation estimates each column's distinct count (HyperLogLog++, no shuffle); exact
    counts of every column in one query would copy the table once per column. At small counts
    the estimate is linear counting, a few percent at most above the truth (50 values: below
    53), so a column estimated above twice :data:`DISTINCT` holds more than :data:`DISTINCT`.
    """
    # pyspark is there only with engine spark.
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    names = list(frame.columns)
    kinds = dict(frame.dtypes)
    numeric = {name for name, kind in kinds.items() if kind in NUMERIC}
    aggregates = [functions.count(functions.lit(1)).alias("_rows")]
    for index, name in enumerate(names):
        column = functions.col(f"`{name}`")
        aggregates += [
            functions.sum(column.isNull().cast("long")).alias(f"missing{index}"),
            functions.approx_count_distinct(column).alias(f"distinct{index}"),
        ]
        if name in numeric:
            aggregates += [
                functions.min(column).alias(f"min{index}"),
                functions.max(column).alias(f"max{index}"),
            ]
    (row,) = frame.agg(*aggregates).collect()
    columns = {}
    for index, name in enumerate(names):
        values = None
        if row[f"distinct{index}"] <= 2 * DISTINCT:
            query = frame.select(f"`{name}`").dropna().distinct().limit(DISTINCT + 1)
            found = [item[0] for item in query.collect()]
            values = _listed(found)
        columns[name] = {
            "dtype": PANDAS_NAMES.get(kinds[name], kinds[name]),
            "missing": int(row[f"missing{index}"] or 0),
            "min": scalar(row[f"min{index}"]) if name in numeric else None,
            "max": scalar(row[f"max{index}"]) if name in numeric else None,
            "values": values,
        }
    return {"rows": int(row["_rows"]), "columns": names, "by": columns}


def _broken(seen: Any, verbs: tuple[str, str] = ("breaks it", "break it")) -> str:
    """GX's count of offending rows for a failed map expectation, with a few examples; ``verbs``
    say what one row and what several rows did."""
    if not isinstance(seen, dict) or not seen.get("unexpected_count"):
        return ""
    count = seen["unexpected_count"]
    share = seen.get("unexpected_percent")
    rows = f"{number(count)} {'row ' + verbs[0] if count == 1 else 'rows ' + verbs[1]}"
    share_text = f" ({number(share)}% of rows)" if share is not None else ""
    examples = [value for value in seen.get("examples") or [] if value is not None]
    return rows + share_text + (f", e.g. {listing(examples)}" if examples else "")


def _outside(values: list[Any], allowed: Any) -> str:
    """The values of ``values`` not in ``allowed``, said as such (or nothing)."""
    extra = [value for value in values if value not in (allowed or [])]
    return f"; not in the set: {listing(extra, str)}" if extra else ""


def _columns(outcome: dict[str, Any], table: Facts, _: Facts) -> str:
    names = table["columns"]
    wanted = outcome["expected"].get("column_set") or []
    missing = [name for name in wanted if name not in names]
    gone = f"; missing: {listing(missing)}" if missing else ""
    return f"{len(names)} columns: {listing(names)}{_outside(names, wanted)}{gone}"


def _range(outcome: dict[str, Any], __: Facts, column: Facts) -> str:
    seen = "no numbers"
    if column["min"] is not None:
        seen = f"min {number(column['min'])}, max {number(column['max'])}"
    broken = "" if outcome["success"] else _broken(outcome["observed"])
    return f"{seen}; {broken}" if broken else seen


def _missing(_: dict[str, Any], table: Facts, column: Facts) -> str:
    if not column["missing"]:
        return "none missing"
    share = percent(column["missing"] / table["rows"])
    return f"{number(column['missing'])} of {number(table['rows'])} missing ({share})"


def _labels(outcome: dict[str, Any], _: Facts, column: Facts) -> str:
    values = column["values"]
    if values is None:
        return f"more than {DISTINCT} distinct values"
    return listing(values, str) + _outside(values, outcome["expected"].get("value_set"))


def _unique(outcome: dict[str, Any], _: Facts, __: Facts) -> str:
    repeated = _broken(outcome["observed"], ("repeats a value", "repeat a value"))
    return repeated or "every value unique"


def _dtype(outcome: dict[str, Any], _: Facts, column: Facts) -> str:
    seen = outcome["observed"]
    return seen if isinstance(seen, str) else column["dtype"]


def _quantiles(outcome: dict[str, Any], _: Facts, __: Facts) -> str:
    seen = outcome["observed"]
    if not isinstance(seen, dict) or "values" not in seen:
        return readable(seen)
    pairs = zip(seen["quantiles"], seen["values"])
    return ", ".join(f"{percent(q)}: {number(value)}" for q, value in pairs)


Describer = Callable[[dict[str, Any], Facts, Facts], str]
OBSERVED: dict[str, Describer] = {
    "expect_table_row_count_to_be_between": lambda _, table, __: f"{number(table['rows'])} rows",
    "expect_table_columns_to_match_set": _columns,
    "expect_column_values_to_be_between": _range,
    "expect_column_values_to_not_be_null": _missing,
    "expect_column_distinct_values_to_be_in_set": _labels,
    "expect_column_values_to_be_in_set": _labels,
    "expect_column_values_to_be_unique": _unique,
    "expect_column_values_to_be_of_type": _dtype,
    "expect_column_values_to_be_in_type_list": _dtype,
    "expect_column_quantile_values_to_be_between": _quantiles,
}

# Expectations whose passing outcome is described from the facts alone: GX's details (counts of
# offending rows, examples) are read only when one of them fails.
FROM_FACTS = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_table_columns_to_match_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_not_be_null",
        "expect_column_distinct_values_to_be_in_set",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_unique",
    }
)


def observed(outcome: dict[str, Any], table: Facts) -> str:
    """What the data showed for one outcome of ``check``, as text."""
    seen, column = outcome["observed"], outcome["column"]
    if isinstance(seen, str) and (seen == "column is missing" or seen.startswith("could not")):
        return seen
    describe = OBSERVED.get(outcome["expectation"])
    if describe is None or (column is not None and column not in table["by"]):
        return readable(seen)
    return describe(outcome, table, table["by"].get(column, {}))
