"""Stage ``split``: fix, before any training, which rows are held out for evaluation.

The rule (``partition.split_rows``) depends only on (seed, row id, label), so every row gets the
same subset whatever the row order or the engine. The assignment is stored
(``data/split/split.<tables>``: id, ``subset``), so every later stage and rerun sees the same
rows.
"""

from __future__ import annotations

from .. import spark
from ..artifacts import read_table, write_csv
from ..config import Params, Paths
from ..partition import split_rows


def run(params: Params, paths: Paths) -> None:
    """Write the train/test assignment."""
    data = params.data
    if params.engine == "spark":
        with spark.session(params.spark, paths.spark_scratch) as session:
            features = session.read.parquet(str(paths.features))
            subset = spark.split_rows(
                features, data.id_column, data.label, params.split.test_size, params.seed
            )
            spark.write_parts(subset, paths.split, data.id_column, params.spark.parts)
        return
    table = read_table(paths.features, data)[[data.id_column, data.label]]
    subset = split_rows(
        table[data.id_column], table[data.label], params.split.test_size, params.seed
    )
    write_csv(table[[data.id_column]].assign(subset=subset), paths.split)
