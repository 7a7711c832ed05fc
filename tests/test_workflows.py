"""A project's own workflows run here, step by step, on a pull request that takes a template update.

The project differs from the default in every choice (and has a long package name; the default
goes through the README's quick start in test_quickstart.py). It is created with cruft from a copy
of this template at commit A and then takes change B through `cruft update`, as test_update.py
does; the pull request that commits B is what `python3 tasks.py workflows --project` then runs,
every step of its ci.yml, reproduce.yml and docs.yml, as GitHub would: the commit hooks on every
file (black, isort, flake8, pylint, mypy), the test suite (a forced rerun byte-identical among
them), a reproduction leg pulling from the project's folder remote, the comparison with the legs
that could not run here reported missing, the pull request's report against its base, and the
strict build of the documentation site. So the updated project still passes its tests and
reproduces, and the tests step, which is the generated README's test command (`poetry run
pytest`), is tried literally on a project installed as the README says. It has a module of its
own so that it can run on one worker while the quick start runs on the other.
"""

from __future__ import annotations

import sys

import pytest
import yaml

from tests.conftest import ROOT, run
from tests.test_quickstart import bash_block
from tests.test_update import create, take_the_change, template_at_a

pytestmark = pytest.mark.slow
OTHER = {
    "project_name": "Churn Signals",
    "package_name": "churn_signals_with_a_deliberately_long_n",
    "license": "Apache-2.0",
    "python_version": "%d.%d" % sys.version_info[:2],
    "reproduce_on": "linux",
}


def test_a_template_update_passes_every_workflow_step_run_here(tmp_path, locked_env):
    storage = tmp_path / "storage"  # a folder remote: its pull steps run here too
    storage.mkdir()
    template = template_at_a(tmp_path)
    project = create(template, tmp_path, locked_env, **OTHER, dvc_remote=storage.as_posix())
    base = run(["git", "rev-parse", "HEAD"], project).stdout.strip()
    take_the_change(template, project, locked_env)
    command = [sys.executable, "tasks.py", "workflows", "--project", project, "--base", base]
    result = run(command, ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    report = result.stdout[result.stdout.rindex("\nlint: actions/checkout") :]
    for line in (
        "lint: Run every pre-commit hook: ran",
        "tests: Pull the data from the DVC remote: ran",
        "tests: Run the tests, every notebook among them: ran",
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
    # The tests job installs the spark group, so the Spark engine's tests ran: pytest's summary
    # (-ra) names a skipped module's reason, and each of test_spark.py's begins so.
    assert "the Spark engine needs" not in result.stdout, result.stdout[-6000:]
    # The README's test command is the tests job's step, so the run above has tried it literally.
    readme = (project / "README.md").read_text(encoding="utf-8")
    ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    steps = {step.get("name"): step.get("run") for step in ci["jobs"]["tests"]["steps"]}
    assert bash_block(readme, "## Tests") == [steps["Run the tests, every notebook among them"]]
