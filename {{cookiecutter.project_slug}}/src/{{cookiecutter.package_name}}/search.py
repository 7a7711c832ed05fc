"""The search space as a list of candidates, and the rule that chooses one from their scores.

Pure functions, no fitting (``tune`` fits and scores). Candidates come in registry order, each
family's grid in the order ``params.yaml`` lists it; a sampled grid keeps the points whose seeded
hash ranks first. Mean scores are compared rounded to ``tune.decimals`` and ties go to the
simpler candidate (``models.simplicity``), so a last-bit difference between platforms cannot flip
the choice.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import TuneParams
from .models import FAMILIES, simplicity


@dataclass(frozen=True)
class Candidate:
    """One point of the search: a family and the estimator arguments it is tried with."""

    family: str
    arguments: tuple[tuple[str, Any], ...]

    @property
    def params(self) -> dict[str, Any]:
        """The arguments as a dict."""
        return dict(self.arguments)

    def text(self) -> str:
        """``family (a=1, b=null)``, values written as in JSON."""
        values = ", ".join(f"{name}={json.dumps(value)}" for name, value in self.arguments)
        return f"{self.family} ({values})"


def candidates(tune: TuneParams, seed: int) -> list[Candidate]:
    """Every candidate of the search, in the declared order."""
    found = []
    for family in (name for name in FAMILIES if name in tune.families):
        search = tune.search(family)
        axes = search.grid.model_dump()
        points = [tuple(zip(axes, values)) for values in itertools.product(*axes.values())]
        if search.sample is not None:

            def draw(index: int, family: str = family) -> str:
                return hashlib.sha256(f"{seed}:{family}:{index}".encode()).hexdigest()

            kept = sorted(sorted(range(len(points)), key=draw)[: search.sample])
            points = [points[index] for index in kept]
        found += [Candidate(family, point) for point in points]
    return found


@dataclass(frozen=True)
class Summary:
    """Mean and standard deviation (ddof 0) of fold scores, rounded for comparison."""

    folds: tuple[float, ...]
    mean: float
    std: float

    @classmethod
    def of(cls, folds: list[float], decimals: int) -> Summary:
        """Summarise the scores of one candidate's folds."""
        values = np.asarray(folds, dtype="float64")
        return cls(
            tuple(float(value) for value in values),
            round(float(values.mean()), decimals),
            round(float(values.std()), decimals),
        )


def ranking(pool: list[Candidate], summaries: list[Summary]) -> list[int]:
    """Candidate indices from rank 1 down: higher rounded mean first, then the simpler."""
    return sorted(
        range(len(pool)),
        key=lambda i: (-summaries[i].mean, simplicity(pool[i].family, pool[i].params)),
    )


def choose(pool: list[Candidate], summaries: list[Summary], tune: TuneParams) -> dict[str, Any]:
    """The chosen candidate's index, the best's, and the bar the rule set (for the reason)."""
    best = ranking(pool, summaries)[0]
    if tune.rule == "best_mean":
        return {"chosen": best, "best": best, "standard_error": None, "within": [best]}
    error = round(summaries[best].std / math.sqrt(tune.n_splits), tune.decimals)
    cutoff = round(summaries[best].mean - error, tune.decimals)
    within = [i for i, summary in enumerate(summaries) if summary.mean >= cutoff]
    chosen = min(within, key=lambda i: simplicity(pool[i].family, pool[i].params))
    return {"chosen": chosen, "best": best, "standard_error": error, "within": within}


def reason(  # pylint: disable=too-many-arguments  # the sentence names all of them
    pool: list[Candidate],
    summaries: list[Summary],
    choice: dict[str, Any],
    *,
    baseline: Summary,
    metric: str,
    tune: TuneParams,
) -> str:
    """The choice as one sentence a reviewer can check against ``candidates.csv``."""
    places = f".{tune.decimals}f"
    chosen, best = choice["chosen"], choice["best"]
    mean = summaries[chosen].mean
    scored = f"mean cross-validated {metric} over {tune.n_splits} folds of the training rows"
    if tune.rule == "best_mean":
        why = (
            f"{pool[chosen].text()} has the best {scored} of {len(pool)} candidates, "
            f"{mean:{places}}"
        )
    else:
        cutoff = (
            f"within one standard error ({choice['standard_error']:{places}}) of the best, "
            f"{summaries[best].mean:{places}} ({pool[best].text()})"
        )
        why = (
            f"{pool[chosen].text()} is the simplest of the {len(choice['within'])} of "
            f"{len(pool)} candidates whose {scored} is {cutoff}; it scores {mean:{places}}"
        )
    margin = round(mean - baseline.mean, tune.decimals)
    side = "above" if margin > 0 else "not above"
    return f"{why}, {abs(margin):{places}} {side} the baseline's {baseline.mean:{places}}."


def profiles(pool: list[Candidate], summaries: list[Summary]) -> dict[str, list[dict[str, Any]]]:
    """Plot data per searched argument (``<family>.<argument>``, two or more values tried): the
    best rounded mean score reached with each value."""
    found: dict[str, dict[str, float]] = {}
    for candidate, summary in zip(pool, summaries):
        for name, value in candidate.arguments:
            best = found.setdefault(f"{candidate.family}.{name}", {})
            text = json.dumps(value)
            best[text] = max(best.get(text, -math.inf), summary.mean)
    return {
        key: [{"value": text, "score": score} for text, score in by_value.items()]
        for key, by_value in found.items()
        if len(by_value) > 1
    }
