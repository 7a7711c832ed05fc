"""The Spark engine's one entry point: a session set up the same way everywhere, and the two rules
that must give the same answer as pandas whatever the partitioning (which rows are held out, and
which Parquet part a row is written to).

Everything Spark writes besides the outputs (shuffle files, warehouse, JVM temp files) stays under
``.cache/spark/`` in the project. Output tables are folders of Parquet parts with fixed names: a
row's part is a hash of its id, each part is sorted by id and written by the executor that holds
it, so a rerun writes the same bytes. pyspark is imported here only, and only when the engine is
``spark``: the pandas path never loads it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .config import DataParams, Paths, SparkParams
from .errors import DataError, ParamsError
from .partition import held_out_count, too_small

# Spark's names of the numeric column types (as ``DataFrame.dtypes`` gives them).
NUMERIC = ("bigint", "int", "double", "float")
# No JVM of a stage leaves an hsperfdata folder in the system temp.
NO_PERF_DATA = "-XX:-UsePerfData"
# The driver JVM (in local mode, the executors too): its temp files and log settings under
# scratch. A cluster's executors keep their own settings.
JVM_OPTIONS = NO_PERF_DATA + " -Djava.io.tmpdir={tmp} -Dlog4j2.configurationFile={logging}"
# percentile_approx: rank error at most 1 / 10,000 of the rows (Spark's default). Its summaries
# live outside Spark's managed memory, one per column and task, and grow with the accuracy: at
# 100,000, four fits at a time ran a 2 GB driver out of heap on 4 million rows.
QUANTILE_ACCURACY = 10_000
# Fits ``tune`` submits at once: a small fit is many short jobs that leave the executors idle.
CONCURRENT_FITS = 4
# Spark's own messages: errors only, one line each (a stage's output stays readable).
LOG_SETTINGS = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %p %c{1}: %m%n%ex{short}
"""


def require() -> None:
    """Stop with one line per missing piece when ``engine: spark`` cannot run here."""
    problems = []
    if importlib.util.find_spec("pyspark") is None:
        problems.append(
            "params.yaml: engine: spark needs pyspark: run `poetry install --with spark`"
        )
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        problems.append(
            "params.yaml: engine: spark needs Java 17 or 21: install a JDK and put `java` on "
            "PATH (or set JAVA_HOME)"
        )
    if problems:
        raise ParamsError(problems)


@contextmanager
def session(params: SparkParams, scratch: Path) -> Iterator[Any]:
    """A Spark session for one stage, stopped when the stage ends."""
    require()
    from pyspark.sql import SparkSession  # pylint: disable=import-outside-toplevel

    tmp = scratch / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    logging = scratch / "log4j2.properties"
    logging.write_text(LOG_SETTINGS, encoding="utf-8")
    options = JVM_OPTIONS.format(tmp=tmp, logging=logging.resolve().as_uri())
    builder = (
        SparkSession.builder.master(params.master)
        .appName("pipeline")
        .config("spark.driver.memory", params.driver_memory)
        .config("spark.sql.shuffle.partitions", str(params.shuffle_partitions))
        .config("spark.local.dir", str(scratch / "local"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", options)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if params.master.startswith("local"):  # tasks run here: in this very environment
        builder = builder.config("spark.pyspark.python", sys.executable)
    # spark-submit first starts a small launcher JVM, whose options come from this variable only.
    launcher = os.environ.get("SPARK_LAUNCHER_OPTS", "")
    if NO_PERF_DATA not in launcher.split():
        os.environ["SPARK_LAUNCHER_OPTS"] = f"{launcher} {NO_PERF_DATA}".strip()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def quantiles(frame: Any, wanted: list[tuple[str, list[float]]]) -> list[list[float | None]]:
    """The quantiles of each (column, quantiles) pair in one pass over ``frame``, each within
    ``QUANTILE_ACCURACY``; nulls and NaN are skipped, as pandas skips NaN. A column with no values
    has none (``None``). Exact quantiles (``approxQuantile`` with error 0) hold a whole column in
    the driver: 30 million rows ran a 6 GB driver out of heap."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    if not wanted:
        return []
    nothing = functions.lit(None).cast("double")
    columns = [
        functions.percentile_approx(
            functions.nanvl(functions.col(name).cast("double"), nothing), shares, QUANTILE_ACCURACY
        )
        for name, shares in wanted
    ]
    row = frame.agg(*[column.alias(f"q{index}") for index, column in enumerate(columns)]).first()
    return [
        list(row[index]) if row[index] is not None else [None] * len(shares)
        for index, (_, shares) in enumerate(wanted)
    ]


def rank_key(seed: int, id_column: str) -> Any:
    """``partition.rank_key`` as a Spark column: SHA-256 of ``"<seed>:<id>"`` in hex."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    text = functions.concat(functions.lit(f"{seed}:"), functions.col(id_column).cast("string"))
    return functions.sha2(text, 256)


def class_sizes(frame: Any, label: str) -> dict[Any, int]:
    """Rows per class (one row per class comes back to the driver)."""
    return {row[label]: row["count"] for row in frame.groupBy(label).count().collect()}


def class_rank(seed: int, id_column: str, label: str) -> Any:
    """``partition.class_ranks`` as a Spark column: each row's place (0, 1, ...) within its
    class, in the order of the seeded id hash."""
    from pyspark.sql import Window, functions  # pylint: disable=import-outside-toplevel

    order = Window.partitionBy(label).orderBy(rank_key(seed, id_column))
    return functions.row_number().over(order) - 1


def split_rows(frame: Any, id_column: str, label: str, test_size: float, seed: int) -> Any:
    """``partition.split_rows`` on Spark: (id, subset) for every row of ``frame``."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    sizes = class_sizes(frame, label)
    problems = too_small(sizes, 2, "split")
    if problems:
        raise DataError([f"{line} (one to train on, one to test)" for line in problems])
    quota = functions.create_map(
        *[
            part
            for name, size in sorted(sizes.items(), key=lambda item: str(item[0]))
            for part in (functions.lit(name), functions.lit(held_out_count(size, test_size)))
        ]
    )
    rank = class_rank(seed, id_column, label)
    subset = functions.when(rank < quota[functions.col(label)], "test").otherwise("train")
    return frame.select(id_column, subset.alias("subset"))


def fold_rows(frame: Any, id_column: str, label: str, n_splits: int, seed: int) -> Any:
    """``partition.fold_rows`` on Spark: ``frame`` with a ``fold`` column (0 .. n_splits - 1)."""
    sizes = class_sizes(frame, label)
    problems = too_small(sizes, n_splits, "tune")
    if problems:
        raise DataError(
            [
                f"{line} training rows for {n_splits} folds (lower tune.n_splits)"
                for line in problems
            ]
        )
    return frame.withColumn("fold", class_rank(seed, id_column, label) % n_splits)


def subset_rows(opened: Any, paths: Paths, data: DataParams, subset: str) -> Any:
    """``artifacts.load_subset`` on Spark: the feature rows of the ``train`` or ``test``
    subset."""
    features = opened.read.parquet(str(paths.features))
    assignment = opened.read.parquet(str(paths.split)).where(f"subset = '{subset}'")
    return features.join(assignment.select(data.id_column), data.id_column)


def laid_out(frame: Any, id_column: str, partitions: int) -> Any:
    """``frame`` hashed by id into ``partitions`` partitions, each sorted by id: the same
    partitions whatever the cores, the files or the row order (a seeded MLlib fit samples each
    partition with its own seed)."""
    return frame.repartition(partitions, id_column).sortWithinPartitions(id_column)


def part_of(id_column: str, parts: int) -> Any:
    """The Parquet part a row goes to: the first 32 bits of SHA-256 of its id, modulo ``parts``."""
    from pyspark.sql import functions  # pylint: disable=import-outside-toplevel

    digest = functions.sha2(functions.col(id_column).cast("string"), 256)
    head = functions.conv(functions.substring(digest, 1, 8), 16, 10).cast("long")
    return functions.pmod(head, functions.lit(parts))


def write_parts(frame: Any, folder: Path, id_column: str, parts: int) -> int:
    """Write ``frame`` as ``folder/part-NNNNN.parquet``, each part sorted by id and written by the
    executor holding it; replace ``folder`` only once every part is written. Returns the rows."""
    import pyarrow  # pylint: disable=import-outside-toplevel
    import pyarrow.parquet  # pylint: disable=import-outside-toplevel

    staging = folder.with_name(folder.name + ".writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    target = str(staging)

    def write(table: pyarrow.Table) -> pyarrow.Table:
        part = table.column("_part")[0].as_py()
        table = table.drop_columns(["_part"])
        table = table.sort_by([(id_column, "ascending")])
        pyarrow.parquet.write_table(table, f"{target}/part-{part:05d}.parquet")
        return pyarrow.table({"rows": [table.num_rows]})

    written = (
        frame.withColumn("_part", part_of(id_column, parts))
        .groupBy("_part")
        .applyInArrow(write, "rows long")
        .collect()
    )
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return sum(row["rows"] for row in written)
