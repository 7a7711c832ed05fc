"""The template's own code keeps the rules it gives its projects: black, isort and flake8, the
pre-generation hook included (checked as rendered, since its source is a Jinja template), and its
workflows pass zizmor, actionlint and the GitHub schemas: `python3 tasks.py lint`, as CI runs it."""

from __future__ import annotations

import sys
import tomllib

from cookiecutter.environment import StrictEnvironment

import tasks
from tests.conftest import DEFAULT_ANSWERS, HEAVIEST_FIRST, ROOT, run


def test_template_code_and_workflows_pass_the_lint_command_ci_runs():
    result = run([sys.executable, "tasks.py", "lint"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for checked in ("black", "isort", "flake8", "zizmor", "actionlint", "vendor.dependabot"):
        assert checked in result.stdout, checked


def test_rendered_hook_passes_flake8(tmp_path):
    answers = DEFAULT_ANSWERS
    environment = StrictEnvironment(context={"cookiecutter": answers}, keep_trailing_newline=True)
    source = (ROOT / "hooks" / "pre_gen_project.py").read_text(encoding="utf-8")
    rendered = tmp_path / "pre_gen_project.py"
    rendered.write_text(environment.from_string(source).render(cookiecutter=answers))
    flake8 = tasks.venv_executable(tasks.VENV, "flake8")
    result = run([flake8, "--max-line-length", "100", str(rendered)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_longest_first_order_names_existing_modules_and_is_kept():
    # A renamed module would silently lose its place and might start last on an idle worker.
    names = {path.name for path in (ROOT / "tests").glob("test_*.py")}
    assert set(HEAVIEST_FIRST) <= names, set(HEAVIEST_FIRST) - names
    assert len(set(HEAVIEST_FIRST)) == len(HEAVIEST_FIRST)
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "--no-loadscope-reorder" in settings["tool"]["pytest"]["ini_options"]["addopts"]
