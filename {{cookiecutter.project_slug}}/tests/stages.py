"""Tiny projects in temporary folders, for running single stages the way the CLI runs them.

A stage reads its inputs from :class:`Paths` and its settings from :class:`Params`; these helpers
write the bundled data (featurized and split) where a stage expects them, and vary params.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.artifacts import write_csv
from {{ cookiecutter.package_name }}.config import TARGET, Params, Paths, parse_params
from {{ cookiecutter.package_name }}.stages.featurize import featurize
from {{ cookiecutter.package_name }}.stages.ingest import breast_cancer
from {{ cookiecutter.package_name }}.stages.split import split_rows


def variant(params: Params, changes: dict[str, Any]) -> Params:
    """``params`` with each dotted key of ``changes`` (``"model.name"``) set, validated again."""
    raw = params.model_dump()
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        section = raw
        for key in parents:
            section = section[key]
        section[leaf] = value
    return parse_params(raw)


def tiny_project(folder: Path, params: Params, split_seed: int = 0) -> Paths:
    """A project in ``folder`` holding the bundled data as features and a split of them."""
    paths = Paths(folder)
    features = featurize(breast_cancer(), params.featurize)
    write_csv(features, paths.features)
    write_csv(split_rows(features[TARGET], params.split.test_size, split_seed), paths.split)
    return paths
