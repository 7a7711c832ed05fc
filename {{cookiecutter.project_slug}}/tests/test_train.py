"""Stage ``train`` and model files: fits on the training rows only, seeded, stable bytes, safe
loading, finite outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from skops.io.exceptions import UntrustedTypesFoundException

from {{ cookiecutter.package_name }}.artifacts import read_table, write_csv
from {{ cookiecutter.package_name }}.config import TuneParams
from {{ cookiecutter.package_name }}.model_files import load_model, model_bytes, save_model
from {{ cookiecutter.package_name }}.models import FAMILIES, build_baseline, build_model
from {{ cookiecutter.package_name }}.stages import train
from tests.stages import first_point, select, tiny_project, training_data, variant

MODELS = list(FAMILIES)


@pytest.fixture(name="data", scope="module")
def fixture_data(params):
    """The project's features and labels."""
    return training_data(params)


def fitted(params, name: str, seed: int, features: pd.DataFrame, labels: pd.Series):
    """A model of family ``name`` (the first point of its grid) fitted on ``features``."""
    model = build_model(name, first_point(params, name), params.preprocess, seed, features)
    return model.fit(features, labels)


def test_every_family_is_one_registry_entry_and_one_search_space(params):
    spaces = set(TuneParams.model_fields) - {"families", "n_splits", "metric", "rule", "decimals"}
    assert set(FAMILIES) == spaces
    choices = TuneParams.model_json_schema()["properties"]["families"]["items"]["enum"]
    assert set(choices) == spaces
    for name, family in FAMILIES.items():
        searched = set(params.tune.search(name).grid.model_dump())
        assert searched == {argument for argument, _ in family.simpler}


def test_train_fits_the_candidate_tune_selected(params, tmp_path):
    paths = tiny_project(tmp_path, params)
    for name, family in FAMILIES.items():
        select(paths, name, first_point(params, name))
        train.run(params, paths)
        model = load_model(paths.model).named_steps["model"]
        assert isinstance(model, family.estimator)
        assert model.get_params() | first_point(params, name) == model.get_params()


def test_train_never_sees_the_test_rows(params, tmp_path):
    settings = params
    paths = tiny_project(tmp_path, settings)
    select(paths, "logistic_regression", first_point(settings, "logistic_regression"))
    features = read_table(paths.features, settings.data)
    held_out = read_table(paths.split, settings.data)["subset"].eq("test").to_numpy()
    label = settings.data.label
    columns = [name for name in features.select_dtypes("number") if name != label]
    others = {value: features[label].iloc[0] for value in features[label].unique()}
    others[features[label].iloc[0]] = next(v for v in others if v != features[label].iloc[0])

    def fitted_files(changed_rows: np.ndarray) -> list[bytes]:
        """Model and baseline bytes after every feature and label of ``changed_rows`` changed."""
        changed = features.copy()
        changed.loc[changed_rows, columns] = changed.loc[changed_rows, columns] * 3 + 1
        changed.loc[changed_rows, label] = features.loc[changed_rows, label].map(others)
        write_csv(changed, paths.features)
        train.run(settings, paths)
        return [paths.model.read_bytes(), paths.baseline.read_bytes()]

    untouched = fitted_files(np.zeros(len(features), dtype=bool))
    assert fitted_files(held_out) == untouched
    # The check can fail: the same change to the training rows changes both files.
    model, baseline = fitted_files(~held_out)
    assert model != untouched[0] and baseline != untouched[1]


class Unvetted(BaseEstimator):
    """A type skops has never been told to trust."""


def test_loading_refuses_types_nobody_trusted(tmp_path):
    save_model(Unvetted(), tmp_path / "odd.skops")
    with pytest.raises(UntrustedTypesFoundException):
        load_model(tmp_path / "odd.skops")


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_gives_byte_identical_model_files(params, data, name):
    assert model_bytes(fitted(params, name, 3, *data)) == model_bytes(
        fitted(params, name, 3, *data)
    )


def test_seed_reaches_the_model(params, data):
    assert model_bytes(fitted(params, "random_forest", 0, *data)) != model_bytes(
        fitted(params, "random_forest", 1, *data)
    )


@pytest.mark.parametrize("name", MODELS)
def test_model_files_round_trip_every_model_kind(params, data, name, tmp_path):
    model = fitted(params, name, 0, *data)
    save_model(model, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    features = data[0]
    np.testing.assert_array_equal(loaded.predict_proba(features), model.predict_proba(features))


def test_baseline_ignores_features(params, data):
    baseline = build_baseline(params.baseline, 0).fit(*data)
    probabilities = baseline.predict_proba(data[0])
    assert np.unique(probabilities, axis=0).shape[0] == 1


@pytest.mark.parametrize("name", MODELS)
def test_extreme_but_valid_inputs_give_finite_probabilities(params, data, name):
    features, labels = data
    scaled = features.copy()
    numbers = list(features.select_dtypes("number"))
    scaled[numbers] = scaled[numbers] * 1e6
    scaled["constant"] = 1.0
    probabilities = fitted(params, name, 0, scaled, labels).predict_proba(scaled)
    assert np.isfinite(probabilities).all()
    assert np.allclose(probabilities.sum(axis=1), 1)


@pytest.mark.parametrize("encode", ["one_hot", "ordinal"])
def test_categories_and_gaps_are_learned_from_training_rows_and_unseen_ones_are_safe(
    params, encode, tmp_path
):
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {
            "size": rng.normal(size=80),
            "colour": rng.choice(["red", "blue", None], size=80),
            "code": rng.choice([1, 2, 3], size=80),
        }
    )
    labels = pd.Series(np.where(features["size"] > 0, "big", "small"))
    settings = variant(
        params,
        {
            "preprocess.categorical.columns": ["code"],
            "preprocess.categorical.encode": encode,
            "preprocess.skip": [],
        },
    )
    arguments = first_point(settings, "logistic_regression")
    model = build_model("logistic_regression", arguments, settings.preprocess, 0, features)
    model = model.fit(features, labels)
    save_model(model, tmp_path / "model.skops")
    new = pd.DataFrame({"size": [0.5, None], "colour": ["green", None], "code": [9, 1]})
    probabilities = load_model(tmp_path / "model.skops").predict_proba(new)
    assert np.isfinite(probabilities).all()
    kinds = {name: columns for name, _, columns in model.named_steps["preprocess"].transformers}
    assert kinds == {"numeric": ["size"], "categorical": ["colour", "code"]}
