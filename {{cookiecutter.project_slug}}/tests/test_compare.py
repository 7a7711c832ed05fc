"""The compare tool: identical runs are identical; last-bit float noise is equivalent, and the
report says where and by how much; anything beyond the tolerance, a changed split or a changed
label is different; a missing leg or output is missing, never agreeing; NaN never agrees; and the
report names what differs in the environment."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import compare
from {{ cookiecutter.package_name }}.artifacts import write_csv, write_json
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import Paths, load_params
from {{ cookiecutter.package_name }}.errors import DataError, ParamsError

ROOT = Path(__file__).resolve().parents[1]
POLICY = compare.load_policy(ROOT / "tolerance.yaml")
EXACT = [name for name, check in POLICY.outputs.items() if check == "exact"]
FEATURES, PREDICTIONS = "data/features/features.csv", "reports/predictions.csv"
METRICS, SCORES = "reports/metrics.json", "reports/scores.json"
CANDIDATES, SELECTION = "reports/tuning/candidates.csv", "reports/tuning/selection.json"
RUNS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tables(seed: int = 0) -> dict[str, pd.DataFrame]:
    """A features table and predictions shaped like the pipeline's."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(
        {
            "log1p_area": np.log1p(rng.uniform(100, 2500, 60)),
            "texture": rng.normal(19, 4, 60).round(2),
            "target": rng.integers(0, 2, 60),
        }
    )
    probability = rng.uniform(0, 1, 15)
    predictions = pd.DataFrame(
        {
            "row": np.arange(45, 60),
            "actual": features["target"].iloc[45:].to_numpy(),
            "predicted": (probability >= 0.5).astype("int64"),
            "probability": probability,
        }
    )
    candidates = pd.DataFrame(
        {
            "rank": [1, 2],
            "family": ["logistic_regression", "random_forest"],
            "params": ['{"C": 1.0}', '{"max_depth": null}'],
            "fold_1": rng.uniform(0.8, 1, 2),
            "mean": [0.95, 0.94],
        }
    )
    return {FEATURES: features, PREDICTIONS: predictions, CANDIDATES: candidates}


def scores(seed: int = 0) -> dict:
    """Metrics and scores documents shaped like the pipeline's."""
    rng = np.random.default_rng(seed + 1)
    model = {name: float(rng.uniform(0.8, 1)) for name in ("accuracy", "f1", "roc_auc")}
    baseline = {name: float(rng.uniform(0, 0.6)) for name in model}
    return {
        METRICS: {"model": model, "baseline": baseline},
        SCORES: {"model": model, "baseline": baseline, "n_test": 15, "threshold": 0.5},
        SELECTION: {"family": "logistic_regression", "params": {"C": 1.0}, "score": {"mean": 0.95}},
    }


def shared(**changes: object) -> dict:
    """An engine-neutral summary as ``collect`` writes it: row digests and gate verdicts."""
    gate = {"dataset": "raw", "success": True, "rows": 60, "expectations": 9, "failed": 0}
    summary = {
        "rows": {
            "data/raw/dataset": "1a",
            "data/features/features": "2b",
            "data/split/split": "3c",
        },
        "gates": {
            "reports/validation/raw.json": gate,
            "reports/validation/features.json": {**gate, "dataset": "features"},
        },
    }
    for dotted, value in changes.items():
        kind, name = dotted.split("__", 1)
        summary[kind][name.replace("__", ".")] = value
    return summary


def make_run(
    folder: Path,
    changes: dict | None = None,
    environment: dict | None = None,
    engine: str = "pandas",
    neutral: dict | None = None,
) -> Path:
    """A run folder as ``collect`` writes it; ``changes`` replaces whole outputs (or hashes)."""
    contents = {**tables(), **scores(), **(changes or {})}
    hashes = {name: contents.get(name, f"md5-of-{name}") for name in EXACT}
    manifest = {"outputs": hashes, "variables": {"OMP_NUM_THREADS": "1"}, **(environment or {})}
    manifest["params"] = {"engine": engine}
    write_json(manifest, folder / compare.MANIFEST)
    write_json(neutral or shared(), folder / compare.NEUTRAL)
    for name, content in contents.items():
        if name in EXACT:
            continue
        if isinstance(content, pd.DataFrame):
            write_csv(content, folder / name)
        else:
            (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


def nudged(frame: pd.DataFrame, column: str, steps: int) -> pd.DataFrame:
    """``frame`` with every value of ``column`` moved by ``steps`` floating-point steps."""
    values = frame[column].to_numpy()
    for _ in range(steps):
        values = np.nextafter(values, np.inf)
    return frame.assign(**{column: values})


def cell(report: dict, output: str, leg: str = "other") -> dict:
    """The verdict and detail of one output for one leg."""
    return report["outputs"][output][leg]


def test_identical_runs_are_identical(tmp_path):
    runs = [make_run(tmp_path / name) for name in ("reference", "other")]
    report = compare.compare(runs, POLICY)
    assert report["verdict"] == "identical"
    assert {cell(report, name)["verdict"] for name in POLICY.outputs} == {"identical"}
    assert report["environment_differences"] == {}


@pytest.mark.parametrize(
    ("output", "column"), [(FEATURES, "log1p_area"), (PREDICTIONS, "probability")]
)
def test_last_bit_differences_are_equivalent_and_located(tmp_path, output, column):
    reference = make_run(tmp_path / "reference")
    changed = nudged(tables()[output], column, 2)
    report = compare.compare([reference, make_run(tmp_path / "other", {output: changed})], POLICY)
    assert report["verdict"] == "equivalent"
    assert cell(report, output)["verdict"] == "equivalent"
    detail = cell(report, output)["detail"]
    assert f"column {column!r}" in detail and "largest difference" in detail, detail
    largest = (changed[column] - tables()[output][column]).abs().max()
    assert f"{largest:.3g}" in detail
    assert main(["--root", str(ROOT), "compare", str(reference), str(tmp_path / "other")]) == 0


@pytest.mark.parametrize(
    ("output", "column"), [(FEATURES, "log1p_area"), (PREDICTIONS, "probability")]
)
def test_float_differences_beyond_the_tolerance_are_different(tmp_path, output, column):
    frame = tables()[output].copy()
    frame.loc[frame.index[3], column] *= 1 + 1e-6
    reference = make_run(tmp_path / "reference")
    report = compare.compare([reference, make_run(tmp_path / "other", {output: frame})], POLICY)
    assert report["verdict"] == "different"
    assert f"column {column!r} row 3" in cell(report, output)["detail"]


@pytest.mark.parametrize(
    ("output", "column"), [(FEATURES, "target"), (PREDICTIONS, "predicted"), (PREDICTIONS, "row")]
)
def test_integer_and_label_columns_must_be_equal(tmp_path, output, column):
    frame = tables()[output].copy()
    frame.loc[frame.index[0], column] += 1
    reference = make_run(tmp_path / "reference")
    report = compare.compare([reference, make_run(tmp_path / "other", {output: frame})], POLICY)
    assert cell(report, output)["verdict"] == "different"
    assert f"column {column!r} row 0" in cell(report, output)["detail"]


def test_a_changed_split_is_always_different(tmp_path):
    reference = make_run(tmp_path / "reference")
    other = make_run(tmp_path / "other", {"data/split/split.csv": "another-md5"})
    report = compare.compare([reference, other], POLICY)
    assert cell(report, "data/split/split.csv") == {
        "verdict": "different",
        "detail": "hash differs",
    }
    assert report["verdict"] == "different"


@RUNS
@given(
    path=st.sampled_from([("model", "accuracy"), ("baseline", "roc_auc"), ("model", "f1")]),
    steps=st.integers(min_value=1, max_value=50),
)
def test_metrics_within_the_tolerance_are_equivalent(tmp_path_factory, path, steps):
    documents = scores()
    value = documents[METRICS][path[0]][path[1]]
    for _ in range(steps):
        value = math.nextafter(value, math.inf)
    changed = json.loads(json.dumps(documents[METRICS]))
    changed[path[0]][path[1]] = value
    root = tmp_path_factory.mktemp("runs")
    reference = make_run(root / "reference")
    report = compare.compare([reference, make_run(root / "other", {METRICS: changed})], POLICY)
    assert cell(report, METRICS)["verdict"] == "equivalent"
    assert ".".join(path) in cell(report, METRICS)["detail"]


@RUNS
@given(
    path=st.sampled_from([("model", "accuracy"), ("baseline", "roc_auc"), ("model", "f1")]),
    change=st.floats(min_value=1e-7, max_value=0.5),
)
def test_metrics_beyond_the_tolerance_are_different(tmp_path_factory, path, change):
    changed = json.loads(json.dumps(scores()[METRICS]))
    changed[path[0]][path[1]] *= 1 + change
    root = tmp_path_factory.mktemp("runs")
    reference = make_run(root / "reference")
    report = compare.compare([reference, make_run(root / "other", {METRICS: changed})], POLICY)
    assert cell(report, METRICS)["verdict"] == "different"
    assert ".".join(path) in cell(report, METRICS)["detail"]


def test_a_count_in_the_scores_must_be_equal(tmp_path):
    changed = {**scores()[SCORES], "n_test": 16}
    reference = make_run(tmp_path / "reference")
    report = compare.compare([reference, make_run(tmp_path / "other", {SCORES: changed})], POLICY)
    assert cell(report, SCORES) == {"verdict": "different", "detail": "n_test: 15 vs 16"}


@pytest.mark.parametrize("both", [True, False], ids=["nan-in-both", "nan-in-one"])
def test_nan_never_agrees(tmp_path, both):
    with_nan = {"model": {"f1": math.nan}, "baseline": {"f1": 0.1}}
    finite = {"model": {"f1": 0.5}, "baseline": {"f1": 0.1}}
    reference = make_run(tmp_path / "reference", {METRICS: with_nan})
    other = make_run(tmp_path / "other", {METRICS: with_nan if both else finite})
    report = compare.compare([reference, other], POLICY)
    assert cell(report, METRICS)["verdict"] == "different"
    assert "NaN" in cell(report, METRICS)["detail"]


def test_missing_cells_must_be_missing_in_the_same_places(tmp_path):
    frame = tables()[FEATURES].copy()
    frame.loc[5, "texture"] = np.nan
    reference = make_run(tmp_path / "reference", {FEATURES: frame})
    assert (
        compare.compare([reference, make_run(tmp_path / "same", {FEATURES: frame})], POLICY)[
            "verdict"
        ]
        == "identical"
    )
    report = compare.compare([reference, make_run(tmp_path / "other")], POLICY)
    assert cell(report, FEATURES) == {
        "verdict": "different",
        "detail": "column 'texture' row 5: missing in one run only",
    }


@pytest.mark.parametrize(
    ("damage", "output"),
    [
        (lambda run: (run / PREDICTIONS).unlink(), PREDICTIONS),
        (lambda run: (run / METRICS).unlink(), METRICS),
        (lambda run: (run / compare.MANIFEST).unlink(), EXACT[0]),
    ],
    ids=["predictions", "metrics", "manifest"],
)
def test_missing_outputs_are_missing_never_agreeing(tmp_path, damage, output):
    reference = make_run(tmp_path / "reference")
    other = make_run(tmp_path / "other")
    damage(other)
    report = compare.compare([reference, other], POLICY)
    assert cell(report, output)["verdict"] == "missing"
    assert report["verdict"] == "missing"


def test_a_leg_that_never_ran_is_missing(tmp_path):
    reference = make_run(tmp_path / "reference")
    report = compare.compare([reference, tmp_path / "other"], POLICY)
    assert {cells["other"]["verdict"] for cells in report["outputs"].values()} == {"missing"}


def test_a_single_run_is_refused_in_one_line(tmp_path, capsys):
    reference = make_run(tmp_path / "reference")
    assert main(["--root", str(ROOT), "compare", str(reference)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: compare: a comparison needs at least two runs (got 1)\n"


def test_repeated_run_names_are_refused(tmp_path):
    first, second = make_run(tmp_path / "a" / "out"), make_run(tmp_path / "b" / "out")
    with pytest.raises(ParamsError, match="distinct names"):
        compare.compare([first, second], POLICY)


def test_the_report_names_environment_fields_that_differ(tmp_path, capsys):
    reference = make_run(tmp_path / "reference")
    environment = {"variables": {"OMP_NUM_THREADS": "2"}, "python": {"version": "3.13.0"}}
    changed = {METRICS: {"model": {"f1": 0.8}, "baseline": {"f1": 0.1}}}
    other = make_run(tmp_path / "other", changed, environment)
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
    assert "DIFFERENT" in printed and "`variables.OMP_NUM_THREADS`" in printed


def test_agreeing_runs_exit_zero_and_append_to_the_summary(tmp_path):
    runs = [str(make_run(tmp_path / name)) for name in ("a", "b")]
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    assert main(["--root", str(ROOT), "compare", *runs, "--markdown", str(summary)]) == 0
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "IDENTICAL" in text


ENGINES = "engines: {floats: {rtol: 0, atol: 0.1}, outputs: [a.json]}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("floats: {rtol: 0, atol: 0}\noutputs: {}\n", "outputs: Dictionary should have at least"),
        ("floats: {rtol: -1, atol: 0}\noutputs: {a.json: numbers}\n", "floats.rtol"),
        ("floats: {rtol: 0.1, atol: 0}\noutputs: {a.json: numbers}\n", "floats.rtol"),
        ("floats: {rtol: 0, atol: 0, rtoll: 0}\noutputs: {a.json: numbers}\n", "floats.rtoll"),
        ("floats: {rtol: 0, atol: 0}\noutputs: {a.csv: similar}\n", "outputs.a.csv"),
        ("outputs: {a.json: numbers}\n", "floats: required key is missing"),
        (
            "floats: {rtol: 0, atol: 0}\noutputs: {a.json: numbers}\n"
            "engines: {floats: {rtol: 0, atol: 0.9}, outputs: [a.json]}\n",
            "engines.floats.atol",
        ),
    ],
)
def test_a_bad_policy_is_refused_one_line_per_problem(tmp_path, text, message):
    path = tmp_path / "tolerance.yaml"
    path.write_text(text if "engines" in text else text + ENGINES, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        compare.load_policy(path)
    assert len(caught.value.problems) == 1 and message in caught.value.problems[0], caught.value


ROWS = pd.DataFrame({"row_id": ["b", "a", "c"], "size": [2.5, 1.0, 3.25], "target": [1, 0, 1]})
SUMMARY = {"dataset": "raw", "success": True, "rows": 3, "failures": [{"observed": "int64"}]}


@pytest.fixture(name="finished_run")
def fixture_finished_run(tmp_path: Path) -> Paths:
    """A project folder whose outputs match its manifest, as after ``dvc repro``."""
    paths = Paths(tmp_path / "project")
    paths.root.mkdir()
    paths.params.write_text((ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    content = {
        paths.raw: ROWS,
        paths.features: ROWS,
        paths.split: ROWS[["row_id"]].assign(subset=["train", "test", "train"]),
    }
    recorded = {}
    for name in POLICY.outputs:
        (paths / name).parent.mkdir(parents=True, exist_ok=True)
        if paths / name in content:
            write_csv(content[paths / name], paths / name)
        elif name.startswith("reports/validation/"):
            write_json(SUMMARY, paths / name)
        else:
            (paths / name).write_text(f"content of {name}\n", encoding="utf-8")
        recorded[name] = compare.md5_of(paths / name)
    paths.manifest.write_text(json.dumps({"outputs": recorded}), encoding="utf-8")
    return paths


def test_collect_copies_the_manifest_and_content_compared_outputs(finished_run, tmp_path):
    compare.collect(finished_run, tmp_path / "leg", POLICY)
    leg = tmp_path / "leg"
    copied = {path.relative_to(leg).as_posix() for path in leg.rglob("*") if path.is_file()}
    by_content = {name for name, check in POLICY.outputs.items() if check != "exact"}
    assert copied == {"manifest.json", compare.NEUTRAL} | by_content


def test_collect_writes_rows_and_verdicts_the_same_for_csv_and_parquet_parts(
    finished_run, tmp_path
):
    compare.collect(finished_run, tmp_path / "leg", POLICY)
    summary = json.loads((tmp_path / "leg" / compare.NEUTRAL).read_text(encoding="utf-8"))
    assert summary["gates"]["reports/validation/raw.json"] == {
        key: value for key, value in SUMMARY.items() if key != "failures"
    }
    data = load_params(finished_run.params).data
    folder = tmp_path / "dataset.parquet"
    folder.mkdir()
    for part, rows in enumerate((ROWS.iloc[[2]], ROWS.iloc[[1, 0]])):  # other order, other parts
        rows.astype({"target": "int32"}).to_parquet(folder / f"part-{part:05d}.parquet")
    assert compare.rows_digest(folder, data) == summary["rows"]["data/raw/dataset"]
    changed = ROWS.assign(size=[2.5, 1.0, 3.5])
    changed.to_parquet(folder / "part-00000.parquet")
    (folder / "part-00001.parquet").unlink()
    assert compare.rows_digest(folder, data) != summary["rows"]["data/raw/dataset"]


def test_a_spark_run_agrees_on_rows_and_verdicts_and_metrics_within_the_engine_tolerance(
    tmp_path, capsys
):
    reference = make_run(tmp_path / "pandas")
    metrics = json.loads(json.dumps(scores()[METRICS]))
    metrics["model"]["f1"] += 0.01  # another library's fit
    other = make_run(
        tmp_path / "spark",
        {METRICS: metrics, PREDICTIONS: tables(seed=5)[PREDICTIONS]},
        engine="spark",
    )
    report = compare.compare([reference, other], POLICY)
    assert report["verdict"] == "equivalent", report
    assert cell(report, METRICS, "spark")["verdict"] == "equivalent"
    assert cell(report, "data/split/split (rows)", "spark")["verdict"] == "identical"
    assert cell(report, "reports/validation/raw.json (verdict)", "spark")["verdict"] == "identical"
    assert PREDICTIONS not in report["outputs"] and FEATURES not in report["outputs"]
    assert main(["--root", str(ROOT), "compare", str(reference), str(other)]) == 0
    assert "On the other engine (`spark`" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changes", "neutral", "output", "detail"),
    [
        ({METRICS: {"model": {"f1": 0.2}}}, {}, METRICS, "keys differ"),
        ({}, {"rows__data/split/split": "9z"}, "data/split/split (rows)", "rows differ"),
        (
            {},
            {"gates__reports/validation/raw.json": {"success": False, "rows": 60}},
            "reports/validation/raw.json (verdict)",
            "success: True vs False",
        ),
    ],
)
def test_a_spark_run_with_other_rows_verdicts_or_metrics_is_different(
    tmp_path, changes, neutral, output, detail
):
    reference = make_run(tmp_path / "pandas")
    other = make_run(tmp_path / "spark", changes, engine="spark", neutral=shared(**neutral))
    report = compare.compare([reference, other], POLICY)
    assert report["verdict"] == "different"
    assert cell(report, output, "spark")["verdict"] == "different"
    assert detail in cell(report, output, "spark")["detail"]


def test_metrics_beyond_the_engine_tolerance_are_different(tmp_path):
    metrics = json.loads(json.dumps(scores()[METRICS]))
    metrics["model"]["roc_auc"] -= POLICY.engines.floats.atol * 1.5
    reference = make_run(tmp_path / "pandas")
    other = make_run(tmp_path / "spark", {METRICS: metrics}, engine="spark")
    assert cell(compare.compare([reference, other], POLICY), METRICS, "spark")["verdict"] == (
        "different"
    )


def test_collect_refuses_outputs_the_manifest_does_not_describe(finished_run, tmp_path):
    (finished_run / EXACT[0]).write_text("edited after the run\n", encoding="utf-8")
    with pytest.raises(DataError, match="differs from the manifest's record"):
        compare.collect(finished_run, tmp_path / "leg", POLICY)


def test_collect_refuses_a_folder_that_is_not_empty(finished_run, tmp_path):
    (tmp_path / "leg").mkdir()
    (tmp_path / "leg" / "old.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="not empty"):
        compare.collect(finished_run, tmp_path / "leg", POLICY)
