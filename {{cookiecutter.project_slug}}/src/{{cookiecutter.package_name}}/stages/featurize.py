"""Stage ``featurize``: turn the raw dataset into the model's input table.

Only row-wise transforms belong here (they never look at other rows, so nothing leaks from the
test set before the split). Anything learned from data, such as imputing, scaling and encoding
categories, lives inside the model pipeline (``preprocess`` in ``params.yaml``) and is fitted on
training rows only. The id column stays first and the label last; other columns keep their order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..artifacts import read_table, write_csv
from ..config import DataParams, FeaturizeParams, Params, Paths
from ..errors import DataError


def featurize(raw: pd.DataFrame, settings: FeaturizeParams, data: DataParams) -> pd.DataFrame:
    """``log1p`` columns transformed and renamed ``log1p_<col>``; every other column as it was
    (new rows to predict have no label column)."""
    features = raw.drop(columns=[data.id_column, data.label], errors="ignore")
    problems = []
    for name in settings.log1p:
        if name not in features.columns:
            problems.append(f"featurize.log1p: column {name!r} is not in the raw data")
        elif not pd.api.types.is_numeric_dtype(features[name]):
            problems.append(f"featurize.log1p: column {name!r} is not numeric")
        elif (features[name] <= -1).any():
            problems.append(
                f"featurize.log1p: column {name!r} has values of -1 or less, where log1p is not "
                "finite"
            )
    if problems:
        raise DataError(problems)
    for name in settings.log1p:
        features[name] = np.log1p(features[name].astype("float64"))
    features = features.rename(columns={name: f"log1p_{name}" for name in settings.log1p})
    label = [data.label] if data.label in raw.columns else []
    return pd.concat([raw[[data.id_column]], features, raw[label]], axis=1)


def run(params: Params, paths: Paths) -> None:
    """Write the feature table."""
    raw = read_table(paths.raw, params.data)
    write_csv(featurize(raw, params.featurize, params.data), paths.features)
