"""Model descriptions (the Spark engine's model files) predict what the models they describe
predict: the columns prepared as scikit-learn's preprocessor prepares them, linear models, trees
and forests scored as scikit-learn scores them. Runs without Spark; ``test_spark`` checks the
descriptions MLlib's fits give against MLlib's own predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.package_name }}.artifacts import write_json
from {{ cookiecutter.package_name }}.model_files import load_model
from {{ cookiecutter.package_name }}.models import preprocessor
from {{ cookiecutter.package_name }}.portable import FORMAT, PortableModel, prepared

CATEGORIES = ["north", "south", "east"]


def rows(count: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Two numeric columns with gaps, a text column with gaps, three classes."""
    draw = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "size": draw.normal(10, 3, count),
            "count": draw.integers(0, 50, count).astype("float64"),
            "region": draw.choice(CATEGORIES, count).astype(object),
        }
    )
    frame.loc[draw.random(count) < 0.1, "size"] = np.nan
    frame.loc[draw.random(count) < 0.1, "region"] = None
    labels = pd.Series(np.where(frame["size"].fillna(10) > 10, "big", "small"), name="label")
    labels[frame["count"] > 40] = "odd"
    return frame, labels


def described_preparation(params, frame: pd.DataFrame, encode: str) -> tuple[dict, Any]:
    """scikit-learn's preprocessor fitted on ``frame``, as a description (and itself)."""
    settings = params.preprocess.model_copy(
        update={"categorical": params.preprocess.categorical.model_copy(update={"encode": encode})}
    )
    fitted = preprocessor(settings, ["size", "count"], ["region"]).fit(frame)
    numeric = fitted.named_transformers_["numeric"]
    categorical = fitted.named_transformers_["categorical"]
    centers, scales = numeric.named_steps["scale"].mean_, numeric.named_steps["scale"].scale_
    preparation = {
        "numeric": [
            {"column": name, "fill": fill, "center": center, "scale": scale}
            for name, fill, center, scale in zip(
                ["size", "count"], numeric.named_steps["impute"].statistics_, centers, scales
            )
        ],
        "categorical": [
            {
                "column": "region",
                "fill": categorical.named_steps["impute"].statistics_[0],
                "categories": categorical.named_steps["encode"].categories_[0].tolist(),
            }
        ],
        "encode": encode,
    }
    return preparation, fitted


def tree_nodes(tree) -> dict:
    """A fitted scikit-learn tree as node arrays (the layout MLlib's trees are described in)."""
    values = tree.tree_.value[:, 0, :]
    return {
        "feature": tree.tree_.feature.clip(0).tolist(),
        "threshold": tree.tree_.threshold.tolist(),
        "left": tree.tree_.children_left.tolist(),
        "right": tree.tree_.children_right.tolist(),
        "value": (values / values.sum(axis=1, keepdims=True)).tolist(),
    }


@pytest.mark.parametrize("encode", ["one_hot", "ordinal"])
def test_columns_are_prepared_as_scikit_learn_prepares_them_unseen_categories_too(params, encode):
    frame, _ = rows(300, seed=1)
    preparation, fitted = described_preparation(params, frame, encode)
    unseen = frame.assign(region=frame["region"].where(frame.index % 7 > 0, "west"))
    for table in (frame, unseen):
        np.testing.assert_allclose(
            prepared(preparation, table), fitted.transform(table), rtol=1e-12
        )


def test_a_described_logistic_regression_predicts_what_scikit_learn_predicts(params):
    frame, labels = rows(400, seed=2)
    for classes in (["big", "small"], ["big", "odd", "small"]):
        kept = labels.isin(classes).to_numpy()
        preparation, prepare = described_preparation(params, frame[kept], "one_hot")
        matrix = prepare.transform(frame[kept])
        fitted = LogisticRegression(C=0.5, max_iter=1000).fit(matrix, labels[kept])
        model = PortableModel(
            {
                "format": FORMAT,
                "classes": fitted.classes_.tolist(),
                "preparation": preparation,
                "model": {
                    "kind": "linear",
                    "weights": fitted.coef_.tolist(),
                    "intercepts": fitted.intercept_.tolist(),
                },
            }
        )
        np.testing.assert_allclose(
            model.predict_proba(frame[kept]), fitted.predict_proba(matrix), rtol=1e-10
        )


def test_a_described_forest_predicts_what_scikit_learn_predicts(params):
    frame, labels = rows(400, seed=3)
    preparation, prepare = described_preparation(params, frame, "one_hot")
    matrix = prepare.transform(frame)
    fitted = RandomForestClassifier(n_estimators=7, max_depth=5, random_state=0)
    fitted.fit(matrix, labels)
    model = PortableModel(
        {
            "format": FORMAT,
            "classes": fitted.classes_.tolist(),
            "preparation": preparation,
            "model": {"kind": "forest", "trees": [tree_nodes(t) for t in fitted.estimators_]},
        }
    )
    np.testing.assert_allclose(model.predict_proba(frame), fitted.predict_proba(matrix), rtol=1e-12)


def test_a_boosted_model_turns_its_margin_into_a_probability_as_mllib_does():
    stump = {"feature": [0, 0, 0], "threshold": [0.0, 0, 0], "left": [1, -1, -1]}
    stump |= {"right": [2, -1, -1], "value": [[0.0], [-0.25], [0.5]]}
    model = PortableModel(
        {
            "format": FORMAT,
            "classes": [0, 1],
            "preparation": {
                "numeric": [{"column": "x", "fill": 0.0, "center": 0.0, "scale": 1.0}],
                "categorical": [],
                "encode": "one_hot",
            },
            "model": {"kind": "boosted", "trees": [stump, stump], "weights": [1.0, 0.5]},
        }
    )
    positive = model.predict_proba(pd.DataFrame({"x": [-1.0, 0.0, 1.0]}))[:, 1]
    # margin = 1.5 x leaf; MLlib's logistic loss gives 1 / (1 + exp(-2 x margin))
    expected = 1 / (1 + np.exp(-2 * 1.5 * np.array([-0.25, -0.25, 0.5])))
    np.testing.assert_allclose(positive, expected, rtol=1e-15)


def test_a_description_file_loads_as_a_model_and_an_unknown_layout_is_refused(tmp_path):
    description = {
        "format": FORMAT,
        "classes": ["a", "b"],
        "model": {"kind": "constant", "probabilities": [0.25, 0.75]},
    }
    write_json(description, tmp_path / "baseline.json")
    model = load_model(tmp_path / "baseline.json")
    assert model.classes_.tolist() == ["a", "b"]
    assert model.predict_proba(pd.DataFrame(index=range(2))).tolist() == [[0.25, 0.75]] * 2
    write_json({**description, "format": FORMAT + 1}, tmp_path / "newer.json")
    with pytest.raises(ValueError, match="model description format"):
        load_model(tmp_path / "newer.json")
