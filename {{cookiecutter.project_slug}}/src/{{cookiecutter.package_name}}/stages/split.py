"""Stage ``split``: fix, before any training, which rows are held out for evaluation.

The split depends only on (seed, row id, label): within each class, rows are ranked by the
SHA-256 of ``"<seed>:<id>"`` and the first ``round(test_size x n)`` (halves round up; at least one
row and at most n - 1) are test rows. That keeps exact stratified counts and gives every row the
same subset whatever the row order or the engine that computes it. The assignment is stored
(``data/split/split.csv``: id, ``subset``), so every later stage and rerun sees the same rows.
"""

from __future__ import annotations

import hashlib
import math

import pandas as pd

from ..artifacts import read_table, write_csv
from ..config import Params, Paths
from ..errors import DataError


def rank_key(seed: int, row_id: str) -> str:
    """The seeded hash that orders rows within a class."""
    return hashlib.sha256(f"{seed}:{row_id}".encode()).hexdigest()


def held_out_count(size: int, test_size: float) -> int:
    """Test rows of a class of ``size`` rows: ``test_size x size`` rounded half up, kept within
    1 .. size - 1 so both subsets see every class."""
    return min(max(math.floor(test_size * size + 0.5), 1), size - 1)


def split_rows(ids: pd.Series, labels: pd.Series, test_size: float, seed: int) -> pd.Series:
    """``train`` or ``test`` for each row, in the rows' order (same index as ``ids``)."""
    sizes = labels.value_counts(dropna=False)
    small = sizes[sizes < 2]
    if len(small):
        raise DataError(
            [
                f"split: class {label!r} has {count} row; each class needs at least two (one to "
                "train on, one to test)"
                for label, count in small.items()
            ]
        )
    keys = pd.Series([rank_key(seed, str(row_id)) for row_id in ids], index=ids.index)
    by_key = pd.DataFrame({"label": labels, "key": keys}).sort_values("key", kind="stable")
    rank = by_key.groupby("label", dropna=False).cumcount().reindex(ids.index)
    quota = labels.map(lambda label: held_out_count(int(sizes[label]), test_size))
    return pd.Series(["test" if test else "train" for test in rank < quota], index=ids.index)


def run(params: Params, paths: Paths) -> None:
    """Write the train/test assignment."""
    data = params.data
    table = read_table(paths.features, data)[[data.id_column, data.label]]
    subset = split_rows(
        table[data.id_column], table[data.label], params.split.test_size, params.seed
    )
    write_csv(table[[data.id_column]].assign(subset=subset), paths.split)
