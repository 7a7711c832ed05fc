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
for any number of processes. With ``engine: spark`` the same folds and candidates are fitted with
MLlib (``spark_models``) and scored by the same code.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from .. import spark, spark_models
from ..artifacts import load_subset, write_csv, write_json
from ..config import Params, Paths
from ..models import build_baseline, build_model
from ..partition import fold_rows
from ..portable import PortableModel
from ..scoring import Task, metric_name
from ..search import Candidate, Summary, candidates, choose, profiles, ranking, reason
from ..seeding import process_count

Job = tuple[Candidate | None, int]  # a candidate (None: the baseline) and the fold it is scored on


def held_out_score(
    labels: pd.Series, classes: list[Any], probabilities: np.ndarray, params: Params, fold: int
) -> float:
    """The score ``tune.metric`` of one fold's held-out rows."""
    rows = f"tune: fold {fold + 1} of the training rows"
    task = Task(labels, classes, params.data, params.evaluate.threshold, rows)
    held_out: float = task.scores(probabilities)[task.metric_name(params.tune.metric)]
    return held_out


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
    probabilities = model.predict_proba(features[held])
    return held_out_score(labels[held], model.classes_.tolist(), probabilities, params, fold)


def scores_on_pandas(params: Params, paths: Paths, jobs: list[Job]) -> tuple[list[float], int]:
    """Each job's score, fitted in ``TUNE_PROCESSES`` processes; and the number of classes."""
    features, labels = load_subset(paths, params.data, "train")
    folds = fold_rows(features.index.to_series(), labels, params.tune.n_splits, params.seed)
    scores = Parallel(n_jobs=process_count())(
        delayed(fold_score)(
            candidate, fold, features=features, labels=labels, folds=folds, params=params
        )
        for candidate, fold in jobs
    )
    return scores, labels.nunique()


def score_on_spark(job: Job, rows: Any, params: Params, scratch: Path) -> float:
    """Fit the job's candidate (or the baseline) with MLlib on the other folds of ``rows``; its
    score on the job's fold."""
    candidate, fold = job
    data = params.data
    fitted_on = rows.where(rows.fold != fold).drop("fold")
    description = (
        spark_models.baseline(fitted_on, data.label, params.baseline)
        if candidate is None
        else spark_models.fit(
            candidate.family,
            candidate.params,
            fitted_on,
            data=data,
            preprocess=params.preprocess,
            seed=params.seed,
            partitions=params.spark.shuffle_partitions,
            scratch=scratch,
        )
    )
    model = PortableModel(description)
    table = spark_models.scored(rows.where(rows.fold == fold).drop("fold"), model, data)
    probabilities = table.drop(columns=data.label).to_numpy()
    classes = model.classes_.tolist()
    return held_out_score(table[data.label], classes, probabilities, params, fold)


def scores_on_spark(params: Params, paths: Paths, jobs: list[Job]) -> tuple[list[float], int]:
    """Each job's score, fitted with MLlib, ``spark.CONCURRENT_FITS`` at a time (each fit is
    seeded and laid out alike, so the order they run in changes nothing); and the number of
    classes."""
    data, scratch = params.data, paths.spark_scratch
    with spark.session(params.spark, scratch) as session:
        rows = spark.subset_rows(session, paths, data, "train")
        rows = spark.fold_rows(rows, data.id_column, data.label, params.tune.n_splits, params.seed)
        rows = rows.cache()
        with ThreadPoolExecutor(spark.CONCURRENT_FITS) as pool:
            scores = list(
                pool.map(
                    lambda index: score_on_spark(
                        jobs[index], rows, params, scratch / "fits" / str(index)
                    ),
                    range(len(jobs)),
                )
            )
        classes_seen = len(spark_models.classes_of(rows, data.label))
    return scores, classes_seen


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
    pool = candidates(tune, params.seed)
    jobs = [(candidate, fold) for candidate in [*pool, None] for fold in range(tune.n_splits)]
    on_engine = scores_on_spark if params.engine == "spark" else scores_on_pandas
    scores, n_classes = on_engine(params, paths, jobs)
    by_candidate = [scores[i : i + tune.n_splits] for i in range(0, len(scores), tune.n_splits)]
    summaries = [Summary.of(values, tune.decimals) for values in by_candidate]
    baseline = summaries.pop()
    write_csv(candidate_table(pool, summaries, tune.n_splits), paths.candidates)
    metric = metric_name(tune.metric, n_classes)
    write_json(selection(params, pool, summaries, baseline, metric), paths.selection)
    # The folder exists even when no argument is searched over two values (DVC tracks it).
    (paths.tuning / "plots").mkdir(parents=True, exist_ok=True)
    for name, points in profiles(pool, summaries).items():
        write_json(points, paths.tuning / "plots" / f"{name}.json")
