"""Every value of every option bakes into a complete, parseable, lock-consistent project.

Choice options are baked pairwise: every value of every option meets every value of every other
option in at least one variant (the full product grows too fast as options are added). Free-text
answers are cycled through the variants so each variant also exercises a different name.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import tasks
from tests.conftest import DEFAULTS, run

CHOICES = {
    key: value
    for key, value in DEFAULTS.items()
    if isinstance(value, list) and not key.startswith("_")
}
NAMES = itertools.cycle(
    [
        ("Breast Cancer Classifier", "breast_cancer_classifier"),
        ("Churn Signals", "churn_signals"),
        ('Édouard\'s "Quoted" Lab', "edouard_s_quoted_lab"),
        ("x", "x"),
        ("Fraud\\Detector 2", "fraud_detector_2"),
        ("A name long enough to wrap imports in the generated code", "long_package_name_" * 2),
    ]
)


def pairwise(options: dict[str, list[str]]) -> list[dict[str, str]]:
    """Few combinations covering every pair of values of two different options (greedy: each
    round takes the first combination of the product that covers the most uncovered pairs)."""

    def pairs(combination: dict[str, str]) -> set:
        return set(itertools.combinations(sorted(combination.items()), 2))

    product = [dict(zip(options, values)) for values in itertools.product(*options.values())]
    uncovered = set().union(*map(pairs, product))
    chosen = []
    while uncovered:
        best = max(product, key=lambda combination: len(pairs(combination) & uncovered))
        chosen.append(best)
        uncovered -= pairs(best)
    return chosen


VARIANTS = [
    dict(combination, project_name=name, package_name=package.rstrip("_"))
    for combination, (name, package) in zip(pairwise(CHOICES), NAMES)
]
IDS = ["-".join(variant[key] for key in CHOICES) for variant in VARIANTS]

# The exact files every variant contains; {package} is the variant's package name.
EXPECTED_FILES = """
.cookiecutter.json .dockerignore .dvc/.gitignore .dvc/config .dvcignore .flake8 .gitattributes
.github/dependabot.yml .github/workflows/ci.yml .github/workflows/reproduce.yml .gitignore
.github/workflows/docs.yml conftest.py mkdocs.yml docs/index.md docs/getting-started.md
docs/pipeline.md docs/model-selection.md docs/notebooks.md docs/reproducibility.md
docs/methodology.md docs/reference.md docs/spark.md docs/hooks.py tests/test_docs.py
.pre-commit-config.yaml Dockerfile LICENSE Makefile README.md data/external/README.md
docs/data-contracts.md dvc.yaml expectations/features.json expectations/raw.json
model_card.yaml noxfile.py params.schema.json params.yaml poetry.lock poetry.toml pyproject.toml
tolerance.yaml src/{package}/__init__.py src/{package}/__main__.py src/{package}/artifacts.py
src/{package}/cli.py src/{package}/commands.py src/{package}/drafting.py src/{package}/models.py
src/{package}/compare/__init__.py src/{package}/compare/checks.py src/{package}/compare/collect.py
src/{package}/compare/policy.py src/{package}/compare/report.py src/{package}/config.py
src/{package}/errors.py src/{package}/figures.py src/{package}/gate_report.py
src/{package}/gate_facts.py src/{package}/gate_text.py docs/reports.md
src/{package}/model_files.py src/{package}/partition.py src/{package}/pr_report.py
src/{package}/remote.py src/{package}/scoring.py src/{package}/search.py src/{package}/seeding.py
src/{package}/spark.py tests/test_spark.py src/{package}/spark_models.py src/{package}/portable.py
tests/test_portable.py
src/{package}/stages/__init__.py src/{package}/stages/card.py src/{package}/stages/tune.py
src/{package}/stages/evaluate.py src/{package}/stages/featurize.py src/{package}/stages/ingest.py
src/{package}/stages/manifest.py src/{package}/stages/split.py src/{package}/stages/train.py
src/{package}/stages/validate.py tests/__init__.py tests/conftest.py tests/reference/metrics.json
tests/reference/scores.json tests/runs.py tests/stages.py tests/test_artifacts.py
tests/test_compare.py tests/test_config.py tests/test_evaluate.py tests/test_featurize.py
tests/test_ingest.py tests/test_layout.py tests/test_manifest.py tests/test_pipeline.py
tests/test_card.py tests/test_remote.py tests/test_seeding.py tests/test_split.py
tests/test_train.py tests/test_tune.py tests/test_validate.py tests/test_notebooks.py
notebooks/explore.py src/{package}/workspace.py .devcontainer/devcontainer.json
.devcontainer/Dockerfile .binder/runtime.txt .binder/postBuild
""".split()
LICENSE_FIRST_LINES = {
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "Apache-2.0": "Apache License",
    "Proprietary": "Copyright (c)",
}
# Jinja that survived rendering; GitHub's own ${{ ... }} expressions are allowed.
UNRENDERED = re.compile(r"(?<!\$)\{\{|\{%|\{#")


def files_of(project: Path) -> list[Path]:
    """Every file in a baked project."""
    return sorted(path for path in project.rglob("*") if path.is_file())


def parse(path: Path) -> object:
    """Parse a TOML, YAML or JSON file (raises on a syntax error)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml" or path.name == "poetry.lock":
        return tomllib.loads(text)
    if path.suffix in {".yaml", ".yml"}:
        return yaml.safe_load(text)
    return json.loads(text)


@pytest.fixture(scope="module", params=VARIANTS, ids=IDS)
def variant(request, bake):
    """A baked variant and its answers."""
    return bake(**request.param), request.param


def test_every_pair_of_choice_values_is_baked_at_least_once():
    for first, second in itertools.combinations(CHOICES, 2):
        baked = {(variant[first], variant[second]) for variant in VARIANTS}
        assert baked == set(itertools.product(CHOICES[first], CHOICES[second])), (first, second)
    assert len(VARIANTS) < len(list(itertools.product(*CHOICES.values())))


def test_variant_has_exactly_the_expected_files(variant):
    project, answers = variant
    expected = {name.format(package=answers["package_name"]) for name in EXPECTED_FILES}
    assert {path.relative_to(project).as_posix() for path in files_of(project)} == expected


def test_nothing_is_left_unrendered(variant):
    project, _ = variant
    leftovers = [
        f"{path.relative_to(project)}: {match.group()}"
        for path in files_of(project)
        for match in UNRENDERED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert leftovers == []


def test_structured_files_parse_and_carry_the_answers(variant):
    project, answers = variant
    for path in files_of(project):
        if path.suffix in {".toml", ".yaml", ".yml", ".json"} or path.name == "poetry.lock":
            parse(path)
    metadata = parse(project / "pyproject.toml")["project"]
    assert metadata["name"] == project.name
    assert metadata["authors"] == [
        {"name": DEFAULTS["author_name"], "email": DEFAULTS["author_email"]}
    ]
    recorded = parse(project / ".cookiecutter.json")
    assert {key: recorded[key] for key in answers} == answers
    assert not any(key.startswith("_") for key in recorded)


def test_license_matches_the_choice(variant):
    project, answers = variant
    text = (project / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith(LICENSE_FIRST_LINES[answers["license"]])
    assert DEFAULTS["author_name"] in text
    declared = parse(project / "pyproject.toml")["project"]["license"]
    expected = (
        "LicenseRef-Proprietary" if answers["license"] == "Proprietary" else answers["license"]
    )
    assert declared == expected


def test_shipped_lock_is_consistent_with_the_variant(variant):
    project, _ = variant
    result = run([tasks.venv_executable(tasks.VENV, "poetry"), "check", "--lock"], project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_machine_paths_leak_into_the_project(variant, tmp_path_factory):
    project, _ = variant
    base = str(tmp_path_factory.getbasetemp())
    for path in files_of(project):
        text = path.read_text(encoding="utf-8")
        assert base not in text and str(Path.home()) not in text, path
