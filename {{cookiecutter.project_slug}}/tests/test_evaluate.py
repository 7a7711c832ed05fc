"""Stage ``evaluate``: metrics are right on known cases and never NaN."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.artifacts import to_json_text
from {{ cookiecutter.package_name }}.config import Paths
from {{ cookiecutter.package_name }}.scoring import score, score_multiclass
from {{ cookiecutter.package_name }}.stages.evaluate import curves, write_figures

LABELS = np.array([0, 0, 1, 1])


def test_perfect_ranking_scores_one():
    result = score(LABELS, np.array([0.1, 0.2, 0.8, 0.9]), 0.5)
    for name in ("accuracy", "f1", "roc_auc", "average_precision"):
        assert result[name] == 1.0


def test_threshold_decides_the_predicted_class():
    probability = np.array([0.1, 0.6, 0.7, 0.9])
    assert score(LABELS, probability, 0.5)["precision"] == pytest.approx(2 / 3)
    assert score(LABELS, probability, 0.65)["precision"] == 1.0


def test_constant_predictions_give_finite_metrics():
    result = score(LABELS, np.full(4, 0.3), 0.5)
    assert all(math.isfinite(value) for value in result.values())
    assert result["roc_auc"] == 0.5
    assert result["f1"] == 0.0


def test_curves_are_finite_json():
    points = curves(LABELS, np.array([0.1, 0.4, 0.35, 0.8]))
    json.loads(to_json_text(points))
    assert points["roc"][0] == {"fpr": 0.0, "tpr": 0.0}
    assert points["roc"][-1] == {"fpr": 1.0, "tpr": 1.0}


def test_nan_never_reaches_a_report():
    with pytest.raises(ValueError):
        to_json_text({"accuracy": float("nan")})


def test_figures_are_stable_bytes_and_the_page_opens_offline(tmp_path):
    probability = np.array([0.1, 0.4, 0.35, 0.8])
    curve_data = {"model": curves(LABELS, probability), "baseline": curves(LABELS, np.full(4, 0.5))}
    headline = {"model": score(LABELS, probability, 0.5), "baseline": score(LABELS, probability, 1)}
    written = []
    for folder in ("first", "second"):
        paths = Paths(tmp_path / folder)
        write_figures(paths, headline, curve_data, [[2, 0], [1, 1]], ["no", "yes"])
        files = sorted(paths.figures.glob("*.svg")) + [paths.evaluation]
        written.append({path.name: path.read_bytes() for path in files})
    assert written[0] == written[1]
    assert sorted(written[0]) == [
        "confusion_matrix.svg",
        "evaluation.html",
        "precision_recall.svg",
        "roc.svg",
    ]
    page = written[0]["evaluation.html"].decode("utf-8")
    assert "<script" not in page and "http" not in page
    assert page.count('<img src="figures/') == 3
    for name, content in written[0].items():
        text = content.decode("utf-8")
        assert "<script" not in text and "<dc:date>" not in text and "Matplotlib v" not in text
        assert 'href="http' not in text and "@import" not in text, name


def test_multiclass_scores_know_every_class_and_a_perfect_model_scores_one():
    labels = np.array(["a", "b", "c", "a", "b", "c"], dtype=object)
    perfect = np.eye(3)[[0, 1, 2, 0, 1, 2]] * 0.8 + 0.2 / 3
    result = score_multiclass(labels, perfect, ["a", "b", "c"])
    for name in ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc_ovr"):
        assert result[name] == pytest.approx(1.0)
    assert set(result["per_class"]) == {"a", "b", "c"}
    assert result["per_class"]["b"]["support"] == 2
    json.loads(to_json_text(result))


def test_multiclass_scores_stay_finite_for_a_constant_model():
    labels = np.array([1, 2, 3, 1, 2, 3])
    result = score_multiclass(labels, np.full((6, 3), 1 / 3), [1, 2, 3])
    assert result["roc_auc_ovr"] == 0.5
    json.loads(to_json_text(result))
