"""The compare tool: identical runs agree, tolerated noise is graded, real differences and missing
legs fail, NaN never passes silently, and the report names what differs in the environment."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import compare
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Paths
from {{ cookiecutter.package_name }}.errors import DataError, ParamsError

ROOT = Path(__file__).resolve().parents[1]
POLICY = compare.load_policy(ROOT / "tolerance.yaml")
EXACT = [name for name, rule in POLICY.items() if rule.check == "exact"]
METRIC_NAMES = ["accuracy", "f1", "roc_auc", "log_loss"]
RUNS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scores = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)
metrics_documents = st.fixed_dictionaries(
    {
        "model": st.fixed_dictionaries({name: scores for name in METRIC_NAMES}),
        "baseline": st.fixed_dictionaries({name: scores for name in METRIC_NAMES}),
        "n_test": st.integers(min_value=1, max_value=10_000),
    }
)
label_lists = st.lists(st.integers(min_value=0, max_value=1), min_size=100, max_size=300)


def make_run(
    folder: Path, metrics: dict, labels: list[int], environment: dict | None = None
) -> Path:
    """A run folder as ``collect`` writes it."""
    folder.mkdir(parents=True)
    outputs = {name: f"md5-of-{name}" for name in EXACT}
    manifest = {"outputs": outputs, "variables": {"OMP_NUM_THREADS": "1"}, **(environment or {})}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "reports").mkdir()
    (folder / "reports" / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    details = {"n_test": len(labels), **metrics}
    (folder / "reports" / "scores.json").write_text(json.dumps(details), encoding="utf-8")
    rows = "".join(f"{row},{label},{label},0.5\n" for row, label in enumerate(labels))
    (folder / "reports" / "predictions.csv").write_text(
        "row,actual,predicted,probability\n" + rows, encoding="utf-8"
    )
    return folder


def verdict_of(report: dict, output: str, leg: str = "other") -> str:
    """The verdict of one output for one leg."""
    return report["outputs"][output][leg]["verdict"]


@RUNS
@given(metrics=metrics_documents, labels=label_lists)
def test_identical_runs_are_identical(tmp_path_factory, metrics, labels):
    root = tmp_path_factory.mktemp("runs")
    runs = [make_run(root / name, metrics, labels) for name in ("reference", "other")]
    report = compare.compare(runs, POLICY)
    assert report["verdict"] == "identical"
    assert report["environment_differences"] == {}


@RUNS
@given(
    metrics=metrics_documents,
    labels=label_lists,
    name=st.sampled_from(METRIC_NAMES),
    change=st.floats(min_value=1e-4, max_value=0.5),
)
def test_a_metric_beyond_tolerance_differs(tmp_path_factory, metrics, labels, name, change):
    root = tmp_path_factory.mktemp("runs")
    reference = make_run(root / "reference", metrics, labels)
    changed = json.loads(json.dumps(metrics))
    changed["model"][name] *= 1 + change
    report = compare.compare([reference, make_run(root / "other", changed, labels)], POLICY)
    assert verdict_of(report, "reports/metrics.json") == "differs"
    assert f"model.{name}" in report["outputs"]["reports/metrics.json"]["other"]["detail"]
    assert report["verdict"] == "differs"


@RUNS
@given(
    metrics=metrics_documents,
    labels=label_lists,
    name=st.sampled_from(METRIC_NAMES),
    change=st.floats(min_value=1e-12, max_value=1e-8),
)
def test_a_metric_within_tolerance_is_graded_so(tmp_path_factory, metrics, labels, name, change):
    changed = json.loads(json.dumps(metrics))
    changed["model"][name] *= 1 + change
    assume(changed["model"][name] != metrics["model"][name])
    root = tmp_path_factory.mktemp("runs")
    reference = make_run(root / "reference", metrics, labels)
    report = compare.compare([reference, make_run(root / "other", changed, labels)], POLICY)
    assert verdict_of(report, "reports/metrics.json") == "within tolerance"
    assert report["verdict"] == "within tolerance"


@RUNS
@given(labels=label_lists, flips=st.integers(min_value=1, max_value=30))
def test_label_agreement_is_graded_against_the_policy(tmp_path_factory, labels, flips):
    flips = min(flips, len(labels))
    changed = [1 - label if row < flips else label for row, label in enumerate(labels)]
    root = tmp_path_factory.mktemp("runs")
    metrics = {"model": {}, "baseline": {}, "n_test": len(labels)}
    reference = make_run(root / "reference", metrics, labels)
    report = compare.compare([reference, make_run(root / "other", metrics, changed)], POLICY)
    agreement = 1 - flips / len(labels)
    required = POLICY["reports/predictions.csv"].min_agreement
    expected = "within tolerance" if agreement >= required else "differs"
    assert verdict_of(report, "reports/predictions.csv") == expected


@pytest.mark.parametrize(
    ("damage", "output"),
    [
        (lambda run: (run / "reports" / "predictions.csv").unlink(), "reports/predictions.csv"),
        (lambda run: (run / "reports" / "metrics.json").unlink(), "reports/metrics.json"),
        (lambda run: (run / "manifest.json").unlink(), EXACT[0]),
    ],
    ids=["predictions", "metrics", "manifest"],
)
def test_missing_outputs_are_missing_never_agreeing(tmp_path, damage, output):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    other = make_run(tmp_path / "other", metrics, [0, 1, 1])
    damage(other)
    report = compare.compare([reference, other], POLICY)
    assert verdict_of(report, output) == "missing"
    assert report["verdict"] == "missing"


def test_a_leg_that_never_ran_is_missing(tmp_path):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    report = compare.compare([reference, tmp_path / "other"], POLICY)
    assert {cells["other"]["verdict"] for cells in report["outputs"].values()} == {"missing"}


def test_a_single_run_is_refused_in_one_line(tmp_path, capsys):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    assert main(["--root", str(ROOT), "compare", str(reference)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: compare: a comparison needs at least two runs (got 1)\n"


@pytest.mark.parametrize("both", [True, False], ids=["nan-in-both", "nan-in-one"])
def test_nan_never_compares_equal(tmp_path, both):
    metrics = {"model": {"f1": math.nan}, "baseline": {"f1": 0.1}, "n_test": 3}
    finite = {"model": {"f1": 0.5}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    other = make_run(tmp_path / "other", metrics if both else finite, [0, 1, 1])
    report = compare.compare([reference, other], POLICY)
    assert verdict_of(report, "reports/metrics.json") == "differs"
    assert "NaN" in report["outputs"]["reports/metrics.json"]["other"]["detail"]


def test_a_different_data_hash_differs(tmp_path):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    other = make_run(tmp_path / "other", metrics, [0, 1, 1])
    manifest = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["data/split/split.csv"] = "another-md5"
    (other / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert (
        verdict_of(compare.compare([reference, other], POLICY), "data/split/split.csv") == "differs"
    )


def test_the_report_names_environment_fields_that_differ(tmp_path, capsys):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    changed = {"model": {"f1": 0.8}, "baseline": {"f1": 0.1}, "n_test": 3}
    threads = {"variables": {"OMP_NUM_THREADS": "2"}, "python": {"version": "3.13.0"}}
    other = make_run(tmp_path / "other", changed, [0, 1, 1], threads)
    report_file = tmp_path / "report.json"
    code = main(
        ["--root", str(ROOT), "compare", str(reference), str(other), "--json", str(report_file)]
    )
    assert code == 1
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["environment_differences"]["variables.OMP_NUM_THREADS"] == {
        "reference": "1",
        "other": "2",
    }
    assert "python.version" in report["environment_differences"]
    printed = capsys.readouterr().out
    assert "DIFFERS" in printed and "`variables.OMP_NUM_THREADS`" in printed


def test_agreeing_runs_exit_zero_and_append_to_the_summary(tmp_path):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    runs = [str(make_run(tmp_path / name, metrics, [0, 1, 1])) for name in ("a", "b")]
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    assert main(["--root", str(ROOT), "compare", *runs, "--markdown", str(summary)]) == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "IDENTICAL" in text


def test_repeated_run_names_are_refused(tmp_path):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    first = make_run(tmp_path / "a" / "out", metrics, [0, 1, 1])
    second = make_run(tmp_path / "b" / "out", metrics, [0, 1, 1])
    with pytest.raises(ParamsError, match="distinct names"):
        compare.compare([first, second], POLICY)


def test_repeated_prediction_keys_differ(tmp_path):
    metrics = {"model": {"f1": 0.9}, "baseline": {"f1": 0.1}, "n_test": 3}
    reference = make_run(tmp_path / "reference", metrics, [0, 1, 1])
    other = make_run(tmp_path / "other", metrics, [0, 1, 1])
    predictions = other / "reports" / "predictions.csv"
    predictions.write_text(predictions.read_text() + "0,0,0,0.5\n", encoding="utf-8")
    report = compare.compare([reference, other], POLICY)
    assert verdict_of(report, "reports/predictions.csv") == "differs"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("outputs: {}\n", "outputs: Dictionary should have at least 1 item"),
        ("outputs:\n  a.json: {check: numbers, rtol: -1}\n", "outputs.a.json.rtol"),
        ("outputs:\n  a.json: {check: numbers, rtoll: 1.0e-3}\n", "outputs.a.json.rtoll"),
        ("outputs:\n  a.csv: {check: labels}\n", "needs column and min_agreement"),
        ("outputs:\n  a.csv: {check: similar}\n", "outputs.a.csv.check"),
    ],
)
def test_a_bad_policy_is_refused_one_line_per_problem(tmp_path, text, message):
    path = tmp_path / "tolerance.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        compare.load_policy(path)
    assert len(caught.value.problems) == 1 and message in caught.value.problems[0]


def test_scientific_notation_without_a_dot_is_a_number(tmp_path):
    path = tmp_path / "tolerance.yaml"
    path.write_text("outputs:\n  a.json: {check: numbers, rtol: 1e-3}\n", encoding="utf-8")
    assert compare.load_policy(path)["a.json"].rtol == 1e-3


@pytest.fixture(name="finished_run")
def fixture_finished_run(tmp_path: Path) -> Paths:
    """A project folder whose outputs match its manifest, as after ``dvc repro``."""
    paths = Paths(tmp_path / "project")
    recorded = {}
    for name in POLICY:
        (paths / name).parent.mkdir(parents=True, exist_ok=True)
        (paths / name).write_text(f"content of {name}\n", encoding="utf-8")
        recorded[name] = compare.md5_of(paths / name)
    paths.manifest.write_text(json.dumps({"outputs": recorded}), encoding="utf-8")
    return paths


def test_collect_copies_the_manifest_and_content_compared_outputs(finished_run, tmp_path):
    compare.collect(finished_run, tmp_path / "leg", POLICY)
    leg = tmp_path / "leg"
    copied = {path.relative_to(leg).as_posix() for path in leg.rglob("*") if path.is_file()}
    expected = {"manifest.json"} | {name for name, rule in POLICY.items() if rule.check != "exact"}
    assert copied == expected


def test_collect_refuses_outputs_the_manifest_does_not_describe(finished_run, tmp_path):
    (finished_run / EXACT[0]).write_text("edited after the run\n", encoding="utf-8")
    with pytest.raises(DataError, match="differs from the manifest's record"):
        compare.collect(finished_run, tmp_path / "leg", POLICY)


def test_collect_refuses_a_folder_that_is_not_empty(finished_run, tmp_path):
    (tmp_path / "leg").mkdir()
    (tmp_path / "leg" / "old.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="not empty"):
        compare.collect(finished_run, tmp_path / "leg", POLICY)
