"""Stage ``split``: fix, before any training, which rows are held out for evaluation.

The split is stratified by ``target`` and seeded from ``seed``, and it is stored as a file
(``data/split/split.csv``: ``row``, ``subset``), so every later stage and every rerun sees exactly
the same rows, and a change of seed or ``test_size`` shows up in ``dvc status``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..artifacts import write_csv
from ..config import TARGET, Params, Paths
from ..errors import DataError


def split_rows(labels: pd.Series, test_size: float, seed: int) -> pd.DataFrame:
    """One line per row, in row order: ``row`` (0-based position) and ``subset`` (train/test)."""
    rows = np.arange(len(labels))
    try:
        _, test = train_test_split(rows, test_size=test_size, random_state=seed, stratify=labels)
    except ValueError as error:
        raise DataError(
            [f"split: cannot make a stratified split of {len(rows)} rows: {error}"]
        ) from None
    subset = np.full(len(rows), "train", dtype=object)
    subset[test] = "test"
    return pd.DataFrame({"row": rows, "subset": subset})


def run(params: Params, paths: Paths) -> None:
    """Write the train/test assignment."""
    labels = pd.read_csv(paths.features, usecols=[TARGET])[TARGET]
    write_csv(split_rows(labels, params.split.test_size, params.seed), paths.split)
