"""The weekly relock job's command runs here as in CI, and the reference run it compares with is
the run of the shipped lock.

`python3 tasks.py relock-report` re-resolves the generated project's lock to the newest versions it
allows, runs the pipeline and compares the run with tests/reference-run/ through the project's own
compare tool. It reports whatever it finds (exit 0), and writes the report to the job summary.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import pytest

import tasks
from tests.conftest import ROOT, run

SHIPPED_LOCK = tasks.PROJECT_TEMPLATE / "poetry.lock"


def test_the_reference_run_is_the_run_of_the_shipped_lock():
    manifest = json.loads((tasks.REFERENCE_RUN / "manifest.json").read_text(encoding="utf-8"))
    lock = hashlib.sha256(SHIPPED_LOCK.read_bytes()).hexdigest()
    assert manifest["poetry_lock_sha256"] == lock, "run: python3 tasks.py refresh"
    reference = tasks.PROJECT_TEMPLATE / "tests" / "reference"
    for name in ("metrics.json", "scores.json"):
        collected = (tasks.REFERENCE_RUN / "reports" / name).read_bytes()
        assert collected == (reference / name).read_bytes(), name


@pytest.mark.slow
def test_the_relock_report_runs_and_writes_the_job_summary(tmp_path):
    summary = tmp_path / "summary.md"
    env = dict(os.environ, GITHUB_STEP_SUMMARY=str(summary))
    result = run([sys.executable, "tasks.py", "relock-report"], ROOT, env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    report = summary.read_text(encoding="utf-8")
    assert report.startswith("# Weekly relock: what the newest allowed versions change")
    assert "## Reproduction across environments:" in report
    assert "`shipped-lock`" in report and "`new-lock`" in report
    assert "python3 tasks.py lock --upgrade" in report
