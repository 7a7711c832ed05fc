"""The model families and how every model prepares its input: one registry, one pipeline shape.

A family is one entry in :data:`FAMILIES` plus its search space under ``tune`` in ``params.yaml``
(checked by ``config.TuneParams``), whose keys are the estimator's own arguments. The entry also
says which of its candidates is simpler, for the one-standard-error rule. Every model is
``preprocess -> estimator``: imputing, scaling and encoding are part of the fitted model, so they
are learned from training rows only (or one fold's) and applied unchanged to other rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

from .config import BaselineParams, DataParams, PreprocessParams
from .errors import DataError


@dataclass(frozen=True)
class OnSpark:
    """A family's MLlib estimator (a class of ``pyspark.ml.classification``) and how the grid's
    scikit-learn arguments translate to its params, given the number of rows it is fitted on."""

    estimator: str
    arguments: Callable[[dict[str, Any], int], dict[str, Any]]
    binary_only: bool = False


@dataclass(frozen=True)
class Family:
    """An estimator and what makes one of its candidates simpler than another: its arguments in
    order of importance, each with True when smaller values are simpler (None counts as
    unbounded, the least simple). ``spark`` is its counterpart on the Spark engine."""

    estimator: type[ClassifierMixin]
    simpler: tuple[tuple[str, bool], ...]
    spark: OnSpark


MLLIB_DEEPEST = 30  # MLlib's largest maxDepth: what an unbounded max_depth means on Spark


def _logistic_on_spark(arguments: dict[str, Any], rows: int) -> dict[str, Any]:
    # scikit-learn minimises C x (sum of losses) + |w|^2 / 2, MLlib the mean loss + regParam x
    # |w|^2 / 2: the same objective when regParam = 1 / (C x rows). Columns are scaled already.
    return {
        "regParam": 1.0 / (arguments["C"] * rows),
        "elasticNetParam": 0.0,
        "maxIter": arguments["max_iter"],
        "standardization": False,
    }


def _forest_on_spark(arguments: dict[str, Any], _: int) -> dict[str, Any]:
    return {
        "numTrees": arguments["n_estimators"],
        "maxDepth": arguments["max_depth"] or MLLIB_DEEPEST,
        "minInstancesPerNode": arguments["min_samples_leaf"],
        "featureSubsetStrategy": "sqrt",
    }


def _boosting_on_spark(arguments: dict[str, Any], _: int) -> dict[str, Any]:
    # MLlib grows trees by depth: the shallowest depth that allows max_leaf_nodes leaves.
    return {
        "stepSize": arguments["learning_rate"],
        "maxIter": arguments["max_iter"],
        "maxDepth": max(1, math.ceil(math.log2(arguments["max_leaf_nodes"]))),
    }


# Simplest family first: the order the one-standard-error rule and every tie follow.
FAMILIES: dict[str, Family] = {
    "logistic_regression": Family(
        LogisticRegression,
        (("C", True), ("max_iter", True)),
        OnSpark("LogisticRegression", _logistic_on_spark),
    ),
    "random_forest": Family(
        RandomForestClassifier,
        (("max_depth", True), ("min_samples_leaf", False), ("n_estimators", True)),
        OnSpark("RandomForestClassifier", _forest_on_spark),
    ),
    "hist_gradient_boosting": Family(
        HistGradientBoostingClassifier,
        (("max_leaf_nodes", True), ("max_iter", True), ("learning_rate", True)),
        OnSpark("GBTClassifier", _boosting_on_spark, binary_only=True),
    ),
}
SCALERS = {"standard": StandardScaler, "robust": RobustScaler}


def column_kinds(features: pd.DataFrame, settings: PreprocessParams) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns: text columns and ``categorical.columns`` are
    categorical, other columns numeric, ``skip`` columns neither."""
    numeric = {name for name in features.columns if pd.api.types.is_numeric_dtype(features[name])}
    return kinds(list(features.columns), numeric, settings)


def kinds(
    columns: list[str], numeric: set[str], settings: PreprocessParams
) -> tuple[list[str], list[str]]:
    """:func:`column_kinds` from the column names and the names of the numeric ones (what a
    Spark table's schema tells)."""
    problems = [
        f"preprocess.{key}: column {name!r} is not a feature column"
        for key, names in (
            ("skip", settings.skip),
            ("categorical.columns", settings.categorical.columns),
        )
        for name in names
        if name not in columns
    ]
    if problems:
        raise DataError(problems)
    used = [name for name in columns if name not in settings.skip]
    categorical = [
        name for name in used if name in settings.categorical.columns or name not in numeric
    ]
    return [name for name in used if name not in categorical], categorical


def preprocessor(
    settings: PreprocessParams, numeric: list[str], categorical: list[str]
) -> ColumnTransformer:
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


def simplicity(family: str, arguments: dict[str, Any]) -> tuple[Any, ...]:
    """A sort key: the simpler candidate sorts first (family order, then the family's own)."""
    key: list[Any] = [list(FAMILIES).index(family)]
    for name, smaller_is_simpler in FAMILIES[family].simpler:
        value = arguments[name]
        unbounded = value is None
        number = 0 if unbounded else (value if smaller_is_simpler else -value)
        key.append((unbounded, number))
    return tuple(key)


def build_model(
    family: str,
    arguments: dict[str, Any],
    preprocess: PreprocessParams,
    seed: int,
    features: pd.DataFrame,
) -> Pipeline:
    """An unfitted ``preprocess -> estimator`` pipeline of ``family`` with ``arguments``, seeded,
    for a table shaped like ``features``."""
    numeric, categorical = column_kinds(features, preprocess)
    estimator = FAMILIES[family].estimator(**arguments, random_state=seed)
    return Pipeline(
        [("preprocess", preprocessor(preprocess, numeric, categorical)), ("model", estimator)]
    )


def decide(
    probabilities: np.ndarray, classes: list[Any], data: DataParams, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
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
