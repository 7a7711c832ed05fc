"""Stage ``evaluate``: score the model and the baseline on the held-out rows.

Binary tasks are scored for ``data.positive_class`` at ``evaluate.threshold``; tasks with more
classes by the most probable class, with macro averages and one-vs-rest ROC AUC. Writes
``reports/metrics.json`` (the headline scores of both models, so ``dvc metrics show`` and
``dvc exp show`` put them side by side), ``reports/scores.json`` (every score, per class too),
``reports/predictions.csv`` (row id, actual, predicted, probability), curve data under
``reports/plots/`` for ``dvc plots show`` (model and baseline; per class for the model), and the
same plots as SVG files with an offline page, ``reports/evaluation.html``. Every number is finite.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.preprocessing import label_binarize

from .. import figures
from ..artifacts import atomic_path, load_subset, write_csv, write_json
from ..config import Params, Paths
from ..errors import DataError
from ..model_files import load_model
from ..models import decide

# What a person compares between runs: the DVC metrics file holds these; everything else goes to
# the scores file beside it.
HEADLINE = {
    "binary": ("accuracy", "balanced_accuracy", "f1", "roc_auc"),
    "multiclass": ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc_ovr"),
}


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


def score_multiclass(labels: np.ndarray, probabilities: np.ndarray, classes: list) -> dict:
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


class Task:  # pylint: disable=too-few-public-methods  # a record of what the test rows are
    """The test rows' truth against the classes both models were trained on."""

    def __init__(self, labels: pd.Series, classes: list, params: Params) -> None:
        self.truth = labels.to_numpy()
        self.classes = classes
        self.binary = len(classes) == 2
        self.positive = params.data.positive_class
        self.threshold = params.evaluate.threshold
        missing = [label for label in classes if label not in set(self.truth)]
        if missing:
            raise DataError([f"evaluate: the test rows hold no row of class {missing[0]!r}"])
        if self.binary and self.positive not in classes:
            raise DataError(
                [
                    f"data.positive_class: {self.positive!r} is not a class of the label "
                    f"(classes: {', '.join(map(repr, classes))})"
                ]
            )

    def one_vs_rest(self, label: object) -> np.ndarray:
        """1 where the truth is ``label``."""
        return (self.truth == label).astype("int64")

    def scores(self, probabilities: np.ndarray) -> dict:
        """Every score of one model."""
        if self.binary:
            positive = probabilities[:, self.classes.index(self.positive)]
            return score(self.one_vs_rest(self.positive), positive, self.threshold)
        return score_multiclass(self.truth, probabilities, self.classes)

    def summary_curves(self, probabilities: np.ndarray) -> dict[str, list]:
        """The positive class's curves (binary) or micro-averaged one-vs-rest curves."""
        if self.binary:
            index = self.classes.index(self.positive)
            return curves(self.one_vs_rest(self.positive), probabilities[:, index])
        truth = label_binarize(self.truth, classes=self.classes)
        return curves(truth.ravel(), probabilities.ravel())


def write_curves(paths: Paths, task: Task, probabilities: dict[str, np.ndarray]) -> dict:
    """Curve data of both models (summary) and of the model per class; returns the summary."""
    curve_data = {name: task.summary_curves(p) for name, p in probabilities.items()}
    for (name, kind), points in flatten_curves(curve_data).items():
        write_json(points, paths.plots / kind / f"{name}.json")
    for index, label in enumerate(task.classes):
        by_kind = curves(task.one_vs_rest(label), probabilities["model"][:, index])
        for kind, points in by_kind.items():
            write_json(points, paths.plots / "per_class" / kind / f"{file_name(label)}.json")
    return curve_data


def run(params: Params, paths: Paths) -> None:
    """Score both models; write metrics, scores, predictions, curve data and figures."""
    features, labels = load_subset(paths, params.data, "test")
    models = {"model": load_model(paths.model), "baseline": load_model(paths.baseline)}
    task = Task(labels, models["model"].classes_.tolist(), params)
    probabilities = {name: model.predict_proba(features) for name, model in models.items()}
    scores = {name: task.scores(p) for name, p in probabilities.items()}
    curve_data = write_curves(paths, task, probabilities)
    predicted, probability = decide(
        probabilities["model"], task.classes, params.data, task.threshold
    )
    write_csv(
        pd.DataFrame({"actual": task.truth, "predicted": predicted, "probability": probability})
        .set_axis(features.index)
        .reset_index(),
        paths.predictions,
    )
    kind = "binary" if task.binary else "multiclass"
    headline = {name: {key: value[key] for key in HEADLINE[kind]} for name, value in scores.items()}
    write_json(headline, paths.metrics)
    extra = {"threshold": task.threshold, "positive_class": task.positive} if task.binary else {}
    write_json(
        {"n_test": len(task.truth), "task": kind, "classes": task.classes, **extra, **scores},
        paths.scores,
    )
    confusion = metrics.confusion_matrix(task.truth, predicted, labels=task.classes).tolist()
    write_figures(paths, headline, curve_data, confusion, [str(label) for label in task.classes])


def flatten_curves(curve_data: dict[str, dict[str, list]]) -> dict[tuple[str, str], list]:
    """``{model: {kind: points}}`` -> ``{(model, kind): points}``."""
    return {
        (name, kind): points
        for name, by_kind in curve_data.items()
        for kind, points in by_kind.items()
    }


def write_figures(
    paths: Paths, headline: dict, curve_data: dict, confusion: list[list[int]], labels: list[str]
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
