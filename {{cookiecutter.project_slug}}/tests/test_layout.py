"""The pipeline's wiring: one name per stage everywhere, and dependencies that tell the truth.

A stage that reads code or params it does not declare in ``dvc.yaml`` would not rerun when they
change, and ``dvc repro`` would report stale results as up to date.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import STAGES
from tests.runs import ROOT, pipeline_stages

PACKAGE = "{{ cookiecutter.package_name }}"
SOURCE = ROOT / "src" / PACKAGE
PIPELINE = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
EXPANDED = pipeline_stages(ROOT)


def project_imports(module: str) -> set[str]:
    """Modules of this package that ``module`` imports directly (relative imports)."""
    tree = ast.parse((SOURCE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:  # from .module import name
                found.add(node.module.split(".")[0])
            else:  # from . import module
                found.update(alias.name for alias in node.names)
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


def test_stage_names_agree_across_dvc_yaml_cli_and_modules():
    modules = {path.stem for path in SOURCE.glob("*.py")}
    assert list(PIPELINE) == list(STAGES)
    assert set(STAGES) <= modules
    for name, stage in EXPANDED.items():
        assert stage["cmd"] == f"python -m {PACKAGE} {name.replace('@', ' ')}"


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_every_stage_depends_on_the_locked_environment(stage):
    assert "poetry.lock" in EXPANDED[stage]["deps"]


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_stage_declares_exactly_the_code_it_imports(stage):
    declared = {
        Path(dep).stem for dep in EXPANDED[stage]["deps"] if dep.startswith(f"src/{PACKAGE}/")
    }
    assert declared == import_closure(stage.split("@")[0])


def params_read_by(module: str, every_key: set[str]) -> set[str]:
    """Top-level params keys a module reads (``params.<key>``; ``params.model_dump`` reads all)."""
    tree = ast.parse((SOURCE / f"{module}.py").read_text(encoding="utf-8"))
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "params"
    }
    return every_key if "model_dump" in read else read


@pytest.mark.parametrize("stage", list(EXPANDED))
def test_stage_declares_exactly_the_params_it_reads(stage, params):
    every_key = set(params.model_dump())
    declared = set(EXPANDED[stage].get("params", []))
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
    assert "model_files" not in import_closure("featurize")
