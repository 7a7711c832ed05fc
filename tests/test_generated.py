"""Baked projects, installed from the shipped lock, pass their own gates and reproduce exactly.

For the default variant and one that differs in every choice (and has a long package name): the
generated code passes black, isort, flake8 and pylint as baked; the generated test suite passes;
``dvc repro`` runs, a second ``dvc repro`` does nothing, and ``dvc repro --force`` rewrites every
output with the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import run
from tests.test_variants import IDS
from tests.test_variants import VARIANTS as VARIANTS_OF_EVERY_OPTION

pytestmark = pytest.mark.slow
STAGES = ["ingest", "validate@raw", "featurize", "validate@features", "split", "train", "evaluate"]
VARIANTS = {
    "default": {},
    "other": {
        "project_name": "Churn Signals",
        "package_name": "churn_signals_with_a_deliberately_long_n",
        "license": "Apache-2.0",
        "python_version": "3.11",
    },
}


@pytest.fixture(scope="module", params=list(VARIANTS))
def project(request, bake, locked_env) -> Path:
    """A baked variant, installed into the shared locked environment, inside a Git repository."""
    path = bake(**VARIANTS[request.param])
    locked_env.install(path)
    assert run(["git", "init", "--quiet"], path).returncode == 0
    return path


def declared_outputs(project: Path) -> list[str]:
    """Every output ``dvc.yaml`` declares, ``foreach`` stages expanded."""
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    outs = []
    for stage in stages.values():
        for key in stage.get("foreach", [None]):
            for out in stage["do"]["outs"] if key else stage["outs"]:
                name = next(iter(out)) if isinstance(out, dict) else out
                outs.append(name.replace("${key}", key) if key else name)
    return outs


def output_fingerprint(project: Path) -> dict[str, str]:
    """SHA-256 of every file under every output ``dvc.yaml`` declares."""
    outs = declared_outputs(project)
    fingerprint = {}
    for out in outs:
        path = project / out
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest = hashlib.sha256(file.read_bytes()).hexdigest()
                fingerprint[file.relative_to(project).as_posix()] = digest
    return fingerprint


def differences(first: dict[str, str], second: dict[str, str]) -> list[str]:
    """Paths whose bytes differ between two fingerprints, or that only one of them has."""
    return sorted(key for key in first.keys() | second.keys() if first.get(key) != second.get(key))


@pytest.mark.parametrize(
    "command",
    [
        ["black", "--check", "."],
        ["isort", "--check-only", "."],
        ["flake8"],
        ["pylint", "src", "tests", "docs"],
    ],
    ids=lambda command: command[0],
)
def test_baked_code_passes_its_own_lint_gates(project, locked_env, command):
    result = locked_env(project, *command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_baked_project_passes_its_own_tests(project, locked_env):
    result = locked_env(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_pipeline_runs_then_does_nothing_then_reruns_byte_identically(project, locked_env):
    first = locked_env(project, "dvc", "repro")
    assert first.returncode == 0, first.stdout + first.stderr
    fingerprint = output_fingerprint(project)
    assert len(fingerprint) >= 10
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["model"]["roc_auc"] > metrics["baseline"]["roc_auc"]

    lock_before = (project / "dvc.lock").read_bytes()
    noop = locked_env(project, "dvc", "repro")
    assert noop.returncode == 0, noop.stdout + noop.stderr
    assert "Data and pipelines are up to date." in noop.stdout
    assert "Running stage" not in noop.stdout
    assert (project / "dvc.lock").read_bytes() == lock_before

    forced = locked_env(project, "dvc", "repro", "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert forced.stdout.count("Running stage") == len(STAGES)
    assert differences(fingerprint, output_fingerprint(project)) == []
    assert (project / "dvc.lock").read_bytes() == lock_before


def test_fingerprint_comparison_detects_a_changed_output(project, locked_env):
    if not (project / "dvc.lock").exists():
        assert locked_env(project, "dvc", "repro").returncode == 0
    fingerprint = output_fingerprint(project)
    metrics = project / "reports" / "metrics.json"
    original = metrics.read_bytes()
    try:
        metrics.write_bytes(original.replace(b'"n_test"', b'"n_test" ', 1))
        assert differences(fingerprint, output_fingerprint(project)) == ["reports/metrics.json"]
    finally:
        metrics.write_bytes(original)


GATES_ON_EMBEDDED_DATA = """
import json, sys
from pathlib import Path
from {package} import ingest, validate
from {package}.config import load_params
from {package}.featurize import featurize
params = load_params(Path("params.yaml"))
raw = ingest.breast_cancer()
features = featurize(raw, params.featurize)
for name, frame in (("raw", raw), ("features", features)):
    spec = json.loads(Path("expectations", name + ".json").read_text(encoding="utf-8"))
    suite_name, expectations = validate.load_suite(Path("expectations", name + ".json"))
    assert len(expectations) == len(spec["expectations"]) > 50, name
    failed = [o for o in validate.check(frame, expectations) if not o["success"]]
    assert failed == [], (name, failed)
print("gates passed")
"""


@pytest.mark.parametrize("answers", VARIANTS_OF_EVERY_OPTION, ids=IDS)
def test_every_variant_loads_its_suites_and_passes_its_gates(answers, bake, locked_env):
    project = bake(**answers)
    env = dict(locked_env.env, PYTHONPATH=str(project / "src"))
    script = GATES_ON_EMBEDDED_DATA.format(package=answers["package_name"])
    result = run([locked_env.python, "-c", script], project, env)
    assert result.returncode == 0 and "gates passed" in result.stdout, result.stdout + result.stderr
