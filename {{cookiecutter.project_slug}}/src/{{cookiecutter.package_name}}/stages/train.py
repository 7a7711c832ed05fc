"""Stage ``train``: fit the candidate ``tune`` chose, and the baseline, on all training rows.

Both are seeded from ``seed``. The model is a pipeline (``models.build_model``): its imputing,
scaling and encoding are fitted here, on the training rows only. The baseline (a dummy classifier)
is the bar the model must clear; ``evaluate`` scores both on the same held-out rows. With
``engine: spark`` the model is fitted with MLlib and both are written as JSON descriptions
(``spark_models``, ``portable``).
"""

from __future__ import annotations

from .. import spark, spark_models
from ..artifacts import load_subset, read_json, write_json
from ..config import Params, Paths
from ..model_files import save_model
from ..models import build_baseline, build_model


def run_on_spark(params: Params, paths: Paths) -> None:
    """Fit the selected model with MLlib and count the classes for the baseline; write both."""
    chosen, data = read_json(paths.selection), params.data
    with spark.session(params.spark, paths.spark_scratch) as session:
        rows = spark.subset_rows(session, paths, data, "train").cache()
        model = spark_models.fit(
            chosen["family"],
            chosen["params"],
            rows,
            data=data,
            preprocess=params.preprocess,
            seed=params.seed,
            partitions=params.spark.shuffle_partitions,
            scratch=paths.spark_scratch,
        )
        baseline = spark_models.baseline(rows, data.label, params.baseline)
    write_json(model, paths.model)
    write_json(baseline, paths.baseline)


def run(params: Params, paths: Paths) -> None:
    """Fit and save the selected model and the baseline."""
    if params.engine == "spark":
        run_on_spark(params, paths)
        return
    features, labels = load_subset(paths, params.data, "train")
    chosen = read_json(paths.selection)
    model = build_model(
        chosen["family"], chosen["params"], params.preprocess, params.seed, features
    )
    save_model(model.fit(features, labels), paths.model)
    save_model(build_baseline(params.baseline, params.seed).fit(features, labels), paths.baseline)
