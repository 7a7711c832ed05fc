"""Stage ``train``: fit the chosen model and the baseline on the training rows.

Both are seeded from ``seed``. The raw data's contract allows up to 1% missing values per column:
the forest and boosting models handle them natively, logistic regression imputes medians learned
from the training rows only. The baseline (a dummy classifier) is the bar the model must clear;
``evaluate`` scores both on the same held-out rows.
"""

from __future__ import annotations

from sklearn.base import ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..artifacts import load_subset
from ..config import BaselineParams, ModelParams, Params, Paths
from ..model_files import save_model


def build_model(settings: ModelParams, seed: int) -> ClassifierMixin:
    """An unfitted estimator for ``settings.name``, seeded with ``seed``."""
    if settings.name == "random_forest":
        forest = settings.random_forest
        return RandomForestClassifier(
            n_estimators=forest.n_estimators,
            max_depth=forest.max_depth,
            min_samples_leaf=forest.min_samples_leaf,
            random_state=seed,
        )
    if settings.name == "hist_gradient_boosting":
        boosting = settings.hist_gradient_boosting
        return HistGradientBoostingClassifier(
            learning_rate=boosting.learning_rate,
            max_iter=boosting.max_iter,
            max_leaf_nodes=boosting.max_leaf_nodes,
            random_state=seed,
        )
    logistic = settings.logistic_regression
    return make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(C=logistic.C, max_iter=logistic.max_iter, random_state=seed),
    )


def build_baseline(settings: BaselineParams, seed: int) -> DummyClassifier:
    """An unfitted dummy classifier."""
    return DummyClassifier(strategy=settings.strategy, random_state=seed)


def run(params: Params, paths: Paths) -> None:
    """Fit and save the model and the baseline."""
    features, labels = load_subset(paths, "train")
    save_model(build_model(params.model, params.seed).fit(features, labels), paths.model)
    save_model(build_baseline(params.baseline, params.seed).fit(features, labels), paths.baseline)
