"""The project's wiring: one name per stage everywhere, dependencies that tell the truth, support
code that never imports a stage, and recorded answers that agree with cruft's.

A stage that reads code or params it does not declare in ``dvc.yaml`` would not rerun when they
change, and ``dvc repro`` would report stale results as up to date.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import PurePosixPath

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import STAGES
from tests.runs import ROOT, pipeline_stages

PACKAGE = "{{ cookiecutter.package_name }}"
SOURCE = ROOT / "src" / PACKAGE
PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
EXPANDED = pipeline_stages(ROOT)


def project_imports(module: str) -> set[str]:
    """Project modules that ``module`` imports directly: paths relative to the package, without
    ``.py`` (``stages/train``, ``config``, ``compare/__init__``)."""
    tree = ast.parse((SOURCE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.level):
            continue
        base = PurePosixPath(module).parent
        for _ in range(node.level - 1):
            base = base.parent
        names = [node.module] if node.module else [alias.name for alias in node.names]
        for name in names:
            target = (base / name.replace(".", "/")).as_posix()
            if (SOURCE / f"{target}.py").is_file():
                found.add(target)
            elif (SOURCE / target / "__init__.py").is_file():
                found.add(f"{target}/__init__")
    return found


def import_closure(module: str) -> set[str]:
    """``module`` and every project module it reaches through imports."""
    seen, pending = set(), [module]
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(project_imports(current))
    return seen


MODULES = sorted(
    path.relative_to(SOURCE).with_suffix("").as_posix() for path in SOURCE.rglob("*.py")
)


def test_stage_names_agree_across_dvc_yaml_cli_and_modules():
    stage_modules = {path.stem for path in (SOURCE / "stages").glob("*.py")} - {"__init__"}
    assert list(PIPELINE) == list(STAGES)
    assert set(STAGES) == stage_modules
    for name, stage in EXPANDED.items():
        assert stage["cmd"] == f"python -m {PACKAGE} {name.replace('@', ' ')}"


# Commands that run the pipeline's pieces (the CLI, ``predict`` and suite drafting) sit above the
# stages; everything else is support code below them.
ENTRY_POINTS = {"__main__", "cli", "commands"}
SUPPORT = [name for name in MODULES if not name.startswith("stages/") and name not in ENTRY_POINTS]


@pytest.mark.parametrize("module", SUPPORT)
def test_support_code_never_imports_a_stage(module):
    assert not any(found.startswith("stages/") for found in import_closure(module))


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_itself_through_others(module):
    assert all(module not in import_closure(found) for found in project_imports(module))


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_every_stage_depends_on_the_locked_environment(stage):
    assert "poetry.lock" in EXPANDED[stage]["deps"]


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_stage_declares_exactly_the_code_it_imports(stage):
    prefix = f"src/{PACKAGE}/"
    declared = {
        dep.removeprefix(prefix).removesuffix(".py")
        for dep in EXPANDED[stage]["deps"]
        if dep.startswith(prefix)
    }
    assert declared == import_closure(f"stages/{stage.split('@')[0]}")


def params_read_by(module: str, every_key: set[str]) -> set[str]:
    """Top-level params keys a module reads (``params.<key>``; ``params.model_dump`` reads all).
    ``dvc.yaml`` may declare a section's keys one by one (``data.label``); they count as the
    section here. Settings that only open a Spark session (``spark.session(params.spark, ...)``:
    master, memory, shuffle partitions) decide where the work runs, not what it writes, so they
    do not count, like the thread and process counts."""
    tree = ast.parse((SOURCE / "stages" / f"{module}.py").read_text(encoding="utf-8"))
    session_settings = {
        id(argument)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "spark.session"
        for argument in node.args
    }
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "params"
        and id(node) not in session_settings
    }
    return every_key if "model_dump" in read else read


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_stage_declares_exactly_the_params_it_reads(stage, params):
    every_key = set(params.model_dump())
    declared = {key.split(".")[0] for key in EXPANDED[stage].get("params", [])}
    assert declared == params_read_by(stage.split("@")[0], every_key)


@pytest.mark.parametrize(
    ("gate", "table", "consumer"),
    [
        ("raw", "data/raw/dataset.csv", "featurize"),
        ("features", "data/features/features.csv", "split"),
    ],
)
def test_each_gate_checks_its_table_and_guards_the_next_stage(gate, table, consumer):
    stage = EXPANDED[f"validate@{gate}"]
    assert {table, f"expectations/{gate}.json"} <= set(stage["deps"])
    assert f"reports/validation/{gate}.json" in EXPANDED[consumer]["deps"]


def test_import_closure_follows_imports_transitively():
    assert {"config", "errors"} <= import_closure("artifacts")
    assert {"artifacts", "config", "errors"} <= import_closure("stages/featurize")
    assert "model_files" not in import_closure("stages/featurize")
    assert {"compare/checks", "compare/policy", "config"} <= import_closure("compare/__init__")


def test_the_recorded_answers_agree_with_cruft():
    cruft = ROOT / ".cruft.json"
    if not cruft.is_file():
        pytest.skip("no .cruft.json: the project is not linked to its template (see the README)")
    linked = json.loads(cruft.read_text(encoding="utf-8"))["context"]["cookiecutter"]
    recorded = json.loads((ROOT / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert {key: value for key, value in linked.items() if not key.startswith("_")} == recorded


def uses_the_pipeline_run(module: ast.Module) -> bool:
    """Whether any function of a test module takes the session's ``pipeline_run`` fixture."""
    return any(
        argument.arg == "pipeline_run"
        for node in ast.walk(module)
        if isinstance(node, ast.FunctionDef)
        for argument in node.args.args
    )


def test_every_module_using_the_pipeline_run_shares_its_worker():
    # pytest-xdist makes the session's run once per worker: a module without the group would
    # cost the suite a second full pipeline run on the other worker.
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        if uses_the_pipeline_run(ast.parse(source)):
            assert 'xdist_group("pipeline")' in source, path.name


GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("pipeline")


@pytest.mark.parametrize("case", range(4))
def test_case(case):
    assert case >= 0
"""


def test_xdist_sends_a_group_to_one_worker(tmp_path):
    # The marks above only help while pytest-xdist honours them: pytest 9.2 silently broke that
    # (see pyproject.toml), and an upgrade could again.
    for name in ("test_one.py", "test_two.py"):
        (tmp_path / name).write_text(GROUPED, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-n", "2", "-v"]
    command += ["--dist", "loadgroup", "-p", "no:cacheprovider", "-c", str(tmp_path / "none.toml")]
    command.append(str(tmp_path))
    (tmp_path / "none.toml").write_text("[tool.pytest.ini_options]\n", encoding="utf-8")
    # Only xdist is loaded: the other plugins are not under test and take seconds per process.
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    workers = re.findall(r"^\[(gw\d+)\].* PASSED ", result.stdout, re.MULTILINE)
    assert len(workers) == 8 and len(set(workers)) == 1, result.stdout
