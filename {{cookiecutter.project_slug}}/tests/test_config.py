"""The params contract: the shipped params pass, broken ones fail with one line per problem."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import jsonschema
import pytest
import yaml

from {{ cookiecutter.package_name }}.config import load_params, params_schema, parse_params
from {{ cookiecutter.package_name }}.errors import ParamsError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
GRID = math.prod(map(len, SHIPPED["tune"]["hist_gradient_boosting"]["grid"].values()))


def broken(path: str, value: object, raw: dict | None = None) -> dict:
    """The shipped params (or ``raw``) with the dotted ``path`` set to ``value`` (``...`` deletes
    it)."""
    raw = copy.deepcopy(SHIPPED if raw is None else raw)
    *parents, leaf = path.split(".")
    section = raw
    for key in parents:
        section = section[key]
    if value is ...:
        del section[leaf]
    else:
        section[leaf] = value
    return raw


def test_shipped_params_are_valid(params):
    assert params.split.test_size == SHIPPED["split"]["test_size"]
    assert set(params.tune.families) <= set(params.tune.model_dump())


def test_committed_schema_matches_the_models():
    committed = json.loads((ROOT / "params.schema.json").read_text(encoding="utf-8"))
    assert (
        committed == params_schema()
    ), "run: python -m {{ cookiecutter.package_name }} schema > params.schema.json"


def test_json_schema_accepts_the_shipped_params():
    jsonschema.validate(SHIPPED, params_schema())


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("seed", -1, "seed: Input should be greater than or equal to 0"),
        ("seed", "42", "seed: Input should be a valid integer"),
        ("split.test_size", 1.5, "split.test_size: Input should be less than 1"),
        ("split.test_size", 0, "split.test_size: Input should be greater than 0"),
        ("tune.families", ["svm"], "tune.families.0: Input should be 'logistic_regression'"),
        ("tune.random_forest.grid.n_estimators", [0], "tune.random_forest.grid.n_estimators.0"),
        ("tune.logistic_regression.grid.C", [], "tune.logistic_regression.grid.C: List should"),
        ("tune.n_splits", 1, "tune.n_splits: Input should be greater than or equal to 2"),
        ("tune.rule", "lowest", "tune.rule: Input should be 'best_mean'"),
        ("data.source", "s3", "data.source: Input should be 'breast_cancer'"),
        ("baseline.strategy", ..., "baseline.strategy: required key is missing"),
        ("evaluate.thresh", 0.5, "evaluate.thresh: Extra inputs are not permitted"),
    ],
)
def test_each_violation_is_one_line_naming_the_key(path, value, expected):
    with pytest.raises(ParamsError) as caught:
        parse_params(broken(path, value))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"params.yaml: {expected}")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken(path, value), params_schema())


def test_several_violations_are_all_reported():
    raw = broken("seed", -1)
    raw["split"]["test_size"] = 2
    with pytest.raises(ParamsError) as caught:
        parse_params(raw)
    assert [line.split(":")[1].strip() for line in caught.value.problems] == [
        "seed",
        "split.test_size",
    ]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("tune.hist_gradient_boosting.sample", GRID + 1, f"sample {GRID + 1} is larger than"),
        ("tune.logistic_regression.grid.C", [1.0, 1.0], "values repeat in C"),
        ("tune.families", ["random_forest"] * 2, "each family may be listed once"),
    ],
)
def test_a_bad_search_space_is_one_line_before_anything_is_fitted(path, value, expected):
    with pytest.raises(ParamsError) as caught:
        parse_params(broken(path, value))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"params.yaml: {path.rsplit('.', 1)[0]}")
    assert expected in caught.value.problems[0]


def test_every_bad_search_space_entry_is_reported():
    raw = broken("tune.families", ["logistic_regression", "svm"])
    raw["tune"]["random_forest"]["grid"]["max_depth"] = []
    raw["tune"]["logistic_regression"]["grid"]["C"] = [0.1, -1.0]
    with pytest.raises(ParamsError) as caught:
        parse_params(raw)
    assert [line.split(":")[1].strip() for line in caught.value.problems] == [
        "tune.families.1",
        "tune.logistic_regression.grid.C.1",
        "tune.random_forest.grid.max_depth",
    ]


def with_values(**dotted: object) -> dict:
    """The shipped params with several keys set (``data__source`` for ``data.source``)."""
    raw = SHIPPED
    for path, value in dotted.items():
        raw = broken(path.replace("__", "."), value, raw)
    return raw


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"engine": "spark"},
            "tables: Value error, engine spark writes parquet: set tables: parquet",
        ),
        ({"tables": "parquet"}, "tables: Value error, engine pandas writes csv: set tables: csv"),
        (
            {"data__source": "synthetic", "data__n_rows": 10_000_001},
            "data: Value error, engine pandas draws at most 10,000,000 synthetic rows",
        ),
        (
            {"data__source": "file", "data__file": "rows.parquet"},
            "data: Value error, engine pandas reads CSV files (file rows.parquet)",
        ),
        (
            {"engine": "spark", "tables": "parquet", "baseline__strategy": "stratified"},
            "baseline: Value error, engine spark computes the baseline from class counts",
        ),
    ],
)
def test_what_only_spark_serves_is_one_line_naming_the_engine(values, expected):
    with pytest.raises(ParamsError) as caught:
        parse_params(with_values(**values))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"params.yaml: {expected}")


def test_spark_serves_parquet_files_and_a_billion_synthetic_rows():
    spark = {"engine": "spark", "tables": "parquet"}
    assert parse_params(with_values(**spark, data__file="rows.parquet")).data.file == "rows.parquet"
    rows = parse_params(with_values(**spark, data__source="synthetic", data__n_rows=10**9))
    assert rows.data.n_rows == 10**9


def test_unreadable_params_file_is_one_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("params.yaml: cannot be read as YAML")
