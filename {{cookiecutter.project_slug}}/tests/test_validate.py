"""The data gates: suites load strictly, valid frames pass, each kind of corruption is caught by the
expectation meant to catch it, and a gate's outputs are deterministic and offline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import ingest, validate
from {{ cookiecutter.package_name }}.config import TARGET
from {{ cookiecutter.package_name }}.errors import DataError, SuiteError
from {{ cookiecutter.package_name }}.featurize import featurize

SUITES = Path(__file__).resolve().parents[1] / "expectations"
RAW_SUITE = validate.load_suite(SUITES / "raw.json")[1]
REFERENCE = ingest.breast_cancer()
FEATURE_COLUMNS = list(REFERENCE.columns.drop(TARGET))
DRIFT_COLUMNS = ["mean_radius", "mean_texture", "worst_area"]
GATE = settings(max_examples=3, deadline=None)


def failed(frame: pd.DataFrame, severity: str = "critical") -> set[tuple[str, str | None]]:
    """(expectation, column) of every failed expectation of ``severity`` on the raw suite."""
    return {
        (outcome["expectation"], outcome["column"])
        for outcome in validate.check(frame, RAW_SUITE)
        if not outcome["success"] and outcome["severity"] == severity
    }


@pytest.mark.parametrize("name", ["raw", "features"])
def test_suites_load_every_entry_with_a_note(name):
    spec = json.loads((SUITES / f"{name}.json").read_text(encoding="utf-8"))
    suite_name, expectations = validate.load_suite(SUITES / f"{name}.json")
    assert suite_name == name
    assert len(expectations) == len(spec["expectations"])
    assert {e["severity"] for e in spec["expectations"] if "severity" in e} == {"warning"}


def test_the_bundled_data_passes_both_gates(params):
    assert failed(REFERENCE) == set()
    assert failed(REFERENCE, "warning") == set()
    features = featurize(REFERENCE, params.featurize)
    outcomes = validate.check(features, validate.load_suite(SUITES / "features.json")[1])
    assert [o for o in outcomes if not o["success"]] == []


@GATE
@given(n_rows=st.integers(min_value=10, max_value=3000), seed=st.integers(0, 2**32 - 1))
def test_synthetic_frames_of_any_size_meet_the_contract(params, n_rows, seed):
    frame = ingest.synthetic(n_rows, seed)
    assert failed(frame) == set()
    features = featurize(frame, params.featurize)
    outcomes = validate.check(features, validate.load_suite(SUITES / "features.json")[1])
    assert [o for o in outcomes if not o["success"] and o["severity"] == "critical"] == []


COLUMNS = st.sampled_from(FEATURE_COLUMNS)
ROWS = st.integers(min_value=0, max_value=len(REFERENCE) - 1)


@GATE
@given(column=COLUMNS)
def test_a_dropped_column_is_named(column):
    assert ("expect_table_columns_to_match_set", None) in failed(REFERENCE.drop(columns=column))


@GATE
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12))
def test_an_extra_column_is_named(name):
    frame = REFERENCE.assign(**{f"extra_{name}": 1.0})
    assert failed(frame) == {("expect_table_columns_to_match_set", None)}


@GATE
@given(column=COLUMNS, row=ROWS)
def test_a_wrong_dtype_is_named(column, row):
    frame = REFERENCE.astype({column: object})
    frame.loc[row, column] = "n/a"
    assert ("expect_column_values_to_be_of_type", column) in failed(frame)


@GATE
@given(column=COLUMNS, share=st.floats(min_value=0.02, max_value=0.5))
def test_nulls_over_the_allowed_share_are_named(column, share):
    frame = REFERENCE.copy()
    frame.loc[: int(share * len(frame)), column] = np.nan
    assert failed(frame) == {("expect_column_values_to_not_be_null", column)}


def test_nulls_within_the_allowed_share_pass():
    frame = REFERENCE.copy()
    frame.loc[:4, "mean_texture"] = np.nan  # 5 of 569 rows: under 1%
    assert failed(frame) == set()


@GATE
@given(column=COLUMNS, row=ROWS, value=st.sampled_from([-1.0, -0.001, 1e6]))
def test_out_of_range_values_are_named(column, row, value):
    frame = REFERENCE.copy()
    frame.loc[row, column] = value
    assert failed(frame) == {("expect_column_values_to_be_between", column)}


@GATE
@given(row=ROWS, label=st.sampled_from([2, -1, 9]))
def test_a_new_label_value_is_named(row, label):
    frame = REFERENCE.copy()
    frame.loc[row, TARGET] = label
    assert failed(frame) == {("expect_column_distinct_values_to_be_in_set", TARGET)}


@GATE
@given(rows=st.integers(min_value=1, max_value=9))
def test_too_few_rows_are_named(rows):
    assert ("expect_table_row_count_to_be_between", None) in failed(REFERENCE.head(rows))


@GATE
@given(column=st.sampled_from(DRIFT_COLUMNS), factor=st.floats(min_value=1.5, max_value=3))
def test_a_shifted_distribution_is_a_named_warning(column, factor):
    frame = REFERENCE.copy()
    frame[column] = frame[column] * factor
    assert ("expect_column_mean_to_be_between", column) in failed(frame, "warning")
    assert ("expect_column_mean_to_be_between", column) not in failed(frame)


def write_suite(tmp_path: Path, entries: list) -> Path:
    """A suite file with the given expectation entries."""
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"name": "broken", "expectations": entries}), encoding="utf-8")
    return path


GOOD = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "notes": "ok"}


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


def test_a_failing_gate_writes_its_report_and_names_each_failure(tmp_path):
    frame = REFERENCE.copy()
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
    frame = REFERENCE.copy()
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
