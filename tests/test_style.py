"""The template's own code keeps the rules it gives its projects: black, isort and flake8, the
pre-generation hook included (checked as rendered, since its source is a Jinja template)."""

from __future__ import annotations

import pytest
from cookiecutter.environment import StrictEnvironment

import tasks
from tests.conftest import DEFAULT_ANSWERS, ROOT, run

OWN_CODE = ["tasks.py", "local_extensions.py", "tests", "benchmarks"]


@pytest.mark.parametrize(
    "command",
    [["black", "--check", *OWN_CODE], ["isort", "--check-only", *OWN_CODE], ["flake8"]],
    ids=lambda command: command[0],
)
def test_template_code_passes_its_own_gates(command):
    result = run([tasks.venv_executable(tasks.VENV, command[0]), *command[1:]], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_hook_passes_flake8(tmp_path):
    answers = DEFAULT_ANSWERS
    environment = StrictEnvironment(context={"cookiecutter": answers}, keep_trailing_newline=True)
    source = (ROOT / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    rendered = tmp_path / "pre_gen_project.py"
    rendered.write_text(environment.from_string(source).render(cookiecutter=answers))
    flake8 = tasks.venv_executable(tasks.VENV, "flake8")
    result = run([flake8, "--max-line-length", "100", str(rendered)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
