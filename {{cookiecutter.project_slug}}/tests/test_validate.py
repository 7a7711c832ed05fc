"""The data gates: suites load strictly and pass the project's data; every kind of expectation in
the suites catches its corruption on every column it covers, as a critical failure (drift as a
warning that never stops the gate); a gate's outputs are deterministic and offline, and its HTML
report documents every expectation, grouped by column, with what the data showed (failures first).

The tests follow the data ``params.yaml`` configures and hold for the shipped suites and for
suites drafted by ``expectations draft``. Each corruption hits every column at once, each column
in rows of its own, and is validated in one call: a check weakened for any single column (a
widened range, a looser share of nulls, a critical check demoted to a warning, a deleted
expectation) leaves that column out of the failures and fails the test. Corrupt values and the
expected failures derive from the data and the project's rules, never from the suites, so a
loosened suite cannot move them.
"""

from __future__ import annotations

import functools
import json
import math
import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.artifacts import write_csv
from {{ cookiecutter.package_name }}.config import Paths, load_params
from {{ cookiecutter.package_name }}.drafting import MISSING_MARGIN
from {{ cookiecutter.package_name }}.errors import DataError, SuiteError
from {{ cookiecutter.package_name }}.stages import ingest, validate
from {{ cookiecutter.package_name }}.stages.featurize import featurize
from tests.runs import ROOT
from tests.stages import features_table, raw_table

PARAMS = load_params(ROOT / "params.yaml")
LABEL, ID = PARAMS.data.label, PARAMS.data.id_column
SUITES = ROOT / "expectations"
FRAMES = {"raw": raw_table(), "features": features_table()}
SPECS = {gate: json.loads((SUITES / f"{gate}.json").read_text(encoding="utf-8")) for gate in FRAMES}
TYPE = "type"  # either type check below: failures of both are reported as TYPE
TYPE_KINDS = {"expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list"}
NOT_NULL, BETWEEN = "expect_column_values_to_not_be_null", "expect_column_values_to_be_between"
COLUMNS, ROWS = "expect_table_columns_to_match_set", "expect_table_row_count_to_be_between"
LABELS, UNIQUE = "expect_column_distinct_values_to_be_in_set", "expect_column_values_to_be_unique"
MEAN, QUARTILES = "expect_column_mean_to_be_between", "expect_column_quantile_values_to_be_between"
CATEGORIES = "expect_column_values_to_be_in_set"
# Every kind a suite may use, by severity; a kind added to a suite needs a test here first.
KINDS = TYPE_KINDS | {NOT_NULL, BETWEEN, COLUMNS, ROWS, LABELS, UNIQUE}
DRIFT_KINDS = {MEAN, QUARTILES, CATEGORIES}


def unseen_label(frame: pd.DataFrame) -> object:
    """A label value of the label's type that the data never had."""
    labels = frame[LABEL]
    return labels.max() + 1000 if pd.api.types.is_numeric_dtype(labels) else "never-seen-class"


def drift_columns(gate: str) -> list[str]:
    """Feature columns whose mean or quartiles the suite watches."""
    watched = {
        entry["kwargs"]["column"]
        for entry in SPECS[gate]["expectations"]
        if entry["type"] in (MEAN, QUARTILES)
    }
    return [column for column in FRAMES[gate].columns if column in watched - {LABEL}]


@functools.cache
def expectations(gate: str) -> list:
    """The gate's suite as GX expectations (GX loads on first use, after the cheap checks)."""
    return validate.load_suite(SUITES / f"{gate}.json")[1]


def failures(gate: str, frame: pd.DataFrame) -> dict[str, set[tuple[str, str | None]]]:
    """``(expectation, column)`` of each failed expectation of ``gate``'s suite, by severity."""
    found: dict[str, set[tuple[str, str | None]]] = {"critical": set(), "warning": set()}
    for outcome in validate.check(frame, expectations(gate)):
        if not outcome["success"]:
            kind = TYPE if outcome["expectation"] in TYPE_KINDS else outcome["expectation"]
            found.setdefault(outcome["severity"], set()).add((kind, outcome["column"]))
    return found


def measurements(frame: pd.DataFrame) -> list[str]:
    """Every feature column (not the id, not the label)."""
    return [column for column in frame.columns if column not in (ID, LABEL)]


def numeric(frame: pd.DataFrame) -> list[str]:
    """The numeric feature columns."""
    return [c for c in measurements(frame) if pd.api.types.is_numeric_dtype(frame[c])]


def in_own_rows(
    frame: pd.DataFrame, columns: list[str], rows: Callable[[str], int], value: Callable
) -> pd.DataFrame:
    """``frame`` with ``value(column)`` in ``rows(column)`` present rows of each of ``columns``,
    no row shared."""
    corrupted = frame.astype(object)
    start = 0
    for column in columns:
        present = frame.index[frame[column].notna()]
        chosen = present[start : start + rows(column)]
        corrupted.loc[chosen, column] = value(column)
        start += rows(column)
    return corrupted.astype(frame.dtypes.to_dict(), errors="ignore")


Corruption = tuple[pd.DataFrame, set[tuple[str, str | None]]]


def wrong_types(frame: pd.DataFrame) -> Corruption:
    """Text where numbers belong, numbers where text belongs, in every column but the id: the
    type checks fail, and so do the range and label checks that compare the values."""
    corrupted = frame.astype(object)
    for column in [*measurements(frame), LABEL]:
        numbers = pd.api.types.is_numeric_dtype(frame[column])
        corrupted[column] = frame[column].astype(str) if numbers else 1.5
    expected = {(TYPE, column) for column in [*measurements(frame), LABEL]}
    return corrupted, expected | {(BETWEEN, c) for c in numeric(frame)} | {(LABELS, LABEL)}


def nulls_beyond_the_share(frame: pd.DataFrame) -> Corruption:
    """One null too many in every feature column; any null label."""
    extra = math.ceil((MISSING_MARGIN + 0.002) * len(frame)) + 1
    corrupted = in_own_rows(frame, measurements(frame), lambda column: extra, lambda c: np.nan)
    corrupted[LABEL] = corrupted[LABEL].where(corrupted.index < len(frame) - 1)
    expected = {(NOT_NULL, column) for column in [*measurements(frame), LABEL]}
    # A missing value turns integer labels into floats, which their type check refuses.
    integers = pd.api.types.is_integer_dtype(frame[LABEL])
    return corrupted, expected | ({(TYPE, LABEL)} if integers else set())


def nulls_within_the_share(frame: pd.DataFrame) -> Corruption:
    """As many more nulls in every feature column as the margin allows: nothing fails."""
    allowed = max(0, math.floor(MISSING_MARGIN * len(frame)) - 1)
    return in_own_rows(frame, measurements(frame), lambda c: allowed, lambda c: np.nan), set()


def below_the_range(frame: pd.DataFrame) -> Corruption:
    """A value far below the observed ones (and below zero) in every numeric column."""
    low = {
        c: min(frame[c].min() - (frame[c].max() - frame[c].min()) - 1, -1e-6)
        for c in numeric(frame)
    }
    corrupted = in_own_rows(frame, numeric(frame), lambda c: 1, low.get)
    return corrupted, {(BETWEEN, column) for column in numeric(frame)}


def above_the_range(frame: pd.DataFrame) -> Corruption:
    """Twice the largest value (and at least one span above it) in every numeric column."""
    high = {
        c: max(2 * frame[c].max(), 2 * frame[c].max() - frame[c].min()) + 1 for c in numeric(frame)
    }
    corrupted = in_own_rows(frame, numeric(frame), lambda c: 1, high.get)
    return corrupted, {(BETWEEN, column) for column in numeric(frame)}


def unknown_labels(frame: pd.DataFrame) -> Corruption:
    """A label value the data never had."""
    corrupted = frame.astype({LABEL: object})
    corrupted.loc[corrupted.index[:2], LABEL] = "never-seen-class"
    return corrupted, (
        {(LABELS, LABEL), (TYPE, LABEL)}
        if pd.api.types.is_numeric_dtype(frame[LABEL])
        else {(LABELS, LABEL)}
    )


def repeated_ids(frame: pd.DataFrame) -> Corruption:
    """Two rows under one id."""
    corrupted = frame.copy()
    corrupted.loc[corrupted.index[1], ID] = corrupted.loc[corrupted.index[0], ID]
    return corrupted, {(UNIQUE, ID)}


def too_few_rows(frame: pd.DataFrame) -> Corruption:
    """Fewer rows than a stratified split needs."""
    return frame.head(1), {(ROWS, None)}


def an_extra_column(frame: pd.DataFrame) -> Corruption:
    """A column the suite does not know."""
    return frame.assign(extra=1.0), {(COLUMNS, None)}


def missing_columns(frame: pd.DataFrame) -> Corruption:
    """Every feature column dropped: each of its checks fails, none is skipped."""
    dropped = measurements(frame)
    per_column = {(kind, column) for kind in (TYPE, NOT_NULL) for column in dropped}
    per_column |= {(BETWEEN, column) for column in numeric(frame)}
    return frame[[ID, LABEL]], {(COLUMNS, None)} | per_column


CORRUPTIONS = [
    wrong_types,
    nulls_beyond_the_share,
    nulls_within_the_share,
    below_the_range,
    above_the_range,
    unknown_labels,
    repeated_ids,
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


def unrunnable(frame: pd.DataFrame) -> dict:
    """A drift check GX cannot run: it reads a relative error as text, which its metrics refuse."""
    kwargs = {
        "column": numeric(frame)[0],
        "quantile_ranges": {"quantiles": [0.5], "value_ranges": [[None, None]]},
        "allow_relative_error": 0.01,
    }
    return {"type": QUARTILES, "kwargs": kwargs, "severity": "warning", "notes": "cannot run"}


@pytest.mark.parametrize("bad_data", [False, True], ids=["good_data", "bad_data"])
def test_a_check_that_cannot_run_stops_the_gate_whatever_its_severity(tmp_path, bad_data):
    frame = FRAMES["raw"]
    rows = {**GOOD, "kwargs": {"min_value": len(frame) + 1}} if bad_data else GOOD
    suite = write_suite(tmp_path, [rows, unrunnable(frame)])
    with pytest.raises(DataError if bad_data else SuiteError) as caught:
        validate.gate("raw", frame, suite, tmp_path / "reports")
    problems = caught.value.problems
    assert len(problems) == (2 if bad_data else 1)
    assert f'{QUARTILES} on column {numeric(frame)[0]!r}: observed "could not run: ' in problems[-1]
    assert "allow_relative_error" in problems[-1]
    summary = json.loads((tmp_path / "reports" / "raw.json").read_text(encoding="utf-8"))
    assert summary["success"] is False


def test_failed_warnings_alone_pass_the_gate_but_one_critical_failure_stops_it():
    failure = {"expectation": MEAN, "column": LABEL, "success": False, "observed": 0.9}
    warning, critical = {**failure, "severity": "warning"}, {**failure, "severity": "critical"}
    frame = FRAMES["raw"]
    assert validate.summarize("raw", frame, [warning, warning])["success"] is True
    assert validate.summarize("raw", frame, [warning, critical])["success"] is False


@pytest.mark.parametrize("gate", FRAMES)
def test_only_drift_checks_are_warnings_and_every_kind_is_tested(gate):
    entries = SPECS[gate]["expectations"]
    kinds = {(entry["type"], entry.get("severity", "critical")) for entry in entries}
    assert kinds <= {(kind, "critical") for kind in KINDS} | {
        (kind, "warning") for kind in DRIFT_KINDS
    }
    assert {COLUMNS, ROWS, NOT_NULL, LABELS, UNIQUE} <= {kind for kind, _ in kinds}


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
    frame = FRAMES["raw"].copy()
    if broken == "data":
        frame.loc[0, LABEL] = unseen_label(frame)
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


def drifted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The lower half of each column's values replaced by its maximum: still within its range,
    but mean and quartiles move."""
    frame = frame.copy()
    for column in columns:
        values = frame[column]
        frame.loc[values <= values.median(), column] = values.max()
    return frame


@pytest.mark.parametrize("gate", FRAMES)
def test_drift_is_a_warning_on_every_watched_column_and_never_stops_the_gate(gate):
    watched = drift_columns(gate)
    outcomes = validate.check(drifted(FRAMES[gate], watched), expectations(gate))
    failed = {(o["expectation"], o["column"], o["severity"]) for o in outcomes if not o["success"]}
    assert {column for _, column, _ in failed} == set(watched)
    assert {severity for _, _, severity in failed} == {"warning"}
    assert validate.summarize(gate, FRAMES[gate], outcomes)["success"] is True


def test_a_failing_gate_writes_its_report_and_names_each_failure(tmp_path):
    frame = FRAMES["raw"].copy()
    column = numeric(frame)[0]
    frame.loc[frame.index[3], column] = frame[column].min() - 1e6
    frame.loc[frame.index[7], LABEL] = unseen_label(frame)
    with pytest.raises(DataError) as caught:
        validate.gate("raw", frame, SUITES / "raw.json", tmp_path)
    problems = caught.value.problems
    assert any(
        line.startswith(f"raw: {LABELS} on column {LABEL!r}: observed")
        and str(unseen_label(FRAMES["raw"])) in line
        for line in problems
    )
    assert any(
        line.startswith(f"raw: {BETWEEN} on column {column!r}: observed") and "-" in line
        for line in problems
    )
    summary = json.loads((tmp_path / "raw.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    assert summary["failed"]["critical"] == len(problems) >= 2


class Report(HTMLParser):
    """A gate report read back: each ``h2`` section's title and the cells of its table's rows, and
    every attribute through which the page could load or link anything."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[list[str]]]] = []
        self.tags: list[str] = []
        self.links: list[tuple[str, str, str | None]] = []
        self.text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [(tag, name, value) for name, value in attrs if name in ("href", "src")]
        if tag == "h2":
            self.text = []
        elif tag == "tr" and self.sections:
            self.sections[-1][1].append([])
        elif tag == "td":
            self.text = []

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self.text is not None:
            self.sections.append(("".join(self.text), []))
        elif tag == "td" and self.text is not None:
            self.sections[-1][1][-1].append("".join(self.text))
        self.text = None if tag in ("h2", "td") else self.text

    def table(self, title: str) -> list[list[str]]:
        """The body rows of the section called ``title``."""
        return [row for name, rows in self.sections if name == title for row in rows if row]


NUMBER = r"-?\d[\d\u202f]*(?:\.\d+)?(?:e[-+]\d+)?"  # as the report writes one


def read_report(path: Path) -> Report:
    """A report written by ``validate.gate``."""
    return Report(path.read_text(encoding="utf-8"))


def shown(text: str) -> float:
    """A number as the report writes it (digit groups apart) as a float."""
    return float(text.replace("\u202f", ""))


def significant(text: str) -> int:
    """Significant digits of a decimal number as the report writes it."""
    return len(text.replace("\u202f", "").replace(".", "").lstrip("-0"))


def check_observed(kind: str, series: pd.Series | None, frame: pd.DataFrame, seen: str) -> None:
    """The observed cell of an expectation of ``kind`` says what ``frame`` holds."""
    if kind == BETWEEN:
        low, high = re.fullmatch(f"min ({NUMBER}), max ({NUMBER})", seen).groups()
        assert shown(low) == pytest.approx(series.min(), rel=1e-3, abs=1e-9), seen
        assert shown(high) == pytest.approx(series.max(), rel=1e-3, abs=1e-9), seen
    elif kind == NOT_NULL:
        missing = int(series.isna().sum())
        assert seen == "none missing" if not missing else seen.startswith(f"{missing} of "), seen
    elif kind == LABELS:
        assert seen.split(", ") == [str(value) for value in sorted(series.dropna().unique())]
    elif kind in TYPE_KINDS:
        assert seen in {str(series.dtype), "object"}, seen
    elif kind == ROWS:
        assert shown(seen.removesuffix(" rows")) == len(frame)
    elif kind == COLUMNS:
        assert seen.startswith(f"{len(frame.columns)} columns: {frame.columns[0]}, "), seen


@pytest.mark.parametrize("gate", FRAMES)
def test_the_report_documents_every_expectation_by_column_with_observed_values(gate, tmp_path):
    frame = FRAMES[gate]
    validate.gate(gate, frame, SUITES / f"{gate}.json", tmp_path)
    report = read_report(tmp_path / f"{gate}.html")
    entries = SPECS[gate]["expectations"]
    titles = [f"Column {e['kwargs']['column']}" for e in entries if "column" in e["kwargs"]]
    titles = list(dict.fromkeys(titles))
    columns = [title.removeprefix("Column ") for title in titles]
    assert [title for title, _ in report.sections] == ["Table", *titles]
    for title, column in [("Table", None), *zip(titles, columns)]:
        group = [entry for entry in entries if entry["kwargs"].get("column") == column]
        rows = report.table(title)
        assert [row[:3] for row in rows] == [
            [entry["type"], entry.get("severity", "critical"), "held"] for entry in group
        ]
        for entry, (_, _, _, seen, wanted, note) in zip(group, rows):
            assert note == entry["notes"] and wanted and seen
            assert not set(seen + wanted) & set('{}[]"'), (seen, wanted)  # never raw JSON
            assert all(significant(n) <= 4 for n in re.findall(r"-?\d+\.\d+", seen)), seen
            check_observed(entry["type"], frame.get(column), frame, seen)


def broken_raw() -> pd.DataFrame:
    """The raw table with one value far below its column's range and one unseen label."""
    frame = FRAMES["raw"].copy()
    column = numeric(frame)[0]
    frame.loc[frame.index[3], column] = frame[column].min() - 1e6
    frame.loc[frame.index[7], LABEL] = unseen_label(frame)
    return frame


def test_a_failing_report_lists_its_failures_first_with_observed_against_expected(tmp_path):
    frame = broken_raw()
    with pytest.raises(DataError):
        validate.gate("raw", frame, SUITES / "raw.json", tmp_path)
    summary = json.loads((tmp_path / "raw.json").read_text(encoding="utf-8"))
    report = read_report(tmp_path / "raw.html")
    assert [title for title, _ in report.sections][:2] == ["Failures", "Table"]
    rows = report.table("Failures")
    listed = [
        (expectation, None if column == "table" else column) for _, column, expectation, *_ in rows
    ]
    assert sorted(listed, key=str) == sorted(
        ((f["expectation"], f["column"]) for f in summary["failures"]), key=str
    )
    severities = [row[0] for row in rows]
    assert severities == sorted(severities, key=("critical", "warning", "info").index)
    ranges = [row for row in rows if row[2] == BETWEEN]
    column = numeric(frame)[0]
    assert [row[1] for row in ranges] == [column]
    low = re.match(f"min ({NUMBER}),", ranges[0][3]).group(1)
    assert shown(low) == pytest.approx(frame[column].min(), rel=1e-3)
    assert ranges[0][4].startswith("between ")
    labels = next(row for row in rows if row[2] == LABELS)
    assert labels[3].endswith(f"not in the set: {unseen_label(FRAMES['raw'])}")
    assert [row[2] for row in report.table(f"Column {column}") if row[0] == BETWEEN] == ["FAILED"]


def test_gate_outputs_are_deterministic_and_offline(tmp_path, capsys):
    watched = drift_columns("raw")
    frame = drifted(FRAMES["raw"], watched)
    first, second = tmp_path / "first", tmp_path / "second"
    validate.gate("raw", frame, SUITES / "raw.json", first)
    validate.gate("raw", frame, SUITES / "raw.json", second)
    for name in ("raw.json", "raw.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    html = (first / "raw.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html and "<img" not in html
    report = Report(html)
    assert report.links == [] and set(report.tags).isdisjoint({"script", "link", "img", "iframe"})
    assert report.sections[0][0] == "Failures" and "url(" not in html and "@import" not in html
    printed = capsys.readouterr().out
    assert all(f"on column {column!r}" in printed for column in watched)
    summary = (first / "raw.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in summary and "time" not in summary


@pytest.mark.parametrize("gate", FRAMES)
def test_the_project_data_passes_every_check(gate):
    assert failures(gate, FRAMES[gate]) == {"critical": set(), "warning": set()}


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda corrupt: corrupt.__name__)
@pytest.mark.parametrize("gate", FRAMES)
def test_each_corruption_fails_exactly_its_checks_on_every_column(gate, corrupt):
    frame, expected = corrupt(FRAMES[gate])
    assert failures(gate, frame)["critical"] == expected


@pytest.mark.skipif(
    PARAMS.data.source == "file", reason="the suites describe your file, not the synthetic source"
)
@settings(max_examples=3, deadline=None)
@given(n_rows=st.integers(min_value=10, max_value=3000), seed=st.integers(0, 2**32 - 1))
def test_synthetic_frames_of_any_size_meet_the_contract(params, n_rows, seed):
    frame = ingest.with_ids(ingest.synthetic(n_rows, seed), params.data, "synthetic")
    assert failures("raw", frame)["critical"] == set()
    features = featurize(frame, params.featurize, params.data)
    assert failures("features", features)["critical"] == set()
