"""Fixtures shared by the tests: the project's own params, and one real pipeline run."""

from __future__ import annotations

import pytest

from {{ cookiecutter.package_name }}.config import Params, Paths, load_params
from tests.runs import ROOT, copy_pipeline, dvc


@pytest.fixture(scope="session")
def params() -> Params:
    """The project's params, as shipped."""
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """A finished ``dvc repro`` of the shipped pipeline in a temporary copy.

    pytest-xdist makes it once per worker, so every test using it carries
    ``xdist_group("pipeline")``: the tests that need the run share one worker and one run.
    """
    project = copy_pipeline(tmp_path_factory.mktemp("pipeline"))
    result = dvc(project, "repro")
    assert result.returncode == 0, result.stdout + result.stderr
    return Paths(project)
