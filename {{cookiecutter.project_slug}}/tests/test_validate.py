"""The data gates: suites load strictly and pass the bundled data; every kind of expectation in the
suites catches its corruption on every column it covers, as a critical failure (drift as a warning
that never stops the gate); a gate's outputs are deterministic and offline.

Each corruption hits every column at once, each column in rows of its own, and is validated in one
call: a check weakened for any single column (a widened range, a looser share of nulls, a critical
check demoted to a warning, a deleted expectation) leaves that column out of the failures and fails
the test. Corrupt values derive from the bundled data, never from the suites, so a loosened suite
cannot move them. Checks of the suite files come first and validations (about a second each) last,
so a broken suite fails fast.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.artifacts import write_csv
from {{ cookiecutter.package_name }}.config import TARGET, Paths, load_params
from {{ cookiecutter.package_name }}.errors import DataError, SuiteError
from {{ cookiecutter.package_name }}.stages import ingest, validate
from {{ cookiecutter.package_name }}.stages.featurize import featurize
from tests.runs import ROOT

SUITES = ROOT / "expectations"
RAW = ingest.breast_cancer()
FRAMES = {"raw": RAW, "features": featurize(RAW, load_params(ROOT / "params.yaml").featurize)}
SPECS = {gate: json.loads((SUITES / f"{gate}.json").read_text(encoding="utf-8")) for gate in FRAMES}
TYPE, NOT_NULL, BETWEEN = (
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
)
COLUMNS, ROWS = "expect_table_columns_to_match_set", "expect_table_row_count_to_be_between"
LABELS = "expect_column_distinct_values_to_be_in_set"
MEAN, QUARTILES = "expect_column_mean_to_be_between", "expect_column_quantile_values_to_be_between"
# Every kind the suites use, by severity; a kind added to a suite needs a test here first.
KINDS = {TYPE, NOT_NULL, BETWEEN, COLUMNS, ROWS, LABELS}
DRIFT_KINDS = {MEAN, QUARTILES}
# Drift warnings watch the mean and quartiles of these columns, and the class balance.
DRIFT = {
    "raw": ["mean_radius", "mean_texture", "worst_area"],
    "features": ["mean_radius", "log1p_worst_area"],
}
NULLS_ALLOWED = 5  # per measurement: under the suites' 1% of the 569 bundled rows


@functools.cache
def expectations(gate: str) -> list:
    """The gate's suite as GX expectations (GX loads on first use, after the cheap checks)."""
    return validate.load_suite(SUITES / f"{gate}.json")[1]


def failures(gate: str, frame: pd.DataFrame) -> dict[str, set[tuple[str, str | None]]]:
    """``(expectation, column)`` of each failed expectation of ``gate``'s suite, by severity."""
    found: dict[str, set[tuple[str, str | None]]] = {"critical": set(), "warning": set()}
    for outcome in validate.check(frame, expectations(gate)):
        if not outcome["success"]:
            found.setdefault(outcome["severity"], set()).add(
                (outcome["expectation"], outcome["column"])
            )
    return found


def measurements(frame: pd.DataFrame) -> list[str]:
    """Every column but the label."""
    return [column for column in frame.columns if column != TARGET]


def in_own_rows(frame: pd.DataFrame, rows: int, value: Callable[[str], float]) -> pd.DataFrame:
    """``frame`` with ``value(column)`` in ``rows`` rows of each measurement, no row shared."""
    corrupted = frame.copy()
    for index, column in enumerate(measurements(frame)):
        corrupted.loc[index * rows : (index + 1) * rows - 1, column] = value(column)
    return corrupted


Corruption = tuple[pd.DataFrame, set[tuple[str, str | None]]]


def wrong_types(frame: pd.DataFrame) -> Corruption:
    """Whole numbers where measurements are floats, floats where labels are integers."""
    corrupted = frame.round().astype("int64").astype({TARGET: "float64"})
    return corrupted, {(TYPE, column) for column in frame.columns}


def nulls_beyond_the_share(frame: pd.DataFrame) -> Corruption:
    """One null too many in every measurement; any null label (which also makes labels float)."""
    corrupted = in_own_rows(frame, NULLS_ALLOWED + 1, lambda column: np.nan)
    corrupted[TARGET] = corrupted[TARGET].where(corrupted.index < len(frame) - 1)
    return corrupted, {(NOT_NULL, column) for column in frame.columns} | {(TYPE, TARGET)}


def nulls_within_the_share(frame: pd.DataFrame) -> Corruption:
    """As many nulls in every measurement as the model may impute: nothing fails."""
    return in_own_rows(frame, NULLS_ALLOWED, lambda column: np.nan), set()


def below_the_range(frame: pd.DataFrame) -> Corruption:
    """A negative value in every measurement."""
    corrupted = in_own_rows(frame, 1, lambda column: -1e-6)
    return corrupted, {(BETWEEN, column) for column in measurements(frame)}


def above_the_range(frame: pd.DataFrame) -> Corruption:
    """Twice the largest bundled value of every measurement (the suites cap at 1.5 times it)."""
    corrupted = in_own_rows(frame, 1, lambda column: 2 * frame[column].max())
    return corrupted, {(BETWEEN, column) for column in measurements(frame)}


def unknown_labels(frame: pd.DataFrame) -> Corruption:
    """Label values other than 0 and 1."""
    corrupted = frame.copy()
    corrupted.loc[[0, 1], TARGET] = [2, -1]
    return corrupted, {(LABELS, TARGET)}


def too_few_rows(frame: pd.DataFrame) -> Corruption:
    """Fewer rows than a stratified split needs."""
    return frame.head(9), {(ROWS, None)}


def an_extra_column(frame: pd.DataFrame) -> Corruption:
    """A column the suite does not know."""
    return frame.assign(extra=1.0), {(COLUMNS, None)}


def missing_columns(frame: pd.DataFrame) -> Corruption:
    """Every measurement dropped: each of its checks fails, none is skipped."""
    dropped = measurements(frame)
    per_column = {(kind, column) for kind in (TYPE, NOT_NULL, BETWEEN) for column in dropped}
    return frame[[TARGET]], {(COLUMNS, None)} | per_column


CORRUPTIONS = [
    wrong_types,
    nulls_beyond_the_share,
    nulls_within_the_share,
    below_the_range,
    above_the_range,
    unknown_labels,
    too_few_rows,
    an_extra_column,
    missing_columns,
]


def write_suite(tmp_path: Path, entries: list) -> Path:
    """A suite file with the given expectation entries."""
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"name": "broken", "expectations": entries}), encoding="utf-8")
    return path


GOOD = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "notes": "ok"}


def test_failed_warnings_alone_pass_the_gate_but_one_critical_failure_stops_it():
    failure = {"expectation": MEAN, "column": TARGET, "success": False, "observed": 0.9}
    warning, critical = {**failure, "severity": "warning"}, {**failure, "severity": "critical"}
    assert validate.summarize("raw", RAW, [warning, warning])["success"] is True
    assert validate.summarize("raw", RAW, [warning, critical])["success"] is False


@pytest.mark.parametrize("gate", FRAMES)
def test_only_drift_checks_are_warnings_and_every_kind_is_tested(gate):
    entries = SPECS[gate]["expectations"]
    kinds = {(entry["type"], entry.get("severity", "critical")) for entry in entries}
    assert kinds == {(kind, "critical") for kind in KINDS} | {
        (kind, "warning") for kind in DRIFT_KINDS
    }


@pytest.mark.parametrize("gate", FRAMES)
def test_every_range_runs_from_zero_to_one_and_a_half_times_the_bundled_maximum(gate):
    for entry in SPECS[gate]["expectations"]:
        if entry["type"] == BETWEEN:
            bounds = entry["kwargs"]
            largest = FRAMES[gate][bounds["column"]].max()
            assert bounds["min_value"] == 0, bounds
            # 1.5 times the largest value, rounded up to two significant digits.
            assert 1.5 * largest <= bounds["max_value"] <= 1.65 * largest, bounds


@pytest.mark.parametrize("gate", FRAMES)
def test_suites_load_every_entry_with_a_note(gate):
    suite_name, loaded = validate.load_suite(SUITES / f"{gate}.json")
    assert suite_name == gate
    assert len(loaded) == len(SPECS[gate]["expectations"])
    assert all(entry["notes"] for entry in SPECS[gate]["expectations"])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**GOOD, "type": "expect_rows_to_be_pretty"}, "expect_rows_to_be_pretty not found"),
        ({**GOOD, "kwargs": {"min_value": "many"}}, "min_value"),
        ({**GOOD, "kwargs": {"minimum": 1}}, "minimum"),
        ({**GOOD, "severity": "fatal"}, "Invalid severity 'fatal'"),
        ({key: value for key, value in GOOD.items() if key != "notes"}, "has no notes"),
    ],
)
def test_a_broken_suite_is_an_error_never_a_skipped_check(tmp_path, entry, message):
    with pytest.raises(SuiteError) as caught:
        validate.load_suite(write_suite(tmp_path, [GOOD, entry]))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{tmp_path.as_posix()}/suite.json: expectation 2")
    assert message in caught.value.problems[0]


@pytest.mark.parametrize(
    ("entries", "message"),
    [([], "has no expectations"), ([GOOD, "expect_anything"], "expectation 2: not an object")],
)
def test_an_empty_or_malformed_suite_is_an_error(tmp_path, entries, message):
    with pytest.raises(SuiteError, match=message):
        validate.load_suite(write_suite(tmp_path, entries))


def test_a_file_that_is_not_a_suite_is_an_error(tmp_path):
    path = tmp_path / "suite.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SuiteError, match="not a suite file"):
        validate.load_suite(path)


@pytest.mark.parametrize(("broken", "exit_code"), [("params", 2), ("suite", 3), ("data", 1)])
def test_exit_codes_tell_broken_data_params_and_suites_apart(tmp_path, capsys, broken, exit_code):
    paths = Paths(tmp_path)
    shutil.copytree(SUITES, paths.expectations)
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    frame = RAW.copy()
    if broken == "data":
        frame.loc[0, TARGET] = 2
    elif broken == "params":
        params["seed"] = -1
    else:
        write_suite(tmp_path, [{**GOOD, "type": "expect_rows_to_be_pretty"}]).replace(
            paths.expectations / "raw.json"
        )
    paths.params.write_text(yaml.safe_dump(params), encoding="utf-8")
    write_csv(frame, paths.raw)
    assert cli.main(["--root", str(tmp_path), "validate", "raw"]) == exit_code
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize("gate", FRAMES)
def test_drift_is_a_warning_on_every_watched_column_and_never_stops_the_gate(gate):
    frame = FRAMES[gate].copy()
    frame[DRIFT[gate]] *= 1.3  # still within range, but every mean and quartile moves
    frame.loc[frame.index[frame[TARGET] == 0][:150], TARGET] = 1  # 64% malignant
    outcomes = validate.check(frame, expectations(gate))
    failed = {(o["expectation"], o["column"], o["severity"]) for o in outcomes if not o["success"]}
    assert failed == {(MEAN, column, "warning") for column in [*DRIFT[gate], TARGET]} | {
        (QUARTILES, column, "warning") for column in DRIFT[gate]
    }
    assert validate.summarize(gate, frame, outcomes)["success"] is True


def test_a_failing_gate_writes_its_report_and_names_each_failure(tmp_path):
    frame = RAW.copy()
    frame.loc[3, "mean_radius"] = -5.0
    frame.loc[7, TARGET] = 2
    with pytest.raises(DataError) as caught:
        validate.gate("raw", frame, SUITES / "raw.json", tmp_path)
    assert caught.value.problems == [
        "raw: expect_column_distinct_values_to_be_in_set on column 'target': observed "
        '{"examples": [2], "unexpected_count": 1}; '
        'expected {"value_set": [0, 1]}',
        "raw: expect_column_values_to_be_between on column 'mean_radius': observed "
        '{"examples": [-5.0], "unexpected_count": 1, "unexpected_percent": 0.17574692442882248}; '
        'expected {"max_value": 43.0, "min_value": 0.0}',
    ]
    summary = json.loads((tmp_path / "raw.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    assert summary["failed"] == {"critical": 2, "warning": 0, "info": 0}


def test_gate_outputs_are_deterministic_and_offline(tmp_path, capsys):
    frame = RAW.copy()
    frame["mean_radius"] = frame["mean_radius"] * 1.3  # in range, but the mean has drifted
    first, second = tmp_path / "first", tmp_path / "second"
    validate.gate("raw", frame, SUITES / "raw.json", first)
    validate.gate("raw", frame, SUITES / "raw.json", second)
    for name in ("raw.json", "raw.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    html = (first / "raw.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html and "<img" not in html
    assert (
        "warning: raw: expect_column_mean_to_be_between on column 'mean_radius'"
        in capsys.readouterr().out
    )
    summary = (first / "raw.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in summary and "time" not in summary


@pytest.mark.parametrize("gate", FRAMES)
def test_the_bundled_data_passes_every_check(gate):
    assert failures(gate, FRAMES[gate]) == {"critical": set(), "warning": set()}


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda corrupt: corrupt.__name__)
@pytest.mark.parametrize("gate", FRAMES)
def test_each_corruption_fails_exactly_its_checks_on_every_column(gate, corrupt):
    frame, expected = corrupt(FRAMES[gate])
    assert failures(gate, frame)["critical"] == expected


@settings(max_examples=3, deadline=None)
@given(n_rows=st.integers(min_value=10, max_value=3000), seed=st.integers(0, 2**32 - 1))
def test_synthetic_frames_of_any_size_meet_the_contract(params, n_rows, seed):
    frame = ingest.synthetic(n_rows, seed)
    assert failures("raw", frame)["critical"] == set()
    assert failures("features", featurize(frame, params.featurize))["critical"] == set()
