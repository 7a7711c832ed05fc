"""Stage ``evaluate``: score the model and the baseline on the held-out rows.

Writes ``reports/metrics.json`` (both models, same metrics, so ``dvc metrics show`` puts them side
by side), ``reports/predictions.csv`` (confusion-matrix data) and ROC and precision-recall curves
under ``reports/plots/`` for ``dvc plots show``. Every number is finite: NaN never reaches a report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import metrics

from .artifacts import load_subset, write_csv, write_json
from .config import Params, Paths
from .errors import DataError
from .model_files import load_model


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
    """Score both models and write metrics, predictions and curves."""
    features, labels = load_subset(paths, "test")
    if labels.nunique() < 2:
        raise DataError(["evaluate: the test set holds one class only; metrics would be undefined"])
    truth = labels.to_numpy()
    threshold = params.evaluate.threshold
    report = {}
    for name, path in (("model", paths.model), ("baseline", paths.baseline)):
        probability = load_model(path).predict_proba(features)[:, 1]
        report[name] = score(truth, probability, threshold)
        for kind, points in curves(truth, probability).items():
            write_json(points, paths.plots / kind / f"{name}.json")
        if name == "model":
            predictions = pd.DataFrame(
                {
                    "row": features.index.to_numpy(),
                    "actual": truth,
                    "predicted": (probability >= threshold).astype("int64"),
                    "probability": probability,
                }
            )
            write_csv(predictions, paths.predictions)
    report["n_test"] = len(truth)
    write_json(report, paths.metrics)
