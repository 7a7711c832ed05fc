"""The generated Dockerfile, workflows and hooks pass their linters with zero findings and say what
they must: pinned bases and actions, least privilege, locked installs, fresh pipeline runs.

Docker cannot build here, so everything that can be checked without an engine is checked: hadolint,
the base image, the user, the numeric pins, that every COPY source exists and that the hashed
export of the lock covers every locked runtime package.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import tasks
from tests.conftest import run

PYTHONS = ["3.11", "3.12", "3.13"]
WORKFLOWS = [".github/workflows/ci.yml", ".github/workflows/reproduce.yml"]
PINNED_ENV = [
    "PYTHONHASHSEED=0",
    "OMP_NUM_THREADS=1",
    "OPENBLAS_NUM_THREADS=1",
    "MKL_NUM_THREADS=1",
]


def tool(name: str) -> str:
    """A linter from the template's tool environment."""
    return str(tasks.venv_executable(tasks.VENV, name))


@pytest.fixture(scope="module", params=PYTHONS)
def project(request, bake) -> Path:
    """A baked project per Python choice (the Dockerfile and workflows depend on it)."""
    return bake(python_version=request.param, package_name=f"ml_py{request.param.replace('.', '')}")


def python_of(project: Path) -> str:
    """The Python version the project was baked for."""
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))[
        "python_version"
    ]


def test_hadolint_has_no_findings(project):
    result = run([tool("hadolint"), "--failure-threshold", "style", "Dockerfile"], project)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_dockerfile_pins_the_chosen_python_runs_unprivileged_with_numerics_pinned(project):
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    version = python_of(project)
    assert len(bases) == 2
    assert all(re.fullmatch(rf"python:{re.escape(version)}\.\d+-slim-\w+", base) for base in bases)
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    for setting in PINNED_ENV:
        assert setting in text
    assert "--require-hashes" in text and "poetry export --only main" in text
    assert re.search(r'^CMD \["dvc", "repro"\]', text, re.MULTILINE)


def test_every_copy_source_exists_and_the_context_allows_it(project):
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    allowed = [
        line[1:]
        for line in (project / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *sources, _ = [part for part in line.split() if not part.startswith("--")]
        for source in sources:
            assert (project / source).exists(), source
            assert any(
                source == entry or source.startswith(f"{entry}/") for entry in allowed
            ), source


def test_hashed_export_covers_every_locked_runtime_package(project):
    result = run(
        [tool("poetry"), "export", "--only", "main", "--format", "requirements.txt"], project
    )
    assert result.returncode == 0, result.stderr
    entries = [entry for entry in re.split(r"\n(?=\S)", result.stdout.strip()) if "==" in entry]
    assert entries and all("--hash=sha256:" in entry for entry in entries)
    exported = {entry.split("==")[0].lower() for entry in entries}
    lock = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    runtime = {package["name"] for package in lock["package"] if "main" in package["groups"]}
    assert runtime and runtime <= exported


@pytest.mark.parametrize("linter", ["zizmor", "schema", "actionlint"])
def test_workflows_pass_their_linters(project, linter):
    commands = {
        "zizmor": [tool("zizmor"), "--offline", "--persona", "pedantic", ".github"],
        "schema": [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *WORKFLOWS,
        ],
        "actionlint": [tool("actionlint"), *WORKFLOWS],
    }
    result = run(commands[linter], project)
    assert result.returncode == 0, result.stdout + result.stderr
    if linter == "zizmor":
        assert "No findings" in result.stdout + result.stderr


def test_dependabot_config_is_valid_and_watches_actions_and_docker(project):
    result = run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {update["package-ecosystem"] for update in config["updates"]} == {
        "github-actions",
        "docker",
    }


def test_workflows_are_least_privilege_pinned_and_bounded(project):
    for name in WORKFLOWS:
        workflow = yaml.safe_load((project / name).read_text(encoding="utf-8"))
        assert workflow["permissions"] == {}
        assert "concurrency" in workflow
        for job in workflow["jobs"].values():
            assert job["permissions"] == {"contents": "read"}
            assert job["timeout-minutes"] <= 30
            for step in job["steps"]:
                uses = step.get("uses")
                if uses:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
                if uses and uses.startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_reproduce_workflow_covers_every_environment_and_never_reuses_outputs(project):
    workflow = yaml.safe_load(
        (project / ".github/workflows/reproduce.yml").read_text(encoding="utf-8")
    )
    assert set(workflow[True]) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    matrix = workflow["jobs"]["leg"]["strategy"]["matrix"]
    assert matrix["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert matrix["python"] == PYTHONS
    commands = json.dumps(workflow["jobs"])
    assert "dvc repro --force --no-run-cache" in commands
    assert "core.autocrlf false" in commands
    compare = workflow["jobs"]["compare"]
    assert set(compare["needs"]) == {"leg", "docker"} and "!cancelled()" in compare["if"]
    assert "GITHUB_STEP_SUMMARY" in json.dumps(compare)
    assert workflow["env"]["DEFAULT_PYTHON"] == python_of(project)


def test_pre_commit_hooks_are_local_and_run_the_locked_tools(project):
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    lock = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    dev_tools = {package["name"] for package in lock["package"] if "dev" in package["groups"]}
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    assert {hook["id"] for hook in hooks} >= {"black", "isort", "flake8", "pylint"}
    for hook in hooks:
        assert hook["language"] == "unsupported" and "additional_dependencies" not in hook
        poetry, run_, tool_name = hook["entry"].split()[:3]
        assert (poetry, run_) == ("poetry", "run") and tool_name in dev_tools, hook
