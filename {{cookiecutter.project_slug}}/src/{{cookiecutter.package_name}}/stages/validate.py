"""Stage ``validate``: the data gates, ``validate raw`` after ingest and ``validate features`` after
featurize, each checking a table against its Great Expectations suite in ``expectations/``.

A gate passes when no critical expectation fails; warnings are printed and kept in the summary but
do not stop the run. The next stage depends on the gate's summary, so a failed gate stops
``dvc repro`` before anything downstream runs and leaves earlier outputs as they were. The
summary (``reports/validation/<name>.json``) and the HTML report hold no timestamps, run ids or
paths, so DVC sees the same data as the same result; the report also documents every expectation
with what the data showed (see ``gate_report``). Exit codes: 1 when the data break the suite, 3
when the suite itself is broken, which includes a check GX cannot run on data that pass every
other critical check (whatever its severity: a warning that checks nothing is no warning).
"""

from __future__ import annotations

import json
import logging
import math
import os
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from .. import spark
from ..artifacts import atomic_path, read_table, write_json
from ..config import Params, Paths
from ..errors import DataError, SuiteError
from ..gate_facts import FROM_FACTS, facts, spark_facts
from ..gate_report import render_html

DATASETS = ("raw", "features")
QUANTILES = "expect_column_quantile_values_to_be_between"
COULD_NOT_RUN = "could not run: "


def _great_expectations() -> Any:
    """Import GX only where validation runs, quietly: no analytics, INFO logs or progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"module 'sre_\w+' is deprecated", DeprecationWarning)
        import great_expectations  # pylint: disable=import-outside-toplevel

    return great_expectations


def load_suite(path: Path) -> tuple[str, list[Any]]:
    """Read a suite file into GX expectations; any unknown type or bad argument is an error."""
    gx = _great_expectations()
    configuration = gx.expectations.expectation_configuration.ExpectationConfiguration
    name = path.as_posix()
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
        entries = list(spec["expectations"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SuiteError([f"{name}: not a suite file ({error})"]) from None
    if not entries:
        raise SuiteError([f"{name}: has no expectations, so its gate would check nothing"])
    expectations, problems = [], []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{name}: expectation {number}: not an object ({entry!r})")
            continue
        label = f"{name}: expectation {number} ({entry.get('type', '?')})"
        if not entry.get("notes"):
            problems.append(f"{label}: has no notes saying why it exists")
        try:
            expectations.append(configuration(**entry).to_domain_obj())
        except Exception as error:  # pylint: disable=broad-exception-caught  # GX raises many types
            problems.append(f"{label}: {' '.join(str(error).split())}")
    if problems:
        raise SuiteError(problems)
    suite = gx.ExpectationSuite(name=spec.get("name", path.stem), expectations=expectations)
    if len(suite.expectations) != len(entries):
        raise SuiteError([f"{name}: GX dropped {len(entries) - len(suite.expectations)} entries"])
    return suite.name, expectations


def _plain(value: Any) -> Any:
    """JSON-safe copy of a GX result value: numpy scalars unwrapped, NaN as null, sets sorted."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = [_plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set) else items
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _raised(result: Any) -> str | None:
    """GX's message, on one line, when computing an expectation raised: GX keeps it at the top of
    ``exception_info`` or under each metric that raised."""
    info = result.exception_info or {}
    messages = [
        " ".join(str(found.get("exception_message")).split())
        for found in (info, *info.values())
        if isinstance(found, dict) and found.get("raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) or None


def _observed(result: Any, column: str | None, columns: list[str]) -> Any:
    """What the data showed, in the shape that fits the expectation."""
    if column is not None and column not in columns:
        return "column is missing"
    message = _raised(result)
    if message:
        return COULD_NOT_RUN + message
    details = result.result or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    if mismatched:
        return _plain(mismatched)
    if details.get("observed_value") is not None:
        return _plain(details["observed_value"])
    counts = {
        "unexpected_count": details.get("unexpected_count"),
        "unexpected_percent": details.get("unexpected_percent"),
        "examples": (details.get("partial_unexpected_list") or [])[:5] or None,
    }
    return _plain({key: value for key, value in counts.items() if value is not None}) or None


def _key(configuration: Any) -> str:
    """Identify an expectation by its content (suites validated in memory carry no ids)."""
    content = configuration.to_json_dict()
    content.pop("id", None)
    content["kwargs"].pop("batch_id", None)
    return json.dumps(content, sort_keys=True, default=str)


# Suites name column types as pandas does; on Spark the same check asks for Spark's name.
SPARK_TYPES = {
    "int64": "LongType",
    "int32": "IntegerType",
    "float64": "DoubleType",
    "float32": "FloatType",
    "bool": "BooleanType",
    "object": "StringType",
    "str": "StringType",
}


def for_spark(expectations: list[Any]) -> list[Any]:
    """The same expectations with every pandas type name of a type check given in Spark's."""
    gx = _great_expectations()
    configuration = gx.expectations.expectation_configuration.ExpectationConfiguration
    translated = []
    for expectation in expectations:
        spec = expectation.configuration.to_json_dict()
        kwargs = spec["kwargs"]
        if "type_" in kwargs:
            kwargs["type_"] = SPARK_TYPES.get(kwargs["type_"], kwargs["type_"])
        if "type_list" in kwargs:
            kwargs["type_list"] = [SPARK_TYPES.get(name, name) for name in kwargs["type_list"]]
        spec.pop("id", None)
        translated.append(configuration(**spec).to_domain_obj())
    return translated


def _needs_details(expectation: Any, verdict: Any, columns: list[str]) -> bool:
    """Whether the report reads GX's details of this expectation: not for one that passed and
    is described from the facts, nor for one on a missing column (that is all there is to say)."""
    column = expectation.configuration.kwargs.get("column")
    if column is not None and column not in columns:
        return False
    return expectation.expectation_type not in FROM_FACTS or not verdict.success


def _quantiles_on_spark(frame: Any, expectations: list[Any]) -> dict[str, dict[str, Any]]:
    """GX's verdict of each quantile check on a numeric column of a Spark table, by :func:`_key`,
    judged by GX on quantiles :func:`spark.quantiles` computes in one pass: GX would ask Spark for
    exact ones, which hold the whole column in the driver. Checks on missing or non-numeric
    columns, or that set ``allow_relative_error``, stay with GX, which fails them as it does on
    pandas."""
    types = dict(frame.dtypes)
    chosen = [
        expectation
        for expectation in expectations
        if expectation.expectation_type == QUANTILES
        and types.get(expectation.configuration.kwargs["column"]) in spark.NUMERIC
        and not expectation.configuration.kwargs.get("allow_relative_error")
    ]
    values = spark.quantiles(
        frame,
        [
            (kwargs["column"], kwargs["quantile_ranges"]["quantiles"])
            for kwargs in (expectation.configuration.kwargs for expectation in chosen)
        ],
    )
    return {
        # GX's own judgement (bounds inclusive, None unbounded, a missing value fails).
        _key(expectation.configuration): expectation._validate(  # pylint: disable=protected-access
            {"column.quantile_values": quantiles}
        )
        for expectation, quantiles in zip(chosen, values)
    }


def _batch(frame: Any) -> Any:
    """``frame`` (pandas or Spark) as a GX batch in an ephemeral context."""
    context = _great_expectations().get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    if isinstance(frame, pd.DataFrame):
        # GX 1.x does not know pandas' ``str`` dtype; as ``object`` each value is checked as a str.
        text = [name for name in frame.columns if pd.api.types.is_string_dtype(frame[name])]
        frame = frame.astype({name: object for name in text})
        source = context.data_sources.add_pandas("pipeline")
    else:
        source = context.data_sources.add_spark("pipeline")
    return (
        source.add_dataframe_asset("table")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )


def _validated(batch: Any, expectations: list[Any], result_format: str) -> dict[str, Any]:
    """GX's result of each expectation, by :func:`_key`."""
    suite = _great_expectations().ExpectationSuite(name="gate", expectations=expectations)
    results = batch.validate(suite, result_format=result_format).results
    return {_key(result.expectation_config): result for result in results}


def check(frame: Any, expectations: list[Any]) -> list[dict[str, Any]]:
    """Validate ``frame`` (a pandas or a Spark DataFrame); one outcome per expectation, in suite
    order."""
    columns = list(frame.columns)
    own: dict[str, dict[str, Any]] = {}
    if not isinstance(frame, pd.DataFrame):
        expectations = for_spark(expectations)
        own = _quantiles_on_spark(frame, expectations)
    left = [e for e in expectations if _key(e.configuration) not in own]
    batch = _batch(frame)
    # Verdicts first: GX computes the bare verdicts of many expectations in one pass over the
    # table, but their details (counts, examples, observed values) one expectation at a time,
    # several Spark jobs each.
    results = _validated(batch, left, "BOOLEAN_ONLY") if left else {}
    detailed = [
        expectation
        for expectation in left
        if _needs_details(expectation, results[_key(expectation.configuration)], columns)
    ]
    if detailed:
        results |= _validated(batch, detailed, "SUMMARY")
    outcomes = []
    for expectation in expectations:
        key = _key(expectation.configuration)
        kwargs = expectation.configuration.kwargs
        column = kwargs.get("column")
        if key in own:
            success, observed = own[key]["success"], own[key]["result"]["observed_value"]
        else:
            success, observed = results[key].success, _observed(results[key], column, columns)
        outcomes.append(
            {
                "expectation": expectation.expectation_type,
                "column": column,
                "severity": expectation.severity.value,
                "success": bool(success),
                "expected": _plain(
                    {k: v for k, v in kwargs.items() if k not in {"column", "batch_id"}}
                ),
                "observed": _plain(observed),
                "notes": expectation.notes,
            }
        )
    return outcomes


def could_not_run(outcome: dict[str, Any]) -> bool:
    """Whether GX raised computing this outcome's expectation (so it checked nothing)."""
    seen = outcome["observed"]
    return not outcome["success"] and isinstance(seen, str) and seen.startswith(COULD_NOT_RUN)


def summarize(dataset: str, frame: Any, outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """The gate's deterministic summary: counts and every failed expectation. A gate passes when
    no critical expectation fails and every expectation ran."""
    failures = [outcome for outcome in outcomes if not outcome["success"]]
    failed = {
        level: sum(outcome["severity"] == level for outcome in failures)
        for level in ("critical", "warning", "info")
    }
    return {
        "dataset": dataset,
        "success": failed["critical"] == 0 and not any(map(could_not_run, failures)),
        "rows": len(frame) if isinstance(frame, pd.DataFrame) else frame.count(),
        "columns": len(frame.columns),
        "expectations": len(outcomes),
        "passed": len(outcomes) - len(failures),
        "failed": failed,
        "failures": failures,
    }


def describe(dataset: str, failure: dict[str, Any]) -> str:
    """One line a person can act on: which expectation, which column, what was observed."""
    where = f" on column {failure['column']!r}" if failure["column"] else ""
    observed = json.dumps(failure["observed"], ensure_ascii=False, sort_keys=True)
    expected = json.dumps(failure["expected"], ensure_ascii=False, sort_keys=True)
    return f"{dataset}: {failure['expectation']}{where}: observed {observed}; expected {expected}"


def gate(dataset: str, frame: Any, suite_path: Path, report_dir: Path) -> dict[str, Any]:
    """Validate, write the summary and report, print warnings; raise if a critical check failed
    (bad data) or, when none did, if a check could not run (a broken suite)."""
    name, expectations = load_suite(suite_path)
    outcomes = check(frame, expectations)
    summary = summarize(dataset, frame, outcomes)
    summary["suite"] = name
    write_json(summary, report_dir / f"{dataset}.json")
    seen = facts(frame) if isinstance(frame, pd.DataFrame) else spark_facts(frame)
    page = render_html(summary, outcomes, seen)
    with atomic_path(report_dir / f"{dataset}.html") as temporary:
        temporary.write_text(page, encoding="utf-8", newline="\n")
    unrun = [failure for failure in summary["failures"] if could_not_run(failure)]
    broken = [f for f in summary["failures"] if f["severity"] == "critical" and f not in unrun]
    for failure in summary["failures"]:
        if failure["severity"] != "critical" and failure not in unrun:
            print(f"{failure['severity']}: {describe(dataset, failure)}")
    if broken:  # checks may not run on bad data (text where numbers belong): all are listed
        raise DataError([describe(dataset, failure) for failure in broken + unrun])
    if unrun:
        raise SuiteError([f"{suite_path.as_posix()}: {describe(dataset, f)}" for f in unrun])
    return summary


def run(params: Params, paths: Paths, dataset: str) -> None:
    """Gate ``dataset`` (``raw`` or ``features``)."""
    path = {"raw": paths.raw, "features": paths.features}[dataset]
    suite = paths.expectations / f"{dataset}.json"
    if params.engine == "spark":
        with spark.session(params.spark, paths.spark_scratch) as session:
            gate(dataset, session.read.parquet(str(path)), suite, paths.validation)
        return
    gate(dataset, read_table(path, params.data), suite, paths.validation)
