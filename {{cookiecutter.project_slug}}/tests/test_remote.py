"""The commands around the DVC remote: `pull` and `push` refuse in one line when no remote can serve
the data (none configured, a folder that is not there, a file on neither the remote nor the cache)
and write nothing then, yet move the data when they can; `pr-report` turns DVC's diffs into a
reviewer's summary."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.pr_report import render
from tests.runs import dvc, project_command

NO_ANALYTICS = "[core]\n    analytics = false\n    check_update = false\n    no_scm = true\n"
DATA = b"id,value\n1,2.5\n2,3.5\n"


@pytest.fixture(name="repository")
def repository_without_remote(tmp_path):
    """An empty DVC repository with no remote, alone in this test's folder (remotes go beside)."""
    repository = tmp_path / "repository"
    repository.mkdir()
    assert dvc(repository, "init", "--no-scm", "--quiet").returncode == 0
    (repository / ".dvc" / "config").write_text(NO_ANALYTICS, encoding="utf-8")
    return repository


@pytest.fixture(name="tracked")
def repository_with_a_tracked_file(repository):
    """The repository with an empty folder remote and ``data.csv`` added to DVC, not pushed."""
    storage = repository.parent / "storage"
    storage.mkdir()
    assert dvc(repository, "remote", "add", "--default", "storage", str(storage)).returncode == 0
    (repository / "data.csv").write_bytes(DATA)
    added = dvc(repository, "add", "--quiet", "data.csv")
    assert added.returncode == 0, added.stderr
    return repository, storage


def forget(repository: Path) -> None:
    """Drop the tracked file and the local cache, as in a fresh clone (only ``data.csv.dvc``)."""
    shutil.rmtree(repository / ".dvc" / "cache")
    (repository / "data.csv").unlink()


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


def test_pushed_data_pull_back_and_data_gone_from_remote_and_cache_are_named(tracked):
    repository, storage = tracked
    pushed = project_command(repository, "push")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    forget(repository)
    pulled = project_command(repository, "pull")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert (repository / "data.csv").read_bytes() == DATA
    # The remote emptied and the cache gone: nothing can serve data.csv any more.
    shutil.rmtree(storage)
    storage.mkdir()
    forget(repository)
    lines = {}
    for command in ("push", "pull"):
        result = project_command(repository, command)
        assert result.returncode == 4, result.stdout + result.stderr
        (lines[command],) = error_lines(result)
    recorded = "error: data.csv: recorded in data.csv.dvc but"
    assert lines["push"].startswith(f"{recorded} not in the local cache (nor on remote 'storage')")
    assert lines["pull"].startswith(f"{recorded} neither on remote 'storage' (")
    assert lines["pull"].endswith(" push`")  # where the data must come from
    assert not (repository / "data.csv").exists() and not any(storage.iterdir())


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
