"""The run manifest: complete enough to explain a difference, stable enough to hash."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import manifest
from {{ cookiecutter.package_name }}.artifacts import to_json_text
from {{ cookiecutter.package_name }}.config import Paths

DVC_LOCK = """schema: '2.0'
stages:
  ingest:
    outs:
    - path: data/raw/dataset.csv
      md5: 0123456789abcdef
  manifest:
    outs:
    - path: reports/manifest.json
      md5: ignored
"""


@pytest.fixture(name="project")
def fixture_project(tmp_path: Path) -> Paths:
    """An empty project folder with a dvc.lock and a poetry.lock."""
    (tmp_path / "dvc.lock").write_text(DVC_LOCK, encoding="utf-8")
    (tmp_path / "poetry.lock").write_text("# lock\n", encoding="utf-8")
    return Paths(tmp_path)


def test_manifest_records_what_explains_a_difference(params, project):
    record = manifest.build(params, project)
    assert record["outputs"] == {"data/raw/dataset.csv": "0123456789abcdef"}
    assert record["seed"] == params.seed and record["params"]["split"] == params.split.model_dump()
    assert record["python"]["version"].count(".") == 2
    assert record["cpu"]["count"] >= 1 and record["cpu"]["model"]
    assert record["packages"]["scikit-learn"] and record["packages"]["numpy"]
    assert any(pool["user_api"] == "blas" for pool in record["blas"])
    assert set(manifest.NUMERIC_VARIABLES) == set(record["variables"])
    assert isinstance(record["container"], bool) and isinstance(record["gpus"], list)


def test_manifest_is_stable_and_holds_no_paths_hosts_or_times(params, project):
    first = to_json_text(manifest.build(params, project))
    assert first == to_json_text(manifest.build(params, project))
    assert str(project.root) not in first and str(Path.home()) not in first
    assert socket.gethostname() not in first


def test_manifest_records_thread_settings(params, project, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert manifest.build(params, project)["variables"]["OMP_NUM_THREADS"] == "2"


def test_git_state_ignores_pipeline_outputs_but_not_code(project):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True)

    git("init", "--quiet")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "Test")
    (project / "code.py").write_text("x = 1\n", encoding="utf-8")
    (project / "reports").mkdir()
    (project / "reports" / "metrics.json").write_text("{}\n", encoding="utf-8")
    git("add", ".")
    git("commit", "--quiet", "-m", "start")
    outputs = ["reports/metrics.json"]
    assert manifest.git_state(project.root, outputs)["dirty"] is False
    (project / "reports" / "metrics.json").write_text('{"f1": 1}\n', encoding="utf-8")
    (project / "dvc.lock").write_text("changed\n", encoding="utf-8")
    state = manifest.git_state(project.root, outputs)
    assert state["dirty"] is False and len(state["commit"]) == 40
    (project / "code.py").write_text("x = 2\n", encoding="utf-8")
    assert manifest.git_state(project.root, outputs)["dirty"] is True


def test_without_git_the_state_is_unknown_not_clean(project):
    assert manifest.git_state(project.root, []) == {"commit": None, "dirty": None}


def test_written_manifest_is_canonical_json(params, project):
    manifest.run(params, project)
    text = project.manifest.read_text(encoding="utf-8")
    assert json.loads(text)["seed"] == params.seed
    assert text == to_json_text(json.loads(text))
