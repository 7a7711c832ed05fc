"""The one-click environments of a generated project: the dev container and Binder.

Neither a Docker engine nor Binder runs here, so what can be checked without them is: the dev
container's JSON against a pinned copy of its schema (tests/schemas/), its base image and Poetry
against the Dockerfile's and CI's, its commands against the README's (which test_quickstart.py
runs), analytics and telemetry off; and Binder's `postBuild`, run for real in a fresh virtualenv of
the Python `runtime.txt` names, as repo2docker would run it, in a Git copy of a fresh bake.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys

import pytest

import tasks
from tests.conftest import ROOT, interpreter, run
from tests.test_ci_files import tool
from tests.test_quickstart import bash_block
from tools import run_workflows

SCHEMA = ROOT / "tests" / "schemas" / "devContainer.base.schema.json"


@pytest.fixture(scope="module", params=["3.12", "3.13"])
def project(request, bake):
    """A fresh bake per Python choice (the base image follows it)."""
    return bake(python_version=request.param)


def test_devcontainer_json_is_valid_against_the_pinned_schema(project):
    config = ".devcontainer/devcontainer.json"
    result = run([tool("check-jsonschema"), "--schemafile", SCHEMA, config], project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_a_broken_devcontainer(project, tmp_path):
    config = json.loads((project / ".devcontainer/devcontainer.json").read_text(encoding="utf-8"))
    for broken in ({"forwardPorts": "8888"}, {"build": {"context": ".."}}, {"onCreate": "x"}):
        path = tmp_path / "devcontainer.json"
        path.write_text(json.dumps({**config, **broken}), encoding="utf-8")
        result = run([tool("check-jsonschema"), "--schemafile", SCHEMA, path], project)
        assert result.returncode == 1, (broken, result.stdout)


def base_images(dockerfile: str) -> set[str]:
    """The images a Dockerfile starts from."""
    return set(re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE))


def test_the_dev_container_starts_from_the_dockerfiles_image_with_ci_s_poetry(project):
    devcontainer = (project / ".devcontainer/Dockerfile").read_text(encoding="utf-8")
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    assert base_images(devcontainer) == base_images(dockerfile)
    version = json.loads((project / ".cookiecutter.json").read_text())["python_version"]
    assert {image.split(":")[1].rsplit(".", 1)[0] for image in base_images(devcontainer)} == {
        f"{version}"
    }
    pinned = run_workflows.poetry_version()
    workflow = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert f'POETRY_VERSION: "{pinned}"' in workflow
    for text in (devcontainer, (project / ".binder/postBuild").read_text(encoding="utf-8")):
        assert re.findall(r'"poetry==([^"]+)"', text) == [pinned]
    config = json.loads((project / ".devcontainer/devcontainer.json").read_text(encoding="utf-8"))
    created = re.search(r"useradd .*--uid (\d+) .*?(\w+)$", devcontainer, re.MULTILINE)
    assert created and created.group(2) == config["remoteUser"] != "root"
    uid = created.group(1)
    assert re.findall(r"^USER (\S+)", devcontainer, re.MULTILINE) == [f"{uid}:{uid}"] != ["0:0"]


def test_the_dev_container_runs_the_readme_s_commands_and_sends_nothing(project):
    config = json.loads((project / ".devcontainer/devcontainer.json").read_text(encoding="utf-8"))
    readme = (project / "README.md").read_text(encoding="utf-8")
    notebooks = bash_block(readme, "## Notebooks")
    quick_start = bash_block(readme, "## Quick start")
    assert config["onCreateCommand"] == f"{notebooks[0]} --compile"
    assert config["postCreateCommand"] in quick_start
    for command in (config["onCreateCommand"], config["postCreateCommand"]):
        assert run_workflows.single_command(command) is None
    assert config["containerEnv"]["DVC_NO_ANALYTICS"] == "1"
    assert config["containerEnv"]["GX_ANALYTICS_ENABLED"] == "false"
    assert config["customizations"]["vscode"]["settings"]["telemetry.telemetryLevel"] == "off"
    assert not [key for key in config if key in ("features", "image", "dockerComposeFile")]


def test_binder_takes_the_chosen_python_and_an_executable_post_build(project):
    version = json.loads((project / ".cookiecutter.json").read_text())["python_version"]
    assert (project / ".binder/runtime.txt").read_text(encoding="utf-8") == f"python-{version}\n"
    post_build = project / ".binder/postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR
    lines = post_build.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#!/bin/bash" and "set -euo pipefail" in lines
    assert sorted(path.name for path in (project / ".binder").iterdir()) == [
        "postBuild",
        "runtime.txt",
    ]


@pytest.mark.slow
def test_binder_post_build_installs_the_lock_and_runs_the_pipeline(bake, tmp_path):
    project = bake()
    assert run(["git", "init", "--quiet"], project).returncode == 0
    version = (project / ".binder/runtime.txt").read_text(encoding="utf-8").strip()[7:]
    python = interpreter(version) or sys.executable
    environment = tmp_path / "notebook-env"  # repo2docker's kernel environment
    assert run([python, "-m", "venv", environment], project).returncode == 0
    bin_dir = tasks.venv_executable(environment, "python").parent
    home = tmp_path / "home"
    env = dict(
        os.environ,
        PATH=os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "jupyter"),
        # Binder's build compiles every installed module for the sessions it starts; here that
        # is a minute of CPU for a check that needs none: Python caches what the run imports.
        PIP_COMPILE="false",
    )
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # As written, except that pip may use its cache here (Binder's image must not keep one).
    script = (project / ".binder/postBuild").read_text(encoding="utf-8")
    assert script.count(" --no-cache-dir") == 3
    cached = tmp_path / "postBuild"
    cached.write_text(script.replace(" --no-cache-dir", ""), encoding="utf-8")
    result = run(["bash", cached], project, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = json.loads((project / "reports/metrics.json").read_text(encoding="utf-8"))
    assert metrics["model"]["roc_auc"] > metrics["baseline"]["roc_auc"]
    overrides = home / "jupyter" / "labconfig" / "default_setting_overrides.json"
    assert "Jupytext Notebook" in overrides.read_text(encoding="utf-8")
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    probe = f"import {package}.workspace as w; print(w.project_paths().root)"
    found = run([bin_dir / "python", "-c", probe], tmp_path, env)
    assert found.stdout.strip() == str(project), found.stderr
