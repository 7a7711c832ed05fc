"""The whole pipeline through ``dvc repro``: quality floors, a regression reference, byte-identical
reruns. Runs in a temporary copy (see ``conftest.py``); mark ``pipeline``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.config import Paths
from tests.runs import changed, dvc, output_hashes, pipeline_stages, project_command
from tests.stages import raw_table

# One worker runs these in order and shares one pipeline run (see pytest-xdist's --dist loadgroup).
pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("pipeline")]
REFERENCE = Path(__file__).parent / "reference"
# Regression tolerance for the model's scores: about one flipped prediction in a hundred test
# rows. The baseline ignores the features, so its scores must match exactly. After an intended
# change, `make reference` accepts the new scores.
TOLERANCE = 0.01


def metrics(run: Paths) -> dict:
    """The metrics file the run wrote."""
    return json.loads(run.metrics.read_text(encoding="utf-8"))


def test_model_beats_the_baseline_on_every_headline_score(pipeline_run):
    result = metrics(pipeline_run)
    selection = json.loads(pipeline_run.selection.read_text(encoding="utf-8"))
    cross_validated = f"cv_{selection['metric']}"
    assert result["model"].keys() == {*result["baseline"], cross_validated}
    for name, value in result["baseline"].items():
        assert value < result["model"][name], name
    assert selection["baseline"]["mean"] < result["model"][cross_validated]
    assert result["model"][cross_validated] == selection["score"]["mean"]


@pytest.mark.parametrize("name", ["metrics.json", "scores.json"])
def test_scores_match_the_reference(pipeline_run, name):
    reference = json.loads((REFERENCE / name).read_text(encoding="utf-8"))
    result = json.loads((pipeline_run.root / "reports" / name).read_text(encoding="utf-8"))
    assert result.keys() == reference.keys()
    assert result["baseline"] == reference["baseline"]
    assert {key: result[key] for key in result if key not in ("model", "baseline")} == {
        key: reference[key] for key in reference if key not in ("model", "baseline")
    }
    model, expected_model = leaves(result["model"]), leaves(reference["model"])
    assert model.keys() == expected_model.keys()
    for score, expected in expected_model.items():
        assert model[score] == pytest.approx(expected, abs=TOLERANCE), score


def leaves(scores: dict, prefix: str = "") -> dict:
    """Every number in nested scores by dotted path (``per_class.<class>.recall``)."""
    flat = {}
    for key, value in scores.items():
        if isinstance(value, dict):
            flat.update(leaves(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_pipeline_writes_every_declared_output(pipeline_run):
    hashes = output_hashes(pipeline_run.root)
    for path in (pipeline_run.raw, pipeline_run.split, pipeline_run.model, pipeline_run.metrics):
        assert path.relative_to(pipeline_run.root).as_posix() in hashes


def test_nothing_to_do_after_a_run(pipeline_run):
    status = dvc(pipeline_run.root, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {}


def test_reproduce_reruns_every_stage_byte_identically_and_collects_the_run(pipeline_run, tmp_path):
    before = output_hashes(pipeline_run.root)
    leg = tmp_path / "leg"
    rerun = project_command(pipeline_run.root, "reproduce", str(leg))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert rerun.stdout.count("Running stage") == len(pipeline_stages(pipeline_run.root))
    assert changed(before, output_hashes(pipeline_run.root)) == []
    collected = {path.relative_to(leg).as_posix() for path in leg.rglob("*") if path.is_file()}
    assert {"manifest.json", "reports/metrics.json", "data/features/features.csv"} <= collected


def test_the_rerun_check_catches_a_changed_or_missing_output(pipeline_run):
    before = output_hashes(pipeline_run.root)
    original = pipeline_run.predictions.read_bytes()
    try:
        pipeline_run.predictions.write_bytes(original.replace(b"\n", b"\r\n", 1))
        assert changed(before, output_hashes(pipeline_run.root)) == ["reports/predictions.csv"]
        pipeline_run.predictions.unlink()
        assert changed(before, output_hashes(pipeline_run.root)) == ["reports/predictions.csv"]
    finally:
        pipeline_run.predictions.write_bytes(original)
    assert changed(before, output_hashes(pipeline_run.root)) == []


def edit_params(run: Paths, change) -> bytes:
    """Apply ``change`` to the run's params.yaml; return the original bytes for restoring."""
    original = run.params.read_bytes()
    values = yaml.safe_load(original)
    change(values)
    run.params.write_text(yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
    return original


def test_params_that_break_the_schema_stop_the_first_stage(pipeline_run):
    before = output_hashes(pipeline_run.root)
    original = edit_params(pipeline_run, lambda values: values.update(seed=-1))
    try:
        result = dvc(pipeline_run.root, "repro")
        assert result.returncode != 0
        assert "error: params.yaml: seed: Input should be greater than or equal to 0" in (
            result.stdout + result.stderr
        )
        after = output_hashes(pipeline_run.root)
        assert set(changed(before, after)) <= {"data/raw/dataset.csv"}
    finally:
        pipeline_run.params.write_bytes(original)


def test_bad_raw_data_stops_at_the_gate_and_leaves_downstream_untouched(pipeline_run, params):
    before = output_hashes(pipeline_run.root)
    data = params.data
    corrupt = raw_table()  # the run's own raw file may be gone: an earlier test's failed ingest
    if data.id is None:
        corrupt = corrupt.drop(columns=data.id_column)
    column = next(c for c in corrupt.select_dtypes("number") if c not in (data.label, data.id))
    corrupt.loc[corrupt.index[0], column] = corrupt[column].min() - 1e6
    source = pipeline_run.external / "corrupt.csv"
    corrupt.to_csv(source, index=False)
    original = edit_params(
        pipeline_run, lambda values: values["data"].update(source="file", file=source.name)
    )
    try:
        result = dvc(pipeline_run.root, "repro")
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert f"error: raw: expect_column_values_to_be_between on column {column!r}" in output
        assert "Running stage 'featurize'" not in output
        touched = {
            "data/raw/dataset.csv",
            "reports/validation/raw.json",
            "reports/validation/raw.html",
        }
        assert set(changed(before, output_hashes(pipeline_run.root))) <= touched
    finally:
        pipeline_run.params.write_bytes(original)
        source.unlink()
