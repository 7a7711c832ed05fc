"""Which rows are held out, and in which cross-validation fold each training row sits.

Both depend only on (seed, row id, label): within each class, rows are ranked by the SHA-256 of
``"<seed>:<id>"``. The first ``round(test_size x n)`` of a class (halves round up; at least one row
and at most n - 1) are its test rows; the training rows of a class then take folds 0, 1, ...,
k - 1, 0, 1, ... in the same order. That keeps exact stratified counts and gives every row the
same subset and fold whatever the row order or the engine that computes it. ``split`` and ``tune``
share these rules; neither calls the other.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .errors import DataError


def rank_key(seed: int, row_id: str) -> str:
    """The seeded hash that orders rows within a class."""
    return hashlib.sha256(f"{seed}:{row_id}".encode()).hexdigest()


def held_out_count(size: int, test_size: float) -> int:
    """Test rows of a class of ``size`` rows: ``test_size x size`` rounded half up, kept within
    1 .. size - 1 so both subsets see every class."""
    return min(max(math.floor(test_size * size + 0.5), 1), size - 1)


def class_ranks(ids: pd.Series, labels: pd.Series, seed: int) -> pd.Series:
    """Each row's place (0, 1, ...) within its class, in the order of the seeded id hash."""
    keys = pd.Series([rank_key(seed, str(row_id)) for row_id in ids], index=ids.index)
    by_key = pd.DataFrame({"label": labels, "key": keys}).sort_values("key", kind="stable")
    return by_key.groupby("label", dropna=False).cumcount().reindex(ids.index)


def too_small(sizes: Mapping[Any, int], needed: int, what: str) -> list[str]:
    """One line per class with fewer than ``needed`` rows (``sizes``: rows per class)."""
    return [
        f"{what}: class {label!r} has {count} row{'s' if count != 1 else ''}; each class needs "
        f"at least {needed}"
        for label, count in sizes.items()
        if count < needed
    ]


def split_rows(ids: pd.Series, labels: pd.Series, test_size: float, seed: int) -> pd.Series:
    """``train`` or ``test`` for each row, in the rows' order (same index as ``ids``)."""
    problems = too_small(labels.value_counts(dropna=False).to_dict(), 2, "split")
    if problems:
        raise DataError([f"{line} (one to train on, one to test)" for line in problems])
    sizes = labels.value_counts(dropna=False)
    quota = labels.map(lambda label: held_out_count(int(sizes[label]), test_size))
    rank = class_ranks(ids, labels, seed)
    return pd.Series(["test" if test else "train" for test in rank < quota], index=ids.index)


def fold_rows(ids: pd.Series, labels: pd.Series, n_splits: int, seed: int) -> pd.Series:
    """The cross-validation fold (0 .. n_splits - 1) of each training row: every fold holds
    ``n // n_splits`` or one more rows of each class."""
    problems = too_small(labels.value_counts(dropna=False).to_dict(), n_splits, "tune")
    if problems:
        raise DataError(
            [
                f"{line} training rows for {n_splits} folds (lower tune.n_splits)"
                for line in problems
            ]
        )
    return class_ranks(ids, labels, seed) % n_splits
