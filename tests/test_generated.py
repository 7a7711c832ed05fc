"""Baked projects, installed from the shipped lock, pass their own gates and reproduce exactly.

For a variant that differs from the default in every choice (and has a long package name; the
default goes through the README's quick start in test_quickstart.py): the generated code passes
black, isort, flake8 and pylint as baked; the generated test suite passes; ``dvc repro`` runs, a
second ``dvc repro`` does nothing, and ``dvc repro --force`` rewrites every output with the same
bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import interpreter, run
from tests.test_variants import IDS
from tests.test_variants import VARIANTS as VARIANTS_OF_EVERY_OPTION

pytestmark = pytest.mark.slow
STAGES = [
    "ingest",
    "validate@raw",
    "featurize",
    "validate@features",
    "split",
    "train",
    "evaluate",
    "manifest",
]
# The default variant runs the same gates through the README's quick start (test_quickstart.py):
# its commit hooks lint every file, and its `poetry run pytest` runs the suite and the pipeline.
VARIANTS = {
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
        metrics.write_bytes(original.replace(b'"model"', b'"model" ', 1))
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


@pytest.fixture(scope="module")
def nox_legs(bake, locked_env):
    """`nox -s reproduce-3.x reproduce-3.y` on a baked project: two legs, then the comparison."""
    found = {version: interpreter(version) for version in ("3.11", "3.12", "3.13")}
    pythons = [version for version, path in found.items() if path][:2]
    assert len(pythons) == 2, f"two of Python 3.11-3.13 are needed, found {found}"
    project = bake(project_name="Nox Legs")
    locked_env.install(project)
    assert run(["git", "init", "--quiet"], project).returncode == 0
    sessions = [f"reproduce-{version}" for version in pythons]
    folders = [found[version].parent for version in pythons]
    result = locked_env(project, "nox", "--non-interactive", "-s", *sessions, path=folders)
    return project, pythons, result


def test_nox_reproduces_the_pipeline_identically_on_two_pythons(nox_legs):
    project, pythons, result = nox_legs
    report_file = project / "build" / "reproduce" / "compared" / "report.json"
    assert result.returncode == 0 and report_file.is_file(), (
        result.stdout[-3000:] + result.stderr[-3000:]
    )
    assert "SyntaxError" not in result.stdout + result.stderr
    for version in pythons:
        tag = version.replace(".", "")
        site = project / ".nox" / f"reproduce-{version.replace('.', '-')}" / "lib"
        compiled = site / f"python{version}" / "site-packages" / "sklearn" / "__pycache__"
        assert (compiled / f"__init__.cpython-{tag}.pyc").is_file(), sorted(compiled.glob("*"))
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["runs"] == [f"python-{version}" for version in pythons]
    assert report["verdict"] == "identical", report["outputs"]
    versions = report["environment_differences"]["python.version"]
    assert [value.rsplit(".", 1)[0] for value in versions.values()] == pythons


def test_a_deliberately_changed_output_makes_the_compare_fail(nox_legs, locked_env, tmp_path):
    project, _, _ = nox_legs
    legs = sorted((project / "build" / "reproduce" / "compared").glob("python-*"))
    copies = [shutil.copytree(leg, tmp_path / leg.name) for leg in legs]
    metrics = copies[1] / "reports" / "metrics.json"
    values = json.loads(metrics.read_text(encoding="utf-8"))
    values["model"]["accuracy"] -= 0.01
    metrics.write_text(json.dumps(values), encoding="utf-8")
    report = tmp_path / "report.json"
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    result = locked_env(project, package, "compare", *map(str, copies), "--json", str(report))
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = json.loads(report.read_text(encoding="utf-8"))["outputs"]["reports/metrics.json"]
    assert verdicts[copies[1].name]["verdict"] == "differs"


def test_the_manifest_explains_a_forced_thread_difference(nox_legs, locked_env, tmp_path):
    project, _, _ = nox_legs
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    run_with_two_threads = locked_env(project, "dvc", "repro", OMP_NUM_THREADS="2")
    assert run_with_two_threads.returncode == 0, (
        run_with_two_threads.stdout + run_with_two_threads.stderr
    )
    leg = tmp_path / "two-threads"
    assert locked_env(project, package, "collect", str(leg)).returncode == 0
    reference = next((project / "build" / "reproduce" / "compared").glob("python-*"))
    report = tmp_path / "report.json"
    locked_env(project, package, "compare", str(reference), str(leg), "--json", str(report))
    differences = json.loads(report.read_text(encoding="utf-8"))["environment_differences"]
    assert differences["variables.OMP_NUM_THREADS"] == {reference.name: "1", leg.name: "2"}
