"""Baked projects run what their own workflows run, their suites pass their gates, and Nox
reproduces the pipeline identically on two Pythons.

For a variant that differs from the default in every choice (and has a long package name; the
default goes through the README's quick start in test_quickstart.py), `python3 tasks.py workflows`
runs every step of the generated ci.yml, reproduce.yml and docs.yml here, as the template's CI
does: the commit hooks on every file (black, isort, flake8, pylint), the test suite (a forced rerun
byte-identical among them), a reproduction leg, the comparison with the legs that could not run
here reported missing, and the strict build of the documentation site.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import tasks
from tests.conftest import ROOT, interpreter, run

pytestmark = pytest.mark.slow
OTHER = {
    "project_name": "Churn Signals",
    "package_name": "churn_signals_with_a_deliberately_long_n",
    "license": "Apache-2.0",
    "python_version": "%d.%d" % sys.version_info[:2],
    "reproduce_on": "linux",
}


def test_the_generated_workflows_run_here_step_by_step(tmp_path):
    storage = tmp_path / "storage"  # a folder remote: its pull steps run here too
    storage.mkdir()
    answers = [f"{key}={value}" for key, value in OTHER.items()]
    answers.append(f"dvc_remote={storage.as_posix()}")
    result = run([sys.executable, "tasks.py", "workflows", *answers], ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    report = result.stdout[result.stdout.rindex("\nlint: actions/checkout") :]
    for line in (
        "lint: Run every pre-commit hook: ran",
        "tests: Pull the data from the DVC remote: ran",
        "tests: Run the tests (the notebooks have their own job): ran",
        "notebooks: Pull the data from the DVC remote: ran",
        "notebooks: Run every notebook top to bottom on a pipeline run: ran",
        "lint: Say why a fork's pull request skips the tests (no access to the data remote): "
        "skipped",
        "leg: Pull the data from the DVC remote: ran",
        "docker: Pull the data from the DVC remote: ran",
        "fork-notice: skipped: its condition is false for this event",
        "leg: Run every stage from scratch and collect the run: ran",
        "docker: Build the image: stood in for: no Docker engine here",
        "compare: Compare every leg with the reference",
        "compare: Report what this pull request changes (params, metrics, verdict) against its "
        "base: ran",
        "build: Build the site strictly (a broken link or a warning fails): ran",
        "build: Keep the site as the Pages artifact: provided here",
        "deploy: skipped: its condition is false for this event",
    ):
        assert line in report, report
    assert "legs that ran here agree; 3 others missing, as expected" in report


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
    # Two processes here; the committed reference run (tests/reference-run) was made with one.
    result = locked_env(
        project, "nox", "--non-interactive", "-s", *sessions, path=folders, TUNE_PROCESSES="2"
    )
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
        venv = project / ".nox" / f"reproduce-{version.replace('.', '-')}"
        where = "import sysconfig; print(sysconfig.get_path('purelib'))"
        site = run([tasks.venv_executable(venv, "python"), "-c", where], project).stdout.strip()
        compiled = Path(site) / "sklearn" / "__pycache__"
        assert (compiled / f"__init__.cpython-{tag}.pyc").is_file(), sorted(compiled.glob("*"))
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["runs"] == [f"python-{version}" for version in pythons]
    assert report["verdict"] == "identical", report["outputs"]
    versions = report["environment_differences"]["python.version"]
    assert [value.rsplit(".", 1)[0] for value in versions.values()] == pythons


def test_model_selection_is_the_same_bytes_for_one_and_two_processes_on_both_pythons(nox_legs):
    project, pythons, _ = nox_legs
    compared = project / "build" / "reproduce" / "compared"
    reference_run = ROOT / "tests" / "reference-run"
    made_on = json.loads((reference_run / "manifest.json").read_text(encoding="utf-8"))
    for version in pythons:
        leg = compared / f"python-{version}"
        here = json.loads((leg / "manifest.json").read_text(encoding="utf-8"))
        if here["cpu"] != made_on["cpu"]:
            pytest.skip("the reference run was made on another CPU: last bits may differ")
        for name in ("candidates.csv", "selection.json"):
            reference = (reference_run / "reports" / "tuning" / name).read_bytes()
            assert (leg / "reports" / "tuning" / name).read_bytes() == reference, (name, version)


def test_a_deliberately_changed_output_makes_the_compare_fail(nox_legs, locked_env, tmp_path):
    project, _, _ = nox_legs
    legs = sorted((project / "build" / "reproduce" / "compared").glob("python-*"))
    copies = [shutil.copytree(leg, tmp_path / leg.name) for leg in legs]
    metrics = copies[1] / "reports" / "metrics.json"
    values = json.loads(metrics.read_text(encoding="utf-8"))
    values["model"]["f1"] -= 0.01
    metrics.write_text(json.dumps(values), encoding="utf-8")
    report = tmp_path / "report.json"
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    result = locked_env(project, package, "compare", *map(str, copies), "--json", str(report))
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = json.loads(report.read_text(encoding="utf-8"))["outputs"]["reports/metrics.json"]
    assert verdicts[copies[1].name]["verdict"] == "different"


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
