"""Nox reproduces a baked project's pipeline identically on two Pythons, model selection is the same
bytes for one and two processes, and the compare tool and the manifest explain a difference.

(What the project's own workflows run is tested in test_workflows.py.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import tasks
from tests.conftest import ROOT, interpreter, run

pytestmark = pytest.mark.slow


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
