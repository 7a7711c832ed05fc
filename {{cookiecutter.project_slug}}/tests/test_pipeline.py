"""The whole pipeline through ``dvc repro``: quality floors, a regression reference, byte-identical
reruns. Runs in a temporary copy (see ``conftest.py``); mark ``pipeline``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import Paths
from tests.runs import changed, dvc, output_hashes

pytestmark = pytest.mark.pipeline
REFERENCE = Path(__file__).parent / "reference" / "metrics.json"
# Regression tolerance: about one flipped prediction on the bundled test set (143 rows).
TOLERANCE = 0.01


def metrics(run: Paths) -> dict:
    """The metrics file the run wrote."""
    return json.loads(run.metrics.read_text(encoding="utf-8"))


def test_model_clears_the_quality_floor_and_beats_the_baseline(pipeline_run):
    result = metrics(pipeline_run)
    assert result["model"]["accuracy"] >= 0.9
    assert result["model"]["roc_auc"] >= 0.95
    for name in ("accuracy", "balanced_accuracy", "f1", "roc_auc"):
        assert result["baseline"][name] < result["model"][name]


def test_metrics_match_the_reference_within_tolerance(pipeline_run):
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    result = metrics(pipeline_run)
    assert result["n_test"] == reference["n_test"]
    for model in ("model", "baseline"):
        assert result[model].keys() == reference[model].keys()
        for name, expected in reference[model].items():
            assert result[model][name] == pytest.approx(expected, abs=TOLERANCE), (model, name)


def test_pipeline_writes_every_declared_output(pipeline_run):
    hashes = output_hashes(pipeline_run.root)
    for path in (pipeline_run.raw, pipeline_run.split, pipeline_run.model, pipeline_run.metrics):
        assert path.relative_to(pipeline_run.root).as_posix() in hashes


def test_nothing_to_do_after_a_run(pipeline_run):
    status = dvc(pipeline_run.root, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {}


def test_forced_rerun_is_byte_identical(pipeline_run):
    before = output_hashes(pipeline_run.root)
    rerun = dvc(pipeline_run.root, "repro", "--force")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert changed(before, output_hashes(pipeline_run.root)) == []


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
