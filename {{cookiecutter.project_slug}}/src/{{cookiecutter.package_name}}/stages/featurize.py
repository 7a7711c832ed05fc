"""Stage ``featurize``: turn the raw dataset into model-ready numeric features.

Only row-wise transforms belong here (they never look at other rows, so nothing leaks from the
test set before the split); anything fitted, such as scaling, lives inside the model in ``train``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..artifacts import write_csv
from ..config import TARGET, FeaturizeParams, Params, Paths
from ..errors import DataError


def featurize(raw: pd.DataFrame, settings: FeaturizeParams) -> pd.DataFrame:
    """Float64 features in the raw column order, ``log1p`` columns transformed and renamed, then
    the integer ``target`` last."""
    features = raw.drop(columns=TARGET)
    problems = [
        f"featurize.log1p: column {name!r} is not in the raw data"
        for name in settings.log1p
        if name not in features.columns
    ]
    problems += [
        f"featurize.log1p: column {name!r} has values of -1 or less, where log1p is not finite"
        for name in settings.log1p
        if name in features.columns and (features[name] <= -1).any()
    ]
    if problems:
        raise DataError(problems)
    features = features.astype("float64")
    for name in settings.log1p:
        features[name] = np.log1p(features[name])
    features = features.rename(columns={name: f"log1p_{name}" for name in settings.log1p})
    features[TARGET] = raw[TARGET].astype("int64")
    return features


def run(params: Params, paths: Paths) -> None:
    """Write the feature table."""
    write_csv(featurize(pd.read_csv(paths.raw), params.featurize), paths.features)
