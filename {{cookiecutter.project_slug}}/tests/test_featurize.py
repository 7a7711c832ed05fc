"""Stage ``featurize``: row-wise transforms only, declared columns only, id first, label last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import FeaturizeParams
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.stages.featurize import featurize

RAW = pd.DataFrame(
    {"row_id": ["r1", "r2"], "a": [0.0, 9.0], "b": [1, 2], "kind": ["x", None], "y": ["no", "yes"]}
)


@pytest.fixture(name="data")
def fixture_data(params):
    """Data params naming this module's label and derived ids."""
    return params.data.model_copy(update={"label": "y", "id": None})


def test_log1p_columns_are_transformed_and_renamed_in_place(data):
    out = featurize(RAW, FeaturizeParams(log1p=["a"]), data)
    assert list(out.columns) == ["row_id", "log1p_a", "b", "kind", "y"]
    assert np.allclose(out["log1p_a"], np.log1p(RAW["a"]))
    pd.testing.assert_frame_equal(
        out[["row_id", "b", "kind", "y"]], RAW[["row_id", "b", "kind", "y"]]
    )


def test_each_row_is_transformed_on_its_own(data):
    whole = featurize(RAW, FeaturizeParams(log1p=["a"]), data)
    alone = featurize(RAW.iloc[[1]], FeaturizeParams(log1p=["a"]), data)
    pd.testing.assert_frame_equal(whole.iloc[[1]], alone)


def test_new_rows_without_a_label_are_featurized_the_same(data):
    with_label = featurize(RAW, FeaturizeParams(log1p=["a"]), data)
    without = featurize(RAW.drop(columns="y"), FeaturizeParams(log1p=["a"]), data)
    pd.testing.assert_frame_equal(with_label.drop(columns="y"), without)


def test_unknown_undefined_and_text_columns_are_reported_together(data):
    raw = RAW.assign(c=[-1.0, 0.0])
    with pytest.raises(DataError) as caught:
        featurize(raw, FeaturizeParams(log1p=["missing", "c", "kind"]), data)
    assert caught.value.problems == [
        "featurize.log1p: column 'missing' is not in the raw data",
        "featurize.log1p: column 'c' has values of -1 or less, where log1p is not finite",
        "featurize.log1p: column 'kind' is not numeric",
    ]
