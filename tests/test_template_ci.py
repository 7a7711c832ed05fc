"""The template's own workflows hold no logic: every `run:` step is one `tasks.py` command, and
each of those commands runs here too, so a broken step fails here before it fails on GitHub. Every
job only reads, runs pinned actions without persisted credentials, and has a time limit."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT
from tools.run_workflows import single_command

# Each command the template's workflows run, and the place that runs it here.
RUN_HERE = {
    "python tasks.py lint": "tests/test_style.py",
    "python tasks.py docs": "tests/test_docs.py",
    "python tasks.py test --fast": ".ci/run",  # runs `tasks.py test`, which includes the fast part
    "python tasks.py test": ".ci/run",
    "python tasks.py workflows": "tests/test_workflows.py",
    "python tasks.py relock-report": "tests/test_relock.py",
}


def run_steps() -> list[str]:
    """Every `run:` command of the template's workflows."""
    return [
        step["run"]
        for path in sorted((ROOT / ".github" / "workflows").glob("*.yml"))
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values()
        for step in job["steps"]
        if "run" in step
    ]


def test_every_run_step_is_one_command_that_also_runs_here():
    steps = run_steps()
    assert all(single_command(step) is None for step in steps), steps
    assert set(steps) == set(RUN_HERE)
    for command, where in RUN_HERE.items():
        text = (ROOT / where).read_text(encoding="utf-8")
        task = command.split()[2]
        assert f'"{task}"' in text or f"tasks.py {task}" in text, (command, where)


def test_dependabot_watches_the_actions_and_the_pinned_tools():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    watched = {(update["package-ecosystem"], update["directory"]) for update in config["updates"]}
    assert watched == {("github-actions", "/"), ("pip", "/requirements")}
    assert all(update["cooldown"]["default-days"] >= 7 for update in config["updates"])


def test_every_job_reads_only_is_pinned_and_bounded():
    jobs = {}
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert workflow["permissions"] == {}, path.name
        jobs.update({f"{path.name}:{name}": job for name, job in workflow["jobs"].items()})
    assert {"ci.yml:lint", "ci.yml:docs", "ci.yml:generated", "relock.yml:drift"} <= set(jobs)
    for name, job in jobs.items():
        assert job["permissions"] == {"contents": "read"}, name
        assert 0 < job["timeout-minutes"] <= 90, name
        for step in job["steps"]:
            uses = step.get("uses", "")
            assert not uses or re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), (name, uses)
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
