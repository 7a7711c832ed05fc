"""Models on the Spark engine: fitted with MLlib on rows that stay on the executors, described as
plain JSON (``portable``), and scored by that description.

Each fit lays its rows out by id (``spark.laid_out``: the same partitions on any machine, which
seeded MLlib fits depend on), learns the columns' preparation with Spark aggregations (fill
values, centre and scale, categories: the steps ``models.preprocessor`` fits in scikit-learn),
prepares the rows on the executors with the very code that later scores them
(``portable.prepared``), fits the family's MLlib estimator (``models.FAMILIES``, seeded), and
turns the fitted model into its description.
The baseline is computed from the class counts. Scoring applies a description to each partition
with numpy and brings back the row id, the label and one probability per class: ``tune`` and
``evaluate`` score them with the pandas engine's own code (``scoring``).
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet

from . import portable
from .config import BaselineParams, DataParams, PreprocessParams
from .errors import DataError
from .models import FAMILIES, kinds
from .spark import NUMERIC, QUANTILE_ACCURACY, class_sizes, laid_out

# Floats of a description keep this many significant digits. Spark adds partial sums (gradients,
# means) in the order its tasks finish, which moves the last bits from run to run; rounded, a rerun
# writes the same bytes, and a change below 1e-10 relative never reaches a rounded score.
DIGITS = 10
CONSTANT_FILL = "missing_value"  # scikit-learn's constant fill for text (0 for numeric codes)


def classes_of(frame: Any, label: str) -> list[Any]:
    """The label's classes in scikit-learn's order (sorted)."""
    return sorted(row[label] for row in frame.select(label).distinct().collect())


def _numeric(frame: Any, names: list[str], settings: PreprocessParams) -> list[dict[str, Any]]:
    """Fill value, centre and scale of each numeric column (scale "none": 0 and 1)."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    if not names:
        return []

    def middle(column: Any, share: float = 0.5) -> Any:
        return functions.percentile_approx(column.cast("double"), share, QUANTILE_ACCURACY)

    fill = middle if settings.numeric.impute == "median" else functions.mean
    fills = frame.agg(*[fill(functions.col(name)).alias(name) for name in names]).first()
    filled = [
        functions.coalesce(functions.col(name).cast("double"), functions.lit(fills[name]))
        for name in names
    ]
    scale = settings.numeric.scale
    if scale == "standard":
        stats = [(functions.mean(c), functions.stddev_pop(c)) for c in filled]
    elif scale == "robust":
        stats = [(middle(c), middle(c, 0.75) - middle(c, 0.25)) for c in filled]
    else:
        stats = [(functions.lit(0.0), functions.lit(1.0)) for _ in filled]
    row = frame.agg(*[value for pair in stats for value in pair]).first()
    return [
        {
            "column": name,
            "fill": float(fills[name]),
            "center": float(row[2 * index]),
            "scale": float(row[2 * index + 1]) or 1.0,  # a constant column is left unscaled
        }
        for index, name in enumerate(names)
    ]


def _categorical(
    frame: Any, names: list[str], numeric: set[str], settings: PreprocessParams
) -> list[dict[str, Any]]:
    """Fill value and sorted categories of each categorical column."""
    found = []
    for name in names:
        counts = class_sizes(frame, name)  # rows per value, missing ones under None
        missing = counts.pop(None, 0)
        if settings.categorical.impute == "constant":
            fill = 0 if name in numeric else CONSTANT_FILL
        else:  # the most frequent, ties to the smallest (as scikit-learn)
            fill = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
        categories = sorted(set(counts) | ({fill} if missing else set()))
        found.append({"column": name, "fill": fill, "categories": categories})
    return found


def preparation(frame: Any, settings: PreprocessParams, skip: list[str]) -> dict[str, Any]:
    """How each feature column of ``frame`` (not those in ``skip``) is prepared, learned from its
    rows: ``models.preprocessor``'s steps, fitted with Spark aggregations."""
    columns = [name for name in frame.columns if name not in skip]
    numeric = {name for name, kind in frame.dtypes if kind in NUMERIC}
    numbers, categories = kinds(columns, numeric, settings)
    return {
        "numeric": _numeric(frame, numbers, settings),
        "categorical": _categorical(frame, categories, numeric, settings),
        "encode": settings.categorical.encode,
    }


def vectors(frame: Any, prepared: dict[str, Any], label: str, classes: list[Any]) -> Any:
    """``frame`` as MLlib wants it: a ``features`` vector and the class's index as ``label``."""
    from pyspark.ml.feature import VectorAssembler  # pylint: disable=import-outside-toplevel

    names = [f"x{index}" for index in range(portable.width(prepared))]
    place = {value: float(index) for index, value in enumerate(classes)}

    def prepare(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            matrix = portable.prepared(prepared, batch)
            table = pd.DataFrame(matrix, columns=names)
            yield table.assign(label=batch[label].map(place).to_numpy())

    schema = ", ".join(f"{name} double" for name in [*names, "label"])
    assembled = VectorAssembler(inputCols=names, outputCol="features")
    return assembled.transform(frame.mapInPandas(prepare, schema)).select("features", "label")


def _trees(saved: Path, value: str) -> list[dict[str, Any]]:
    """Every tree of a saved MLlib tree model, node arrays indexed by node id. ``value`` is what
    a leaf gives: ``shares`` (class counts as shares) or ``prediction`` (a regression tree's)."""
    rows = pyarrow.parquet.read_table(saved / "data").to_pylist()
    trees: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        trees.setdefault(row["treeID"], []).append(row["nodeData"])
    found = []
    for tree_id in sorted(trees):
        nodes = sorted(trees[tree_id], key=lambda node: node["id"])
        if any(node["split"]["numCategories"] != -1 for node in nodes if node["leftChild"] >= 0):
            raise ValueError("categorical splits are not described (features are all numeric)")
        leaf = [node["leftChild"] < 0 for node in nodes]
        found.append(
            {
                "feature": [
                    0 if end else node["split"]["featureIndex"] for node, end in zip(nodes, leaf)
                ],
                "threshold": [
                    0.0 if end else node["split"]["leftCategoriesOrThreshold"][0]
                    for node, end in zip(nodes, leaf)
                ],
                "left": [node["leftChild"] for node in nodes],
                "right": [node["rightChild"] for node in nodes],
                "value": [
                    (
                        [count / sum(node["impurityStats"]) for count in node["impurityStats"]]
                        if value == "shares"
                        else [node["prediction"]]
                    )
                    for node in nodes
                ],
            }
        )
    return found


def described(fitted: Any, scratch: Path) -> dict[str, Any]:
    """The fitted MLlib estimator as plain data."""
    if hasattr(fitted, "coefficientMatrix"):
        return {
            "kind": "linear",
            "weights": fitted.coefficientMatrix.toArray().tolist(),
            "intercepts": fitted.interceptVector.toArray().tolist(),
        }
    saved = scratch / "model"
    shutil.rmtree(saved, ignore_errors=True)
    fitted.write().overwrite().save(str(saved))
    try:
        if hasattr(fitted, "treeWeights") and type(fitted).__name__.startswith("GBT"):
            return {
                "kind": "boosted",
                "trees": _trees(saved, "prediction"),
                "weights": list(fitted.treeWeights),
            }
        return {"kind": "forest", "trees": _trees(saved, "shares")}
    finally:
        shutil.rmtree(saved, ignore_errors=True)


def rounded(value: Any) -> Any:
    """``value`` with every float kept to :data:`DIGITS` significant digits."""
    if isinstance(value, float):
        return float(f"{value:.{DIGITS}g}")
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def fit(  # pylint: disable=too-many-arguments  # what to fit, on what, and where
    family: str,
    arguments: dict[str, Any],
    rows: Any,
    *,
    data: DataParams,
    preprocess: PreprocessParams,
    seed: int,
    partitions: int,
    scratch: Path,
) -> dict[str, Any]:
    """Fit ``family`` with ``arguments`` on ``rows`` (feature columns, id and label), laid out
    in ``partitions``; return its description."""
    spec = FAMILIES[family].spark
    classes = classes_of(rows, data.label)
    if spec.binary_only and len(classes) > 2:
        raise DataError(
            [
                f"tune.families: {family} on engine spark is binary only (MLlib's "
                f"{spec.estimator}); the label has {len(classes)} classes: remove it"
            ]
        )
    rows = laid_out(rows, data.id_column, partitions)
    features = rows.drop(data.id_column, data.label)
    prepared = rounded(preparation(features, preprocess, preprocess.skip))
    table = vectors(rows, prepared, data.label, classes).cache()  # prepared once, not per pass
    estimator = getattr(importlib.import_module("pyspark.ml.classification"), spec.estimator)
    estimator = estimator(**spec.arguments(arguments, table.count()))
    if estimator.hasParam("seed"):
        estimator = estimator.setSeed(seed)
    fitted = estimator.fit(table)
    table.unpersist()
    return {
        "format": portable.FORMAT,
        "family": family,
        "arguments": arguments,
        "classes": classes,
        "preparation": prepared,
        "model": rounded(described(fitted, scratch)),
    }


def baseline(rows: Any, label: str, settings: BaselineParams) -> dict[str, Any]:
    """The baseline, computed directly from the class counts of ``rows``."""
    counts = class_sizes(rows, label)
    classes = sorted(counts)
    shares = np.array([counts[value] for value in classes], dtype="float64") / sum(counts.values())
    if settings.strategy == "most_frequent":
        shares = np.eye(len(classes))[int(np.argmax(shares))]
    elif settings.strategy == "uniform":
        shares = np.full(len(classes), 1.0 / len(classes))
    return {
        "format": portable.FORMAT,
        "strategy": settings.strategy,
        "classes": classes,
        "model": {"kind": "constant", "probabilities": shares.tolist()},
    }


def scored(rows: Any, model: portable.PortableModel, data: DataParams) -> pd.DataFrame:
    """Id, label and the model's probability of each class for every row, sorted by id: the
    description is applied on the executors, only these columns come back."""
    names = [f"p{index}" for index in range(len(model.classes_))]
    keep = [data.id_column, data.label]

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            shares = model.predict_proba(batch.drop(columns=keep))
            yield batch[keep].reset_index(drop=True).join(pd.DataFrame(shares, columns=names))

    types = dict(rows.dtypes)
    schema = ", ".join(
        [f"`{name}` {types[name]}" for name in keep] + [f"{name} double" for name in names]
    )
    table: pd.DataFrame = rows.mapInPandas(score, schema).toArrow().to_pandas()
    table[data.id_column] = table[data.id_column].astype(str)
    return table.sort_values(data.id_column, ignore_index=True).set_index(data.id_column)
