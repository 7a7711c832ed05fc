"""Stage ``featurize``: turn the raw dataset into the model's input table.

Only row-wise transforms belong here (they never look at other rows, so nothing leaks from the
test set before the split). Anything learned from data, such as imputing, scaling and encoding
categories, lives inside the model pipeline (``preprocess`` in ``params.yaml``) and is fitted on
training rows only. The id column stays first and the label last; other columns keep their order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .. import spark
from ..artifacts import read_table, write_csv
from ..config import DataParams, FeaturizeParams, Params, Paths
from ..errors import DataError


def featurize(raw: pd.DataFrame, settings: FeaturizeParams, data: DataParams) -> pd.DataFrame:
    """``log1p`` columns transformed and renamed ``log1p_<col>``; every other column as it was
    (new rows to predict have no label column)."""
    features = raw.drop(columns=[data.id_column, data.label], errors="ignore")
    numeric = [name for name in features.columns if pd.api.types.is_numeric_dtype(features[name])]
    too_low = [name for name in settings.log1p if name in numeric and (features[name] <= -1).any()]
    check(settings, list(features.columns), numeric, too_low)
    for name in settings.log1p:
        features[name] = np.log1p(features[name].astype("float64"))
    features = features.rename(columns={name: f"log1p_{name}" for name in settings.log1p})
    label = [data.label] if data.label in raw.columns else []
    return pd.concat([raw[[data.id_column]], features, raw[label]], axis=1)


def check(
    settings: FeaturizeParams, columns: list[str], numeric: list[str], too_low: list[str]
) -> None:
    """One line per ``log1p`` column that is missing, not numeric or not above -1 everywhere."""
    problems = []
    for name in settings.log1p:
        if name not in columns:
            problems.append(f"featurize.log1p: column {name!r} is not in the raw data")
        elif name not in numeric:
            problems.append(f"featurize.log1p: column {name!r} is not numeric")
        elif name in too_low:
            problems.append(
                f"featurize.log1p: column {name!r} has values of -1 or less, where log1p is not "
                "finite"
            )
    if problems:
        raise DataError(problems)


def on_spark(raw: Any, settings: FeaturizeParams, data: DataParams) -> Any:
    """:func:`featurize` on Spark: checked with one aggregation, then applied batch by batch on
    the executors by the pandas code itself, so every value has pandas' bits (Spark's own
    ``log1p`` can differ from numpy's in the last bit)."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    kinds = dict(raw.dtypes)
    numeric = [name for name, kind in kinds.items() if kind in spark.NUMERIC]
    present = [name for name in settings.log1p if name in numeric]
    lowest = raw.agg(*[functions.min(f"`{name}`").alias(name) for name in present]).first()
    check(
        settings,
        [name for name in raw.columns if name not in (data.id_column, data.label)],
        numeric,
        [name for name in present if lowest[name] is not None and lowest[name] <= -1],
    )
    schema = ", ".join(
        f"`log1p_{name}` double" if name in settings.log1p else f"`{name}` {kind}"
        for name, kind in [(n, k) for n, k in raw.dtypes if n != data.label]
        + [(n, k) for n, k in raw.dtypes if n == data.label]
    )

    def transform(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield featurize(batch, settings, data)

    return raw.mapInPandas(transform, schema)


def run(params: Params, paths: Paths) -> None:
    """Write the feature table."""
    if params.engine == "spark":
        with spark.session(params.spark, paths.spark_scratch) as session:
            raw = session.read.parquet(str(paths.raw))
            features = on_spark(raw, params.featurize, params.data)
            spark.write_parts(features, paths.features, params.data.id_column, params.spark.parts)
        return
    raw = read_table(paths.raw, params.data)
    write_csv(featurize(raw, params.featurize, params.data), paths.features)
