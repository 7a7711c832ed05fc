"""A fitted model as plain JSON: the model file of the Spark engine, read without unpickling.

MLlib's own saved models carry timestamps and random ids, so DVC would see every rerun as a new
model. ``train`` on Spark writes this description instead (``models/model.json``): the fitted
preparation of each column (fill value, centre and scale, categories), then the fitted estimator
as numbers: the weights of a linear model, or every node of every tree. Written as canonical JSON,
the same fit gives the same bytes; loaded, it predicts with numpy alone, on any machine, which is
how ``evaluate``, ``tune``'s folds and ``predict`` score rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .artifacts import read_json

FORMAT = 1  # bumped whenever the layout below changes


def prepared(preparation: dict[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """The model's input matrix: numeric columns filled, centred and scaled; categorical columns
    filled and encoded (one-hot: a 0/1 column per category, unseen ones all zeros; ordinal: the
    category's place, unseen ones -1), in that order."""
    blocks = [np.empty((len(frame), 0))]
    for column in preparation["numeric"]:
        values = frame[column["column"]].astype("float64").fillna(column["fill"]).to_numpy()
        blocks.append(((values - column["center"]) / column["scale"])[:, None])
    for column in preparation["categorical"]:
        values = frame[column["column"]].astype(object).where(frame[column["column"]].notna())
        values = values.fillna(column["fill"]).to_numpy()
        categories = column["categories"]
        if preparation["encode"] == "one_hot":
            blocks.append(np.stack([values == value for value in categories], axis=1))
        else:
            place = {value: index for index, value in enumerate(categories)}
            blocks.append(np.array([place.get(value, -1) for value in values])[:, None])
    return np.hstack(blocks).astype("float64")


def width(preparation: dict[str, Any]) -> int:
    """Columns of the matrix :func:`prepared` makes."""
    one_hot = preparation["encode"] == "one_hot"
    return len(preparation["numeric"]) + sum(
        len(column["categories"]) if one_hot else 1 for column in preparation["categorical"]
    )


def _tree_values(tree: dict[str, Any], matrix: np.ndarray) -> np.ndarray:
    """The leaf value each row reaches (left where the feature is at most the threshold)."""
    feature, threshold = np.asarray(tree["feature"]), np.asarray(tree["threshold"])
    left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
    node = np.zeros(len(matrix), dtype="int64")
    inner = left[node] >= 0
    while inner.any():
        rows = np.flatnonzero(inner)
        at = node[rows]
        go_left = matrix[rows, feature[at]] <= threshold[at]
        node[rows] = np.where(go_left, left[at], right[at])
        inner = left[node] >= 0
    values: np.ndarray = np.asarray(tree["value"], dtype="float64")[node]
    return values


def _sigmoid(margin: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-margin))
    return result


def probabilities(model: dict[str, Any], matrix: np.ndarray) -> np.ndarray:
    """Class probabilities (rows x classes) of a fitted estimator described by ``model``."""
    kind = model["kind"]
    if kind == "constant":
        return np.tile(np.asarray(model["probabilities"], dtype="float64"), (len(matrix), 1))
    if kind == "linear":
        margins = matrix @ np.asarray(model["weights"]).T + np.asarray(model["intercepts"])
        if margins.shape[1] == 1:  # binomial: one set of weights, for the second class
            positive = _sigmoid(margins[:, 0])
            return np.column_stack([1.0 - positive, positive])
        exponent = np.exp(margins - margins.max(axis=1, keepdims=True))
        result: np.ndarray = exponent / exponent.sum(axis=1, keepdims=True)
        return result
    if kind == "forest":  # the mean of each tree's class shares at the leaf
        votes = np.asarray(sum(_tree_values(tree, matrix) for tree in model["trees"]))
        shares: np.ndarray = votes / votes.sum(axis=1, keepdims=True)
        return shares
    if kind == "boosted":  # binary: weighted sum of regression trees, logistic loss (2 x margin)
        margin = sum(
            weight * _tree_values(tree, matrix)[:, 0]
            for tree, weight in zip(model["trees"], model["weights"])
        )
        positive = _sigmoid(2.0 * np.asarray(margin))
        return np.column_stack([1.0 - positive, positive])
    raise ValueError(f"unknown model kind {kind!r}")


class PortableModel:
    """A described model with the two things scoring needs: ``classes_`` and
    ``predict_proba`` (the interface of a scikit-learn classifier)."""

    def __init__(self, description: dict[str, Any]) -> None:
        if description.get("format") != FORMAT:
            raise ValueError(f"model description format {description.get('format')!r}")
        self.description = description
        self.classes_ = np.asarray(description["classes"])

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Probabilities of each class (in ``classes_`` order) for each row of ``features``."""
        preparation = self.description.get("preparation")
        matrix = prepared(preparation, features) if preparation else np.empty((len(features), 0))
        return probabilities(self.description["model"], matrix)


def load(path: Path) -> PortableModel:
    """Read a description written by ``train`` on Spark."""
    return PortableModel(read_json(path))
