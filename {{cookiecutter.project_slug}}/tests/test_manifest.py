"""The run manifest: complete enough to explain a difference, stable enough to hash, and in the
shape the compare tool reads: ``outputs`` graded against ``tolerance.yaml``, every other field named
in the report when it differs between runs."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }} import compare, seeding
from {{ cookiecutter.package_name }}.artifacts import to_json_text, write_json
from {{ cookiecutter.package_name }}.config import Paths
from {{ cookiecutter.package_name }}.stages import manifest
from tests.runs import ROOT

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

LOCK = "# lock\n"
# SHA-256 of LOCK's bytes, written out: the manifest hashes poetry.lock exactly as it is on disk.
LOCK_SHA256 = "718475cd179c5fce5f3cbaf68fb45b15017015ebeec359c040cf704e3f1c86b6"
# Every field, and the keys of the nested ones: what `compare` flattens and names when it differs.
FIELDS = {
    "git": {"commit", "dirty"},
    "poetry_lock_sha256": None,
    "outputs": None,
    "seed": None,
    "params": None,
    "python": {"version", "implementation"},
    "os": {"system", "release"},
    "cpu": {"model", "architecture", "count"},
    "blas": None,
    "packages": None,
    "variables": None,
    "hash_randomization": None,
    "gpus": None,
    "container": None,
}
NUMERIC_PACKAGES = {"numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "skops", "threadpoolctl"}


@pytest.fixture(name="project")
def fixture_project(tmp_path: Path, monkeypatch) -> Paths:
    """An empty project folder with a dvc.lock and a poetry.lock, outside any Git repository."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "dvc.lock").write_text(DVC_LOCK, encoding="utf-8")
    (tmp_path / "poetry.lock").write_text(LOCK, encoding="utf-8")
    return Paths(tmp_path)


def test_manifest_carries_every_field_compare_relies_on(params, project):
    record = manifest.build(params, project)
    assert set(record) == set(FIELDS)
    for field, keys in FIELDS.items():
        assert keys is None or set(record[field]) == keys, field
    assert record["poetry_lock_sha256"] == LOCK_SHA256
    assert record["outputs"] == {"data/raw/dataset.csv": "0123456789abcdef"}
    assert record["seed"] == params.seed and record["params"] == params.model_dump(mode="json")
    assert record["python"]["version"].count(".") == 2
    assert record["cpu"]["count"] >= 1 and record["cpu"]["model"]
    assert all(record["packages"][name] for name in NUMERIC_PACKAGES)
    assert record["blas"] and all(pool["num_threads"] >= 1 for pool in record["blas"])
    assert set(record["variables"]) >= {*seeding.THREAD_VARIABLES, "PYTHONHASHSEED"}
    assert isinstance(record["hash_randomization"], bool)
    assert isinstance(record["container"], bool) and isinstance(record["gpus"], list)


def test_compare_grades_outputs_and_names_what_differs_from_manifests(params, project, monkeypatch):
    policy = compare.load_policy(ROOT / "tolerance.yaml")
    exact = {name: check for name, check in policy.outputs.items() if check == "exact"}
    outs = [{"path": name, "md5": f"md5-of-{name}"} for name in exact]
    lock = yaml.safe_dump({"schema": "2.0", "stages": {"stage": {"outs": outs}}})
    (project / "dvc.lock").write_text(lock, encoding="utf-8")
    runs = []
    for name, threads, poetry_lock in (("first", "1", LOCK), ("second", "2", "# relocked\n")):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        (project / "poetry.lock").write_text(poetry_lock, encoding="utf-8")
        runs.append(project / "runs" / name)
        write_json(manifest.build(params, project), runs[-1] / compare.MANIFEST)
    report = compare.compare(runs, policy.model_copy(update={"outputs": exact}))
    assert {cells["second"]["verdict"] for cells in report["outputs"].values()} == {"identical"}
    differences = report["environment_differences"]
    assert set(differences) == {"poetry_lock_sha256", "variables.OMP_NUM_THREADS"}
    assert differences["variables.OMP_NUM_THREADS"] == {"first": "1", "second": "2"}


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
