"""Stage ``evaluate``: score the model and the baseline on the held-out rows.

Scores come from ``scoring`` (the code ``tune`` scores folds with). Writes
``reports/metrics.json`` (the headline scores of both models beside their cross-validated score
from ``tune``, so ``dvc metrics show`` and ``dvc exp show`` put them side by side),
``reports/scores.json`` (every score, per class too),
``reports/predictions.csv`` (row id, actual, predicted, probability), curve data under
``reports/plots/`` for ``dvc plots show`` (model and baseline; per class for the model), and the
same plots as SVG files with an offline page, ``reports/evaluation.html``. Every number is finite.
With ``engine: spark`` the model's description is applied on the executors and the test rows'
ids, labels and probabilities are gathered here to be scored by the same code.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.preprocessing import label_binarize

from .. import figures, spark, spark_models
from ..artifacts import atomic_path, load_subset, read_json, write_csv, write_json
from ..config import Params, Paths
from ..model_files import load_model
from ..models import decide
from ..scoring import HEADLINE, Task


def curves(labels: np.ndarray, probability: np.ndarray) -> dict[str, list[dict[str, float]]]:
    """ROC and precision-recall points (labels 1 = positive), as records for DVC's templates."""
    fpr, tpr, _ = metrics.roc_curve(labels, probability)
    precision, recall, _ = metrics.precision_recall_curve(labels, probability)
    return {
        "roc": [{"fpr": x, "tpr": y} for x, y in zip(fpr, tpr)],
        "precision_recall": [{"recall": x, "precision": y} for x, y in zip(recall, precision)],
    }


def file_name(label: object) -> str:
    """A class label as a file name."""
    return re.sub(r"[^\w.-]", "_", str(label))


def summary_curves(task: Task, probabilities: np.ndarray) -> figures.Curves:
    """The positive class's curves (binary) or micro-averaged one-vs-rest curves."""
    if task.binary:
        index = task.classes.index(task.positive)
        return curves(task.one_vs_rest(task.positive), probabilities[:, index])
    truth = label_binarize(task.truth, classes=task.classes)
    return curves(truth.ravel(), probabilities.ravel())


def write_curves(
    paths: Paths, task: Task, probabilities: dict[str, np.ndarray]
) -> dict[str, figures.Curves]:
    """Curve data of both models (summary) and of the model per class; returns the summary."""
    curve_data = {name: summary_curves(task, p) for name, p in probabilities.items()}
    for (name, kind), points in flatten_curves(curve_data).items():
        write_json(points, paths.plots / kind / f"{name}.json")
    for index, label in enumerate(task.classes):
        by_kind = curves(task.one_vs_rest(label), probabilities["model"][:, index])
        for kind, points in by_kind.items():
            write_json(points, paths.plots / "per_class" / kind / f"{file_name(label)}.json")
    return curve_data


def probabilities_on_spark(
    params: Params, paths: Paths, models: dict[str, Any]
) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """The test rows' labels (indexed by id) and each model's probabilities: the model is applied
    on the executors, and only ids, labels and probabilities come back (the baseline's do not
    depend on the features)."""
    with spark.session(params.spark, paths.spark_scratch) as session:
        rows = spark.subset_rows(session, paths, params.data, "test")
        table = spark_models.scored(rows, models["model"], params.data)
    labels = table.pop(params.data.label)
    return labels, {
        "model": table.to_numpy(),
        "baseline": models["baseline"].predict_proba(table.iloc[:, :0]),
    }


def run(params: Params, paths: Paths) -> None:
    """Score both models; write metrics, scores, predictions, curve data and figures."""
    models = {"model": load_model(paths.model), "baseline": load_model(paths.baseline)}
    if params.engine == "spark":
        labels, probabilities = probabilities_on_spark(params, paths, models)
    else:
        features, labels = load_subset(paths, params.data, "test")
        probabilities = {name: model.predict_proba(features) for name, model in models.items()}
    classes = models["model"].classes_.tolist()
    task = Task(labels, classes, params.data, params.evaluate.threshold, "evaluate: the test rows")
    scores = {name: task.scores(p) for name, p in probabilities.items()}
    curve_data = write_curves(paths, task, probabilities)
    predicted, probability = decide(
        probabilities["model"], task.classes, params.data, task.threshold
    )
    write_csv(
        pd.DataFrame({"actual": task.truth, "predicted": predicted, "probability": probability})
        .set_axis(labels.index)
        .reset_index(),
        paths.predictions,
    )
    headline = {
        name: {key: value[key] for key in HEADLINE[task.kind]} for name, value in scores.items()
    }
    write_json(with_cross_validation(headline, read_json(paths.selection)), paths.metrics)
    extra = {"threshold": task.threshold, "positive_class": task.positive} if task.binary else {}
    write_json(
        {"n_test": len(task.truth), "task": task.kind, "classes": task.classes, **extra, **scores},
        paths.scores,
    )
    confusion = metrics.confusion_matrix(task.truth, predicted, labels=task.classes).tolist()
    write_figures(paths, headline, curve_data, confusion, [str(label) for label in task.classes])


def with_cross_validation(headline: dict[str, Any], selection: dict[str, Any]) -> dict[str, Any]:
    """The headline scores plus the model's cross-validated score from ``tune``, named
    ``cv_<metric>``: beside the test score, an optimistic selection shows. (The baseline's is in
    ``selection.json``; the metrics file stays narrow enough to read.)"""
    cross_validated = {f"cv_{selection['metric']}": selection["score"]["mean"]}
    return {**headline, "model": {**headline["model"], **cross_validated}}


def flatten_curves(
    curve_data: dict[str, figures.Curves],
) -> dict[tuple[str, str], list[dict[str, float]]]:
    """``{model: {kind: points}}`` -> ``{(model, kind): points}``."""
    return {
        (name, kind): points
        for name, by_kind in curve_data.items()
        for kind, points in by_kind.items()
    }


def write_figures(
    paths: Paths,
    headline: dict[str, Any],
    curve_data: dict[str, figures.Curves],
    confusion: list[list[int]],
    labels: list[str],
) -> None:
    """SVG figures and the offline page that shows them beside the headline metrics."""
    drawn = {
        "roc.svg": figures.curve_figure(curve_data, "roc", "fpr", "tpr", "ROC"),
        "precision_recall.svg": figures.curve_figure(
            curve_data, "precision_recall", "recall", "precision", "Precision-recall"
        ),
        "confusion_matrix.svg": figures.confusion_figure(confusion, labels),
    }
    for name, figure in drawn.items():
        figures.write_svg(figure, paths.figures / name)
    folder = paths.figures.relative_to(paths.evaluation.parent).as_posix()
    html = figures.page(headline, [f"{folder}/{name}" for name in drawn])
    with atomic_path(paths.evaluation) as temporary:
        temporary.write_text(html, encoding="utf-8", newline="\n")
