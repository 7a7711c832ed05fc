"""The project's own data as each stage sees it, and tiny projects in temporary folders for running
single stages the way the CLI runs them.

Tests read the data ``params.yaml`` configures (the bundled set, the synthetic source or your file
in ``data/external/``), so they follow the data when you bring your own.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

from {{ cookiecutter.package_name }}.artifacts import write_csv, write_json
from {{ cookiecutter.package_name }}.config import Params, Paths, load_params, parse_params
from {{ cookiecutter.package_name }}.partition import split_rows
from {{ cookiecutter.package_name }}.stages import ingest
from {{ cookiecutter.package_name }}.stages.featurize import featurize
from tests.runs import ROOT


def variant(params: Params, changes: dict[str, Any]) -> Params:
    """``params`` with each dotted key of ``changes`` (``"tune.n_splits"``) set, validated again."""
    raw = params.model_dump()
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        section = raw
        for key in parents:
            section = section[key]
        section[leaf] = value
    return parse_params(raw)


@functools.cache
def project_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw table ``ingest`` writes for the shipped params, and its features."""
    params = load_params(ROOT / "params.yaml")
    source = ingest.load(params.data, params.seed, Paths(ROOT).external)
    raw = ingest.with_ids(source, params.data, "project data")
    return raw, featurize(raw, params.featurize, params.data)


def raw_table() -> pd.DataFrame:
    """A copy of the project's raw table."""
    return project_tables()[0].copy()


def features_table() -> pd.DataFrame:
    """A copy of the project's feature table."""
    return project_tables()[1].copy()


def training_data(params: Params) -> tuple[pd.DataFrame, pd.Series]:
    """Features (indexed by row id) and labels of every row of the project's data."""
    features = features_table().set_index(params.data.id_column)
    return features.drop(columns=params.data.label), features[params.data.label]


def tiny_project(folder: Path, params: Params, split_seed: int = 0) -> Paths:
    """A project in ``folder`` holding the project's features and a split of them (stages then
    run with ``params``)."""
    paths = Paths(folder)
    features = features_table()
    data = load_params(ROOT / "params.yaml").data  # the table's own columns, whatever ``params``
    subset = split_rows(
        features[data.id_column], features[data.label], params.split.test_size, split_seed
    )
    write_csv(features, paths.features)
    write_csv(features[[data.id_column]].assign(subset=subset), paths.split)
    return paths


def first_point(params: Params, family: str) -> dict[str, Any]:
    """The first point of ``family``'s grid in ``params``: estimator arguments."""
    grid = params.tune.search(family).grid.model_dump()
    return {name: values[0] for name, values in grid.items()}


def select(paths: Paths, family: str, arguments: dict[str, Any]) -> None:
    """Record ``family`` with ``arguments`` as the choice of ``tune``, for ``train`` to fit."""
    write_json({"family": family, "params": arguments}, paths.selection)
