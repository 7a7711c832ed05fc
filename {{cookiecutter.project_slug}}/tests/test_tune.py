"""Stage ``tune``: folds follow the split's rule, the test rows never count, the choice follows
the declared rule and order, and the outputs are the same bytes for any number of processes."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.artifacts import read_json, read_table, write_csv
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.models import simplicity
from {{ cookiecutter.package_name }}.partition import fold_rows
from {{ cookiecutter.package_name }}.search import (
    Candidate,
    Summary,
    candidates,
    choose,
    ranking,
)
from {{ cookiecutter.package_name }}.stages import tune
from tests.stages import tiny_project, variant

# A small space for the stage tests: two families, a searched value in each.
SMALL = {
    "tune.families": ["logistic_regression", "random_forest"],
    "tune.n_splits": 3,
    "tune.logistic_regression.grid.C": [0.1, 1.0],
    "tune.logistic_regression.sample": None,
    "tune.random_forest.grid.n_estimators": [10],
    "tune.random_forest.grid.max_depth": [3, None],
    "tune.random_forest.grid.min_samples_leaf": [1],
    "tune.random_forest.sample": None,
}


def tuned(paths) -> dict[str, bytes]:
    """Every file ``tune`` wrote."""
    return {path.name: path.read_bytes() for path in sorted(paths.tuning.rglob("*.*"))}


def test_folds_are_stratified_and_depend_only_on_id_label_and_seed():
    rng = np.random.default_rng(1)
    ids = pd.Series([f"row-{number}" for number in range(103)])
    labels = pd.Series(rng.choice(["a", "b", "c"], size=103, p=[0.6, 0.3, 0.1]))
    folds = fold_rows(ids, labels, 4, seed=7)
    for _, group in folds.groupby(labels):
        counts = group.value_counts().reindex(range(4), fill_value=0)
        assert counts.max() - counts.min() <= 1
    shuffled = rng.permutation(103)
    again = fold_rows(
        ids[shuffled].reset_index(drop=True), labels[shuffled].reset_index(drop=True), 4, 7
    )
    assert dict(zip(ids[shuffled], again)) == dict(zip(ids, folds))
    assert not folds.equals(fold_rows(ids, labels, 4, seed=8))


def test_a_class_smaller_than_the_folds_is_one_line():
    labels = pd.Series(["a"] * 10 + ["b"] * 2)
    with pytest.raises(DataError) as caught:
        fold_rows(pd.Series(range(12)).astype(str), labels, 3, 0)
    assert caught.value.problems == [
        "tune: class 'b' has 2 rows; each class needs at least 3 training rows for 3 folds "
        "(lower tune.n_splits)"
    ]


def test_the_space_expands_in_declared_order_and_samples_with_the_seed(params):
    settings = variant(params, SMALL)
    pool = candidates(settings.tune, settings.seed)
    assert [c.family for c in pool] == ["logistic_regression"] * 2 + ["random_forest"] * 2
    assert [c.params["C"] for c in pool[:2]] == [0.1, 1.0]
    sampled = variant(
        settings,
        {
            "tune.families": ["logistic_regression"],
            "tune.logistic_regression.grid.C": [0.01, 0.1, 1.0, 10.0, 100.0],
            "tune.logistic_regression.sample": 2,
        },
    )
    drawn = [tuple(c.arguments) for c in candidates(sampled.tune, 0)]
    assert len(drawn) == 2 and drawn == [tuple(c.arguments) for c in candidates(sampled.tune, 0)]
    others = {
        tuple(tuple(c.arguments) for c in candidates(sampled.tune, seed)) for seed in range(8)
    }
    assert len(others) > 1


def test_simpler_means_earlier_family_then_the_family_order():
    assert simplicity("logistic_regression", {"C": 10.0, "max_iter": 1000}) < simplicity(
        "random_forest", {"n_estimators": 1, "max_depth": 1, "min_samples_leaf": 50}
    )
    assert simplicity("logistic_regression", {"C": 0.1, "max_iter": 1000}) < simplicity(
        "logistic_regression", {"C": 1.0, "max_iter": 100}
    )
    forest = [
        {"n_estimators": 10, "max_depth": None, "min_samples_leaf": 1},
        {"n_estimators": 10, "max_depth": 4, "min_samples_leaf": 1},
        {"n_estimators": 10, "max_depth": 4, "min_samples_leaf": 5},
    ]
    ordered = sorted(forest, key=lambda arguments: simplicity("random_forest", arguments))
    assert ordered == [forest[2], forest[1], forest[0]]


def pool_of(*values: float) -> list[Candidate]:
    """Logistic regressions with these C values (smaller C is simpler)."""
    return [Candidate("logistic_regression", (("C", c), ("max_iter", 100))) for c in values]


@pytest.mark.parametrize("rule", ["best_mean", "one_standard_error"])
def test_scores_equal_after_rounding_are_a_tie_that_the_simpler_candidate_wins(params, rule):
    settings = variant(params, {"tune.rule": rule, "tune.n_splits": 4, "tune.decimals": 3})
    pool = pool_of(10.0, 1.0)  # the simpler one last
    folds = [[0.9000000001] * 4, [0.8999999999] * 4]  # last-bit apart: both round to 0.9
    summaries = [Summary.of(values, 3) for values in folds]
    assert ranking(pool, summaries) == [1, 0]
    assert choose(pool, summaries, settings.tune)["chosen"] == 1


def test_the_one_standard_error_rule_takes_the_simplest_within_one_error_of_the_best(params):
    pool = pool_of(10.0, 1.0, 0.1, 0.01)
    folds = [
        [0.95, 0.91, 0.93, 0.93],  # best mean 0.93, std 0.014: one error = 0.007
        [0.92, 0.93, 0.92, 0.93],  # 0.925: within
        [0.92, 0.92, 0.93, 0.93],  # 0.925: within, and simpler
        [0.90, 0.91, 0.92, 0.91],  # 0.91: outside
    ]
    summaries = [Summary.of(values, 3) for values in folds]
    one_error = choose(pool, summaries, variant(params, {"tune.n_splits": 4}).tune)
    assert (one_error["best"], one_error["chosen"]) == (0, 2)
    assert one_error["standard_error"] == 0.007
    best = choose(pool, summaries, variant(params, {"tune.rule": "best_mean"}).tune)
    assert best["chosen"] == 0


@pytest.fixture(name="small")
def fixture_small(params, tmp_path):
    """A tiny project and params with a small search space."""
    settings = variant(params, SMALL)
    return settings, tiny_project(tmp_path, settings)


def test_tune_never_sees_the_test_rows(small):
    settings, paths = small
    data = settings.data
    features = read_table(paths.features, data)
    held_out = read_table(paths.split, data)["subset"].eq("test").to_numpy()
    columns = [name for name in features.select_dtypes("number") if name != data.label]
    classes = list(features[data.label].unique())
    other = dict(zip(classes, classes[1:] + classes[:1]))

    def outputs_after_changing(rows: np.ndarray) -> dict[str, bytes]:
        changed = features.copy()
        changed.loc[rows, columns] = changed.loc[rows, columns] * 3 + 1
        changed.loc[rows, data.label] = features.loc[rows, data.label].map(other)
        write_csv(changed, paths.features)
        tune.run(settings, paths)
        return tuned(paths)

    untouched = outputs_after_changing(np.zeros(len(features), dtype=bool))
    assert outputs_after_changing(held_out) == untouched
    # The check can fail: the same change to the training rows changes the scores.
    assert outputs_after_changing(~held_out)["candidates.csv"] != untouched["candidates.csv"]


def test_outputs_are_the_same_bytes_for_one_and_two_processes(small, monkeypatch):
    settings, paths = small
    runs = []
    for processes in ("1", "2"):
        monkeypatch.setenv("TUNE_PROCESSES", processes)
        tune.run(settings, paths)
        runs.append(tuned(paths))
    assert runs[0] == runs[1]
    assert {"candidates.csv", "selection.json", "logistic_regression.C.json"} <= set(runs[0])


def test_the_seed_reaches_the_folds_and_the_models(small):
    settings, paths = small
    tune.run(settings, paths)
    first = tuned(paths)
    tune.run(variant(settings, {"seed": settings.seed + 1}), paths)
    assert tuned(paths)["candidates.csv"] != first["candidates.csv"]


def test_the_reason_can_be_checked_against_the_candidates(small):
    settings, paths = small
    tune.run(settings, paths)
    selection = read_json(paths.selection)
    with paths.candidates.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == selection["candidates"] == 4
    assert [int(row["rank"]) for row in rows] == [1, 2, 3, 4]
    chosen = next(
        row
        for row in rows
        if row["family"] == selection["family"] and json.loads(row["params"]) == selection["params"]
    )
    places = f".{settings.tune.decimals}f"
    assert float(chosen["mean"]) == selection["score"]["mean"]
    assert f"{float(chosen['mean']):{places}}" in selection["reason"]
    assert f"{float(rows[0]['mean']):{places}}" in selection["reason"]
    assert f"the baseline's {selection['baseline']['mean']:{places}}." in selection["reason"]
    for name, value in selection["params"].items():
        assert f"{name}={json.dumps(value)}" in selection["reason"]
    folds = [float(chosen[f"fold_{fold}"]) for fold in (1, 2, 3)]
    assert selection["score"]["mean"] == round(sum(folds) / 3, settings.tune.decimals)
