"""Stage ``train`` and model files: fits on the training rows only, seeded, stable bytes, safe
loading, finite outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from skops.io.exceptions import UntrustedTypesFoundException

from {{ cookiecutter.package_name }}.artifacts import write_csv
from {{ cookiecutter.package_name }}.config import TARGET
from {{ cookiecutter.package_name }}.model_files import load_model, model_bytes, save_model
from {{ cookiecutter.package_name }}.stages import train
from {{ cookiecutter.package_name }}.stages.ingest import breast_cancer
from {{ cookiecutter.package_name }}.stages.train import build_baseline, build_model
from tests.stages import tiny_project, variant

MODELS = ["logistic_regression", "random_forest", "hist_gradient_boosting"]
DATA = breast_cancer()
FEATURES, LABELS = DATA.drop(columns=TARGET), DATA[TARGET]


def fitted(params, name: str, seed: int, features: pd.DataFrame = FEATURES):
    """A model of kind ``name`` fitted on ``features``."""
    model_params = params.model.model_copy(update={"name": name})
    return build_model(model_params, seed).fit(features, LABELS)


def test_train_never_sees_the_test_rows(params, tmp_path):
    settings = variant(params, {"model.name": "logistic_regression"})
    paths = tiny_project(tmp_path, settings)
    features = pd.read_csv(paths.features)
    held_out = pd.read_csv(paths.split)["subset"].eq("test").to_numpy()

    def fitted_files(changed_rows: np.ndarray) -> list[bytes]:
        """Model and baseline bytes after every feature and label of ``changed_rows`` changed."""
        changed = features.copy()
        changed.loc[changed_rows] = changed.loc[changed_rows] * 3 + 1
        changed.loc[changed_rows, TARGET] = 1 - features.loc[changed_rows, TARGET]
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
def test_same_seed_gives_byte_identical_model_files(params, name):
    assert model_bytes(fitted(params, name, 3)) == model_bytes(fitted(params, name, 3))


def test_seed_reaches_the_model(params):
    assert model_bytes(fitted(params, "random_forest", 0)) != model_bytes(
        fitted(params, "random_forest", 1)
    )


@pytest.mark.parametrize("name", MODELS)
def test_model_files_round_trip_every_model_kind(params, name, tmp_path):
    model = fitted(params, name, 0)
    save_model(model, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.predict_proba(FEATURES), model.predict_proba(FEATURES))


def test_baseline_ignores_features(params):
    baseline = build_baseline(params.baseline, 0).fit(FEATURES, LABELS)
    probabilities = baseline.predict_proba(FEATURES)
    assert np.unique(probabilities, axis=0).shape[0] == 1


@pytest.mark.parametrize("name", MODELS)
def test_extreme_but_valid_inputs_give_finite_probabilities(params, name):
    scaled = FEATURES * 1e6
    scaled["constant"] = 1.0
    probabilities = fitted(params, name, 0, scaled).predict_proba(scaled)
    assert np.isfinite(probabilities).all()
    assert np.allclose(probabilities.sum(axis=1), 1)
