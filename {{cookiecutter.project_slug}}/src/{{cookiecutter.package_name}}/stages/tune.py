"""Stage ``tune``: choose the model family and its hyperparameters on the training rows only.

Every candidate of the search space in ``params.yaml`` (and the baseline) is cross-validated on
the training rows: the folds follow the split's rule (``partition.fold_rows``), and each fold
refits the whole model, imputing, scaling and encoding included. The test rows are never read.
The rule in ``tune.rule`` picks one candidate (``search.choose``), which ``train`` then fits on all
training rows. Writes ``reports/tuning/candidates.csv`` (every candidate: params, score per fold,
mean, standard deviation, rank), ``reports/tuning/selection.json`` (the choice and its reason) and
plot data of the best score per searched value under ``reports/tuning/plots/``.

Fits run in ``TUNE_PROCESSES`` processes (default 1). Each fit is seeded and
single-threaded and the scores are gathered in a fixed order, so the outputs are the same bytes
for any number of processes.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from ..artifacts import load_subset, write_csv, write_json
from ..config import Params, Paths
from ..models import build_baseline, build_model
from ..partition import fold_rows
from ..scoring import Task, metric_name
from ..search import Candidate, Summary, candidates, choose, profiles, ranking, reason
from ..seeding import process_count


def fold_score(  # pylint: disable=too-many-arguments  # one fit: what, where, and the data
    candidate: Candidate | None,
    fold: int,
    *,
    features: pd.DataFrame,
    labels: pd.Series,
    folds: pd.Series,
    params: Params,
) -> float:
    """Fit ``candidate`` (None: the baseline) on the other folds; its score on ``fold``."""
    held = (folds == fold).to_numpy()
    model = (
        build_baseline(params.baseline, params.seed)
        if candidate is None
        else build_model(
            candidate.family, candidate.params, params.preprocess, params.seed, features
        )
    )
    model.fit(features[~held], labels[~held])
    task = Task(
        labels[held],
        model.classes_.tolist(),
        params.data,
        params.evaluate.threshold,
        f"tune: fold {fold + 1} of the training rows",
    )
    scores = task.scores(model.predict_proba(features[held]))
    held_out: float = scores[task.metric_name(params.tune.metric)]
    return held_out


def candidate_table(pool: list[Candidate], summaries: list[Summary], n_splits: int) -> pd.DataFrame:
    """One row per candidate, best first: rank, family, params, fold scores, mean, deviation."""
    order = ranking(pool, summaries)
    return pd.DataFrame(
        {
            "rank": range(1, len(pool) + 1),
            "family": [pool[i].family for i in order],
            "params": [json.dumps(pool[i].params, sort_keys=True) for i in order],
            **{
                f"fold_{fold + 1}": [summaries[i].folds[fold] for i in order]
                for fold in range(n_splits)
            },
            "mean": [summaries[i].mean for i in order],
            "std": [summaries[i].std for i in order],
        }
    )


def selection(
    params: Params, pool: list[Candidate], summaries: list[Summary], baseline: Summary, metric: str
) -> dict[str, Any]:
    """What ``train`` fits, how it was chosen, and why."""
    tune = params.tune
    choice = choose(pool, summaries, tune)
    chosen, best = choice["chosen"], choice["best"]
    return {
        "family": pool[chosen].family,
        "params": pool[chosen].params,
        "metric": metric,
        "rule": tune.rule,
        "n_splits": tune.n_splits,
        "decimals": tune.decimals,
        "candidates": len(pool),
        "score": {"mean": summaries[chosen].mean, "std": summaries[chosen].std},
        "best": {
            "family": pool[best].family,
            "params": pool[best].params,
            "mean": summaries[best].mean,
            "std": summaries[best].std,
        },
        "standard_error": choice["standard_error"],
        "baseline": {
            "strategy": params.baseline.strategy,
            "mean": baseline.mean,
            "std": baseline.std,
        },
        "margin": round(summaries[chosen].mean - baseline.mean, tune.decimals),
        "reason": reason(pool, summaries, choice, baseline=baseline, metric=metric, tune=tune),
    }


def run(params: Params, paths: Paths) -> None:
    """Cross-validate every candidate and the baseline; write the ranking and the choice."""
    tune = params.tune
    features, labels = load_subset(paths, params.data, "train")
    folds = fold_rows(features.index.to_series(), labels, tune.n_splits, params.seed)
    pool = candidates(tune, params.seed)
    jobs = [(candidate, fold) for candidate in [*pool, None] for fold in range(tune.n_splits)]
    scores = Parallel(n_jobs=process_count())(
        delayed(fold_score)(
            candidate, fold, features=features, labels=labels, folds=folds, params=params
        )
        for candidate, fold in jobs
    )
    by_candidate = [scores[i : i + tune.n_splits] for i in range(0, len(scores), tune.n_splits)]
    summaries = [Summary.of(values, tune.decimals) for values in by_candidate]
    baseline = summaries.pop()
    write_csv(candidate_table(pool, summaries, tune.n_splits), paths.candidates)
    metric = metric_name(tune.metric, labels.nunique())
    write_json(selection(params, pool, summaries, baseline, metric), paths.selection)
    for name, points in profiles(pool, summaries).items():
        write_json(points, paths.tuning / "plots" / f"{name}.json")
