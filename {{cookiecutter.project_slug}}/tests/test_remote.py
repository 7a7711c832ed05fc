"""The commands around the DVC remote: `pull` and `push` refuse in one line when no remote can serve
the data, and `pr-report` turns DVC's diffs into a reviewer's summary."""

from __future__ import annotations

import subprocess

import pytest

from {{ cookiecutter.package_name }}.pr_report import render
from tests.runs import dvc, project_command

NO_ANALYTICS = "[core]\n    analytics = false\n    check_update = false\n    no_scm = true\n"


@pytest.fixture(name="repository")
def repository_without_remote(tmp_path):
    """An empty DVC repository with no remote."""
    assert dvc(tmp_path, "init", "--no-scm", "--quiet").returncode == 0
    (tmp_path / ".dvc" / "config").write_text(NO_ANALYTICS, encoding="utf-8")
    return tmp_path


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The ``error:`` lines of a failed command, which must not print a traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("command", ["pull", "push", "fork-notice"])
def test_without_a_default_remote_each_command_is_one_error_line(repository, command):
    result = project_command(repository, command)
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = error_lines(result)
    assert line.startswith("error: no default DVC remote: add one with `dvc remote add -d")


def test_a_folder_remote_that_is_not_mounted_is_refused_not_created(repository):
    missing = repository.parent / "unmounted" / "storage"
    added = dvc(repository, "remote", "add", "--default", "storage", str(missing))
    assert added.returncode == 0, added.stderr
    result = project_command(repository, "push")
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = error_lines(result)
    assert "folder not found; mount it" in line and not missing.exists()


def test_the_fork_notice_names_the_remote(repository):
    storage = repository.parent / "storage"
    storage.mkdir()
    dvc(repository, "remote", "add", "--default", "storage", str(storage))
    summary = repository / "summary.md"
    result = project_command(repository, "fork-notice", "--markdown", str(summary))
    assert result.returncode == 0, result.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Jobs that need the data were skipped") and "'storage'" in text


def test_an_unknown_base_revision_is_one_error_line(repository):
    result = project_command(repository, "pr-report", "no-such-branch")
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert line.startswith("error: base revision 'no-such-branch' not found")


def test_the_pull_request_report_shows_params_metrics_and_verdict():
    params = {"params.yaml": {"seed": {"old": 42, "new": 1}}}
    metrics = {
        "reports/metrics.json": {
            "model.accuracy": {"old": 0.9, "new": 0.95, "diff": 0.05},
            "baseline.accuracy": {"old": 0.6, "new": 0.6, "diff": 0},
        }
    }
    text = render("main", params, metrics, ["Comparison of every reproduction leg: **identical**."])
    assert "## Changes against `main`" in text
    assert "| `seed` | `42` | `1` |" in text
    assert "| `model.accuracy` | `0.9` | `0.95` | +0.05 |" in text
    assert text.index("baseline.accuracy") < text.index("model.accuracy")
    assert text.rstrip().endswith("**identical**.")
    assert "No param changed." in render("main", {}, {}, [])
