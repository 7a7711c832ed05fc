"""A project baked from one commit of the template takes a later commit's changes with cruft.

The template is copied into a Git repository at commit A; a project is created from it with the
cruft the project's own lock pins, and committed. A change B to the template then arrives through
`cruft update`: cleanly, with the recorded answers kept. That the updated project still passes its
tests and reproduces is shown in test_workflows.py, whose project takes the same change the same
way (``take_the_change``) and then runs every step of its own workflows. A local edit that the
template also changes surfaces as a conflict the user sees (unmerged in Git, refused by the commit
hooks), never as a silent overwrite.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run

pytestmark = pytest.mark.slow
TEMPLATE_FILES = ["cookiecutter.json", "hooks", "local_extensions.py", "templates"]
PROJECT = "{{cookiecutter.project_slug}}"
HEADING = "## Updating from the template"  # a line of the generated README both sides change
IDENTITY = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder``; fail the test if it fails."""
    result = run(["git", *IDENTITY, *args], folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def commit_change(template: Path, relative: str, old: str | None, new: str, message: str) -> None:
    """Replace ``old`` (or append when None) in a file of the template's project, and commit."""
    path = template / PROJECT / relative
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(text + new if old is None else text.replace(old, new, 1), encoding="utf-8")
    git(template, "add", "-A")
    git(template, "commit", "--quiet", "-m", message)


def template_at_a(root: Path) -> Path:
    """A copy of this template in a Git repository of its own, at its first commit (A)."""
    template = root / "template"
    template.mkdir()
    for name in [*TEMPLATE_FILES, PROJECT]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, template / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, template / name)
    git(template, "init", "--quiet")
    git(template, "add", "-A")
    git(template, "commit", "--quiet", "-m", "A")
    return template


def create(template: Path, root: Path, locked_env, **answers: str) -> Path:
    """`cruft create` a project from ``template`` into ``root`` with ``answers``, and commit it."""
    context = ["--extra-context", json.dumps(answers)] if answers else []
    created = locked_env(root, "cruft", "create", str(template), "--no-input", *context)
    assert created.returncode == 0, created.stdout + created.stderr
    (project,) = [path for path in root.iterdir() if (path / ".cruft.json").is_file()]
    git(project, "init", "--quiet")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Created from the template")
    return project


def take_the_change(template: Path, project: Path, locked_env) -> None:
    """Commit change B to the template, take it with `cruft update`, check that it arrived cleanly
    with the answers kept, and commit it in the project."""
    answers = (project / ".cookiecutter.json").read_bytes()
    commit_change(template, "NEWS.md", None, "A file the template added later.\n", "B: a new file")
    commit_change(template, "README.md", HEADING, f"{HEADING} (B)", "B")
    updated = locked_env(project, "cruft", "update", "--skip-apply-ask")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (project / "NEWS.md").read_text(encoding="utf-8") == "A file the template added later.\n"
    assert f"{HEADING} (B)" in (project / "README.md").read_text(encoding="utf-8")
    assert (project / ".cookiecutter.json").read_bytes() == answers
    recorded = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert recorded["commit"] == git(template, "rev-parse", "HEAD").strip()
    assert not [
        line for line in git(project, "status", "--porcelain").splitlines() if "U" in line[:2]
    ]
    assert locked_env(project, "cruft", "check").returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Take the template's change B")


@pytest.fixture(scope="module")
def linked(tmp_path_factory, locked_env):
    """A template repository at commit A and a project created from it with cruft, committed."""
    root = tmp_path_factory.mktemp("update")
    template = template_at_a(root)
    return template, create(template, root, locked_env)


def test_a_template_change_arrives_cleanly(linked, locked_env):
    take_the_change(*linked, locked_env)


def test_a_conflicting_local_edit_is_a_visible_conflict_never_an_overwrite(linked, locked_env):
    template, project = linked
    readme = project / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(f"{HEADING} (B)", "## Answers (ours)"),
        encoding="utf-8",
    )
    git(project, "commit", "--quiet", "-am", "A local edit of the same line")
    commit_change(template, "README.md", f"{HEADING} (B)", f"{HEADING} (C)", "C")
    updated = locked_env(project, "cruft", "update", "--skip-apply-ask")
    assert updated.returncode == 0, updated.stdout + updated.stderr  # cruft itself says nothing
    text = readme.read_text(encoding="utf-8")
    assert "## Answers (ours)" in text and f"{HEADING} (C)" in text and "<<<<<<<" in text
    assert "UU README.md" in git(project, "status", "--porcelain").splitlines()
    hooks = locked_env(project, "pre_commit", "run", "check-merge-conflict", "--all-files")
    assert hooks.returncode == 1 and "README.md" in hooks.stdout, hooks.stdout + hooks.stderr
    (project / "README.md.rej").write_text("a hunk that did not apply\n", encoding="utf-8")
    rejected = locked_env(
        project, "pre_commit", "run", "no-rejected-patches", "--files", "README.md.rej"
    )
    assert rejected.returncode == 1 and "README.md.rej" in rejected.stdout, rejected.stdout


def test_a_project_baked_with_cookiecutter_links_with_its_recorded_answers(
    bake, locked_env, linked
):
    template, _ = linked
    project = bake(project_name="Linked Later", python_version="3.13", license="BSD-3-Clause")
    git(project, "init", "--quiet")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Baked with cookiecutter")
    answers = (project / ".cookiecutter.json").read_text(encoding="utf-8")
    readme = (project / "README.md").read_text(encoding="utf-8")
    command = re.search(r"poetry run (cruft link <template-url> .+?)  #", readme).group(1)
    as_typed = {"<template-url>": str(template), "$(cat .cookiecutter.json)": answers}
    arguments = [as_typed.get(word, word) for word in shlex.split(command)]
    linked = locked_env(project, *arguments, "--no-input")
    assert linked.returncode == 0, linked.stdout + linked.stderr
    context = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["context"]
    recorded = json.loads(answers)
    assert {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")} == recorded
