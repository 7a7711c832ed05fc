"""Stage ``evaluate``: score the model and the baseline on the held-out rows.

Writes ``reports/metrics.json`` (the headline scores of both models, so ``dvc metrics show`` and
``dvc exp show`` put them side by side), ``reports/scores.json`` (every score, for reading and
comparing), ``reports/predictions.csv`` (confusion-matrix data), ROC and precision-recall curve
data under ``reports/plots/`` for ``dvc plots show``, and the same plots as SVG files with an
offline page, ``reports/evaluation.html``. Every number is finite: NaN never reaches a report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics

from .. import figures
from ..artifacts import atomic_path, load_subset, write_csv, write_json
from ..config import Params, Paths
from ..errors import DataError
from ..model_files import load_model

# What a person compares between runs: the DVC metrics file holds these; everything else goes to
# the scores file beside it.
HEADLINE = ("accuracy", "balanced_accuracy", "f1", "roc_auc")


def score(labels: np.ndarray, probability: np.ndarray, threshold: float) -> dict[str, float]:
    """Metrics at the decision ``threshold`` and ranking metrics of positive-class probabilities."""
    predicted = (probability >= threshold).astype("int64")
    return {
        "accuracy": metrics.accuracy_score(labels, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(labels, predicted),
        "precision": metrics.precision_score(labels, predicted, zero_division=0),
        "recall": metrics.recall_score(labels, predicted, zero_division=0),
        "f1": metrics.f1_score(labels, predicted, zero_division=0),
        "roc_auc": metrics.roc_auc_score(labels, probability),
        "average_precision": metrics.average_precision_score(labels, probability),
        "log_loss": metrics.log_loss(labels, probability, labels=[0, 1]),
        "brier": metrics.brier_score_loss(labels, probability),
    }


def curves(labels: np.ndarray, probability: np.ndarray) -> dict[str, list[dict[str, float]]]:
    """ROC and precision-recall points, as lists of records for DVC's plot templates."""
    fpr, tpr, _ = metrics.roc_curve(labels, probability)
    precision, recall, _ = metrics.precision_recall_curve(labels, probability)
    return {
        "roc": [{"fpr": x, "tpr": y} for x, y in zip(fpr, tpr)],
        "precision_recall": [{"recall": x, "precision": y} for x, y in zip(recall, precision)],
    }


def run(params: Params, paths: Paths) -> None:
    """Score both models; write metrics, scores, predictions, curve data and figures."""
    features, labels = load_subset(paths, "test")
    if labels.nunique() < 2:
        raise DataError(["evaluate: the test set holds one class only; metrics would be undefined"])
    truth = labels.to_numpy()
    threshold = params.evaluate.threshold
    probabilities = {
        name: load_model(path).predict_proba(features)[:, 1]
        for name, path in (("model", paths.model), ("baseline", paths.baseline))
    }
    scores = {name: score(truth, p, threshold) for name, p in probabilities.items()}
    curve_data = {name: curves(truth, p) for name, p in probabilities.items()}
    for (name, kind), points in flatten_curves(curve_data).items():
        write_json(points, paths.plots / kind / f"{name}.json")
    predicted = (probabilities["model"] >= threshold).astype("int64")
    predictions = pd.DataFrame(
        {"row": features.index.to_numpy(), "actual": truth, "predicted": predicted}
    )
    write_csv(predictions.assign(probability=probabilities["model"]), paths.predictions)
    headline = {name: {key: values[key] for key in HEADLINE} for name, values in scores.items()}
    write_json(headline, paths.metrics)
    write_json({"n_test": len(truth), "threshold": threshold, **scores}, paths.scores)
    write_figures(paths, headline, curve_data, metrics.confusion_matrix(truth, predicted).tolist())


def flatten_curves(curve_data: dict[str, dict[str, list]]) -> dict[tuple[str, str], list]:
    """``{model: {kind: points}}`` -> ``{(model, kind): points}``."""
    return {
        (name, kind): points
        for name, by_kind in curve_data.items()
        for kind, points in by_kind.items()
    }


def write_figures(
    paths: Paths, headline: dict, curve_data: dict, confusion: list[list[int]]
) -> None:
    """SVG figures and the offline page that shows them beside the headline metrics."""
    drawn = {
        "roc.svg": figures.curve_figure(curve_data, "roc", "fpr", "tpr", "ROC"),
        "precision_recall.svg": figures.curve_figure(
            curve_data, "precision_recall", "recall", "precision", "Precision-recall"
        ),
        "confusion_matrix.svg": figures.confusion_figure(confusion, ["0", "1"]),
    }
    for name, figure in drawn.items():
        figures.write_svg(figure, paths.figures / name)
    folder = paths.figures.relative_to(paths.evaluation.parent).as_posix()
    html = figures.page(headline, [f"{folder}/{name}" for name in drawn])
    with atomic_path(paths.evaluation) as temporary:
        temporary.write_text(html, encoding="utf-8", newline="\n")
