"""Stage ``featurize``: row-wise transforms only, declared columns only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import TARGET, FeaturizeParams
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.stages.featurize import featurize

RAW = pd.DataFrame({"a": [0.0, 9.0], "b": [1, 2], TARGET: [0, 1]})


def test_log1p_columns_are_transformed_and_renamed_in_place():
    out = featurize(RAW, FeaturizeParams(log1p=["a"]))
    assert list(out.columns) == ["log1p_a", "b", TARGET]
    assert np.allclose(out["log1p_a"], np.log1p(RAW["a"]))
    assert out["b"].dtype == "float64"
    assert out[TARGET].dtype == "int64"


def test_each_row_is_transformed_on_its_own():
    whole = featurize(RAW, FeaturizeParams(log1p=["a"]))
    alone = featurize(RAW.iloc[[1]], FeaturizeParams(log1p=["a"]))
    pd.testing.assert_frame_equal(whole.iloc[[1]], alone)


def test_unknown_and_undefined_columns_are_reported_together():
    raw = RAW.assign(c=[-1.0, 0.0])
    with pytest.raises(DataError) as caught:
        featurize(raw, FeaturizeParams(log1p=["missing", "c"]))
    assert caught.value.problems == [
        "featurize.log1p: column 'missing' is not in the raw data",
        "featurize.log1p: column 'c' has values of -1 or less, where log1p is not finite",
    ]
