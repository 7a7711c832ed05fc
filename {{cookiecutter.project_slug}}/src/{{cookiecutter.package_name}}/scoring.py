"""How a model's predictions are scored: the same code for the test rows (``evaluate``) and for
each cross-validation fold (``tune``), so the score a model is chosen by is the score it reports.

Binary tasks are scored for ``data.positive_class`` at ``evaluate.threshold`` (the threshold is
set in params, never tuned); tasks with more classes by the most probable class, with macro
averages and one-vs-rest ROC AUC.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics

from .config import DataParams
from .errors import DataError

# What a person compares between runs: the DVC metrics file holds these; everything else goes to
# the scores file beside it.
# Accuracy is left out (it flatters any model on unbalanced classes), which also keeps
# `dvc exp show --only-changed` within 120 columns.
HEADLINE = {
    "binary": ("balanced_accuracy", "f1", "roc_auc"),
    "multiclass": ("balanced_accuracy", "f1_macro", "roc_auc_ovr"),
}
# ``tune.metric`` names the binary score; tasks with more classes use its multiclass form.
MULTICLASS_NAMES = {"roc_auc": "roc_auc_ovr", "f1": "f1_macro"}


def score(labels: np.ndarray, probability: np.ndarray, threshold: float) -> dict[str, float]:
    """Binary task (labels 1 = positive): metrics at ``threshold`` and ranking metrics."""
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


def score_multiclass(
    labels: np.ndarray, probabilities: np.ndarray, classes: list[Any]
) -> dict[str, Any]:
    """More than two classes: the most probable class is predicted."""
    predicted = np.asarray(classes)[probabilities.argmax(axis=1)]
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0
    )
    return {
        "accuracy": metrics.accuracy_score(labels, predicted),
        "balanced_accuracy": metrics.balanced_accuracy_score(labels, predicted),
        "f1_macro": metrics.f1_score(labels, predicted, average="macro", zero_division=0),
        "roc_auc_ovr": metrics.roc_auc_score(
            labels, probabilities, multi_class="ovr", labels=classes
        ),
        "log_loss": metrics.log_loss(labels, probabilities, labels=classes),
        "per_class": {
            str(label): {"precision": p, "recall": r, "f1": f, "support": int(n)}
            for label, p, r, f, n in zip(classes, precision, recall, f1, support)
        },
    }


def metric_name(metric: str, n_classes: int) -> str:
    """The name of ``tune.metric`` for a task with ``n_classes`` classes, as in the scores."""
    return metric if n_classes == 2 else MULTICLASS_NAMES.get(metric, metric)


class Task:
    """Rows' truth against the classes a model was trained on, and how to score them."""

    def __init__(  # pylint: disable=too-many-arguments  # all needed to score
        self, labels: pd.Series, classes: list[Any], data: DataParams, threshold: float, rows: str
    ) -> None:
        self.truth = labels.to_numpy()
        self.classes = classes
        self.binary = len(classes) == 2
        self.positive = data.positive_class
        self.threshold = threshold
        missing = [label for label in classes if label not in set(self.truth)]
        if missing:
            raise DataError([f"{rows} hold no row of class {missing[0]!r}"])
        if self.binary and self.positive not in classes:
            raise DataError(
                [
                    f"data.positive_class: {self.positive!r} is not a class of the label "
                    f"(classes: {', '.join(map(repr, classes))})"
                ]
            )

    @property
    def kind(self) -> str:
        """``binary`` or ``multiclass``."""
        return "binary" if self.binary else "multiclass"

    def metric_name(self, metric: str) -> str:
        """The name of ``tune.metric`` for this task, as in the scores."""
        return metric_name(metric, len(self.classes))

    def one_vs_rest(self, label: object) -> np.ndarray:
        """1 where the truth is ``label``."""
        indicator: np.ndarray = (self.truth == label).astype("int64")
        return indicator

    def scores(self, probabilities: np.ndarray) -> dict[str, Any]:
        """Every score of one model."""
        if self.binary:
            positive = probabilities[:, self.classes.index(self.positive)]
            return score(self.one_vs_rest(self.positive), positive, self.threshold)
        return score_multiclass(self.truth, probabilities, self.classes)
