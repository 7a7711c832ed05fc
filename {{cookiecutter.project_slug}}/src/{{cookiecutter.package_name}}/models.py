"""The model families and how every model prepares its input: one registry, one pipeline shape.

A family is one entry in :data:`FAMILIES` plus its section under ``model`` in ``params.yaml``
(checked by ``config.ModelParams``), whose keys are the estimator's own arguments. Every model is
``preprocess -> estimator``: imputing, scaling and encoding are part of the fitted model, so they
are learned from training rows only and applied unchanged to test rows and new data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, RobustScaler, StandardScaler

from .config import BaselineParams, DataParams, ModelParams, PreprocessParams
from .errors import DataError

FAMILIES: dict[str, type[ClassifierMixin]] = {
    "logistic_regression": LogisticRegression,
    "random_forest": RandomForestClassifier,
    "hist_gradient_boosting": HistGradientBoostingClassifier,
}
SCALERS = {"standard": StandardScaler, "robust": RobustScaler}


def column_kinds(features: pd.DataFrame, settings: PreprocessParams) -> tuple[list, list]:
    """Numeric and categorical feature columns: text columns and ``categorical.columns`` are
    categorical, other columns numeric, ``skip`` columns neither."""
    problems = [
        f"preprocess.{key}: column {name!r} is not a feature column"
        for key, names in (
            ("skip", settings.skip),
            ("categorical.columns", settings.categorical.columns),
        )
        for name in names
        if name not in features.columns
    ]
    if problems:
        raise DataError(problems)
    used = [name for name in features.columns if name not in settings.skip]
    categorical = [
        name
        for name in used
        if name in settings.categorical.columns or not pd.api.types.is_numeric_dtype(features[name])
    ]
    return [name for name in used if name not in categorical], categorical


def preprocessor(settings: PreprocessParams, numeric: list, categorical: list) -> ColumnTransformer:
    """Impute and scale numeric columns; impute and encode categorical ones; drop the rest."""
    scaler = (
        SCALERS[settings.numeric.scale]() if settings.numeric.scale != "none" else "passthrough"
    )
    options = settings.categorical
    encoder = (
        OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        if options.encode == "one_hot"
        else OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    )
    return ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy=settings.numeric.impute)), ("scale", scaler)]
                ),
                numeric,
            ),
            (
                "categorical",
                Pipeline([("impute", SimpleImputer(strategy=options.impute)), ("encode", encoder)]),
                categorical,
            ),
        ],
        remainder="drop",
    )


def build_model(
    settings: ModelParams, preprocess: PreprocessParams, seed: int, features: pd.DataFrame
) -> Pipeline:
    """An unfitted ``preprocess -> estimator`` pipeline for ``settings.name``, seeded, for a
    table shaped like ``features``."""
    numeric, categorical = column_kinds(features, preprocess)
    arguments = getattr(settings, settings.name).model_dump()
    estimator = FAMILIES[settings.name](**arguments, random_state=seed)
    return Pipeline(
        [("preprocess", preprocessor(preprocess, numeric, categorical)), ("model", estimator)]
    )


def decide(probabilities: np.ndarray, classes: list, data: DataParams, threshold: float) -> tuple:
    """Predicted class of each row and the probability reported with it: binary tasks predict
    ``data.positive_class`` at or above ``threshold`` and report its probability; others predict
    the most probable class and report that class's probability."""
    if len(classes) == 2:
        positive = probabilities[:, classes.index(data.positive_class)]
        negative = next(label for label in classes if label != data.positive_class)
        return np.where(positive >= threshold, data.positive_class, negative), positive
    best = probabilities.argmax(axis=1)
    return np.asarray(classes, dtype=object)[best], probabilities.max(axis=1)


def build_baseline(settings: BaselineParams, seed: int) -> DummyClassifier:
    """An unfitted dummy classifier: the bar every model must clear."""
    return DummyClassifier(strategy=settings.strategy, random_state=seed)
