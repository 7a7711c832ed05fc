"""Stage ``ingest``: write the raw dataset (``data/raw/dataset.<tables>``) from the configured
source, in memory with pandas or as a Spark job (``engine``).

Sources (``data.source`` in ``params.yaml``):

* ``breast_cancer``: the Wisconsin breast-cancer data that ships inside scikit-learn, so a fresh
  project runs offline with no DVC remote. ``target`` is 1 for malignant, 0 for benign.
* ``synthetic``: ``data.n_rows`` rows drawn with ``seed`` from a per-class Gaussian fitted to the
  bundled data in log space, with the same columns, for scale tests from 10 to millions of rows.
* ``file``: your own CSV, ``data/external/<data.file>``, with the label column ``data.label``
  (two or more classes, integers or text) and any numeric or text feature columns.

Every row gets a stable id in the first column: your ``data.id`` column (unique, never empty), or
``row_id`` derived from the row's content (see :func:`derive_ids`), so the split can depend on the
rows themselves and never on their order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

from .. import spark
from ..artifacts import write_csv
from ..config import DERIVED_ID, DataParams, Params, Paths
from ..errors import DataError

LABEL = "target"  # the bundled and synthetic sources' label column


def snake_case(name: str) -> str:
    """``"mean radius"`` -> ``"mean_radius"``."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def breast_cancer() -> pd.DataFrame:
    """The bundled breast-cancer data with snake_case columns and ``target`` = 1 for malignant."""
    bunch = load_breast_cancer(as_frame=True)
    frame: pd.DataFrame = bunch.data.rename(columns=snake_case)
    frame[LABEL] = (bunch.target == 0).astype("int64")  # scikit-learn codes malignant as 0
    return frame


def synthetic(n_rows: int, seed: int, block: int | None = None) -> pd.DataFrame:
    """Draw ``n_rows`` rows shaped like :func:`breast_cancer`, reproducibly from ``seed`` (and from
    ``block``, when Spark draws several blocks: see :func:`blocks`).

    Each class is a multivariate normal in ``log1p`` space, so values keep the real correlations;
    values are clipped to each column's observed range and rounded to about four significant digits,
    like the original, so samples of any size meet the raw data's expectation suite. Class counts
    follow the real class balance exactly (at least two rows per class), so even 10 rows split.
    """
    reference = breast_cancer()
    measurements = reference.drop(columns=LABEL)
    stream = seed if block is None else np.random.SeedSequence(seed, spawn_key=(block,))
    rng = np.random.default_rng(stream)
    positives = min(max(2, round(n_rows * reference[LABEL].mean())), n_rows - 2)
    labels = rng.permutation(np.repeat([1, 0], [positives, n_rows - positives]))
    values = np.empty((n_rows, measurements.shape[1]))
    for label in (0, 1):
        logged = np.log1p(measurements[reference[LABEL] == label].to_numpy())
        values[labels == label] = rng.multivariate_normal(
            logged.mean(axis=0),
            np.cov(logged, rowvar=False),
            size=int((labels == label).sum()),
            method="cholesky",  # unique, unlike the default SVD whose signs vary with LAPACK
        )
    frame = pd.DataFrame(
        np.clip(np.expm1(values), measurements.min().to_numpy(), measurements.max().to_numpy()),
        columns=measurements.columns,
    )
    magnitude = np.floor(np.log10(measurements.abs().median())).astype(int)
    frame = frame.round((3 - magnitude).to_dict())
    frame[LABEL] = labels.astype("int64")
    return frame


def first_non_utf8_byte(path: Path) -> tuple[int, int, int]:
    """Line number (from 1), offset in the file (from 0) and value of the first byte that breaks
    UTF-8. Lines are split at ``\\n``, which never occurs inside a UTF-8 character."""
    offset = 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                return number, offset + error.start, line[error.start]
            offset += len(line)
    raise ValueError(f"{path} is valid UTF-8")


def read_user_csv(path: Path, data: DataParams, needs_label: bool = True) -> pd.DataFrame:
    """Read your own CSV, turning the usual ways a file goes wrong into one readable line each
    (``needs_label=False`` for new rows to predict)."""
    name = path.as_posix()
    if not path.is_file():
        raise DataError([f"{name}: file not found"])
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype={data.id: str} if data.id else None)
    except pd.errors.EmptyDataError:
        raise DataError([f"{name}: the file is empty"]) from None
    except UnicodeDecodeError:
        line, offset, byte = first_non_utf8_byte(path)
        raise DataError(
            [
                f"{name}: not UTF-8 text: line {line} has byte 0x{byte:02x} at byte offset "
                f"{offset} of the file; save the file as UTF-8"
            ]
        ) from None
    except pd.errors.ParserError as error:
        raise DataError(
            [f"{name}: not a well-formed CSV file ({error})".replace("\n", " ")]
        ) from None
    problems = []
    if len(frame.columns) == 1 and any(sep in str(frame.columns[0]) for sep in ";\t|"):
        problems.append(f"{name}: one column only; is it delimited by something other than ','?")
    else:
        columns = ", ".join(map(str, frame.columns))
        problems += [
            f"{name}: no {key} column {column!r} (columns: {columns})"
            for key, column in (("data.label", data.label), ("data.id", data.id))
            if column is not None
            and column not in frame.columns
            and (needs_label or key != "data.label")
        ]
    if frame.empty:
        problems.append(f"{name}: a header but no data rows")
    if problems:
        raise DataError(problems)
    return frame


def derive_ids(frame: pd.DataFrame) -> pd.Series:
    """A stable id per row: the first 16 hex digits of the SHA-256 of the row's values (as text,
    joined by the unit separator; missing as empty), with ``-2``, ``-3``... added to repeats of an
    identical row. The same rows give the same ids in any order, on any machine."""
    ids = content_hashes(frame)
    repeat = ids.groupby(ids).cumcount()
    return ids.where(repeat == 0, ids + "-" + (repeat + 1).astype(str))


def content_hashes(frame: pd.DataFrame) -> pd.Series:
    """The first 16 hex digits of each row's SHA-256 (:func:`derive_ids` before repeats)."""
    text = pd.Series("", index=frame.index)
    for number, column in enumerate(frame.columns):
        values = frame[column].astype(str).where(frame[column].notna(), "")
        text = values if number == 0 else text + "\x1f" + values
    return pd.Series([hashlib.sha256(row.encode()).hexdigest()[:16] for row in text], frame.index)


def check_rows(
    frame: pd.DataFrame, data: DataParams, source: str, needs_label: bool = True
) -> list[str]:
    """Problems no later stage could work around: unusable ids or labels."""
    if needs_label and data.label not in frame.columns:
        return [f"{source}: no data.label column {data.label!r}"]
    ids = frame[data.id] if data.id else pd.Series(dtype=object)
    return row_problems(
        data,
        source,
        list(frame.columns),
        list(frame[data.label].dropna().unique()[:2]) if needs_label else [0, 1],
        int(ids.isna().sum()),
        list(ids[ids.duplicated()].dropna().unique()),
    )


def row_problems(  # pylint: disable=too-many-arguments,too-many-positional-arguments
    data: DataParams,
    source: str,
    columns: list[str],
    classes: Sequence[object],
    empty_ids: int,
    repeated: list[object],
) -> list[str]:
    """The lines :func:`check_rows` reports, from what either engine counted: up to two of the
    label's classes, the empty and the repeated ids (``data.id``)."""
    problems = []
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if len(classes) else "no labels at all"
        problems.append(
            f"{source}: label column {data.label!r} has {found}; classification needs two or "
            "more classes"
        )
    if data.id:
        if empty_ids:
            problems.append(f"{source}: id column {data.id!r} has {empty_ids} empty cells")
        if repeated:
            problems.append(
                f"{source}: id column {data.id!r} repeats {len(repeated)} ids, e.g. "
                f"{', '.join(map(repr, repeated[:3]))}; ids must be unique"
            )
    elif DERIVED_ID in columns:
        problems.append(
            f"{source}: has a {DERIVED_ID!r} column; name it in data.id, or rename it, since "
            "ingest derives that column"
        )
    return problems


def load(data: DataParams, seed: int, external: Path) -> pd.DataFrame:
    """The raw dataset from the source ``data`` selects, without ids."""
    if data.source == "synthetic":
        return synthetic(data.n_rows, seed)
    if data.source == "file":
        return read_user_csv(external / data.file, data)
    return breast_cancer()


def with_ids(
    frame: pd.DataFrame, data: DataParams, source: str, needs_label: bool = True
) -> pd.DataFrame:
    """``frame`` with its id column first (checked or derived)."""
    problems = check_rows(frame, data, source, needs_label)
    if problems:
        raise DataError(problems)
    ids = frame[data.id] if data.id else derive_ids(frame)
    rest = frame.drop(columns=[data.id_column], errors="ignore")
    return pd.concat([ids.rename(data.id_column), rest], axis=1)


def source_name(data: DataParams, external: Path) -> str:
    """How error lines name the source."""
    if data.source == "file":
        return (external / data.file).as_posix()
    return f"data.source {data.source}"


def run(params: Params, paths: Paths) -> None:
    """Write the raw dataset."""
    if params.engine == "spark":
        with spark.session(params.spark, paths.spark_scratch) as session:
            frame = on_spark(session, params, paths.external)
            spark.write_parts(frame, paths.raw, params.data.id_column, params.spark.parts)
        return
    source = source_name(params.data, paths.external)
    frame = with_ids(load(params.data, params.seed, paths.external), params.data, source)
    write_csv(frame, paths.raw)


# The same sources as Spark jobs: rows are drawn or read on the executors, never on the driver.

BLOCK_ROWS = 1_000_000  # synthetic rows one Spark task draws


def blocks(n_rows: int) -> list[tuple[int | None, int]]:
    """Spark's synthetic blocks as (block, rows): up to :data:`BLOCK_ROWS` rows, one block drawn
    exactly as pandas draws it (block ``None``); beyond, blocks of nearly equal size, block ``b``
    drawn from its own stream of the seed (numpy's ``SeedSequence(seed, spawn_key=(b,))``).
    pandas keeps one stream at every size it serves, so its data never change; the two engines
    draw the same rows up to one block."""
    if n_rows <= BLOCK_ROWS:
        return [(None, n_rows)]
    count = -(-n_rows // BLOCK_ROWS)
    return [(block, n_rows // count + (block < n_rows % count)) for block in range(count)]


def on_spark(session: Any, params: Params, external: Path) -> Any:
    """The raw dataset as a Spark DataFrame, its id column first."""
    data = params.data
    if data.source == "synthetic":
        return synthetic_on_spark(session, data, params.seed)
    if data.source == "breast_cancer":  # 569 rows: drawn on the driver like pandas does
        return session.createDataFrame(with_ids(breast_cancer(), data, "data.source breast_cancer"))
    return file_on_spark(session, data, external)


def synthetic_on_spark(session: Any, data: DataParams, seed: int) -> Any:
    """Every block drawn by its own task, with the pandas generator and ids."""
    plan = blocks(data.n_rows)
    columns = ", ".join(f"`{name}` double" for name in breast_cancer().columns.drop(LABEL))
    schema = f"`{DERIVED_ID}` string, {columns}, `{LABEL}` bigint"

    def draw(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for number in batch["id"]:
                block, rows = plan[number]
                yield with_ids(synthetic(rows, seed, block), data, "data.source synthetic")

    return session.range(len(plan), numPartitions=len(plan)).mapInPandas(draw, schema)


def file_on_spark(session: Any, data: DataParams, external: Path) -> Any:
    """Your CSV or Parquet file, with pandas' column types: integers as 64-bit, dates as text."""
    from pyspark.sql import functions, types  # pylint: disable=import-outside-toplevel

    path = external / data.file
    source = path.as_posix()
    if not path.exists():
        raise DataError([f"{source}: file not found"])
    if path.suffix == ".parquet":
        frame = session.read.parquet(str(path))
    else:
        inferred = session.read.csv(str(path), header=True, inferSchema=True).schema
        as_text = (types.DateType, types.TimestampType)  # pandas keeps dates as text
        fields = [
            (
                types.StructField(field.name, types.StringType())
                if field.name == data.id or isinstance(field.dataType, as_text)
                else field
            )
            for field in inferred.fields
        ]
        frame = session.read.csv(str(path), header=True, schema=types.StructType(fields))
    wider = {"int": "bigint", "smallint": "bigint", "tinyint": "bigint", "float": "double"}
    frame = frame.select(
        [
            functions.col(f"`{name}`").cast(wider.get(kind, kind)).alias(name)
            for name, kind in frame.dtypes
        ]
    )
    problems = rows_on_spark(frame, data, source)
    if problems:
        raise DataError(problems)
    if data.id:
        return frame.select(data.id, *[f"`{name}`" for name in frame.columns if name != data.id])
    return with_ids_on_spark(frame)


def rows_on_spark(frame: Any, data: DataParams, source: str) -> list[str]:
    """:func:`check_rows` on Spark: a few counts come back to the driver, never the rows."""
    if data.label not in frame.columns:
        return [f"{source}: no data.label column {data.label!r}"]
    if data.id and data.id not in frame.columns:
        columns = ", ".join(frame.columns)
        return [f"{source}: no data.id column {data.id!r} (columns: {columns})"]
    classes = [row[0] for row in frame.select(data.label).dropna().distinct().limit(2).collect()]
    empty, repeated = 0, []
    if data.id:
        empty = frame.filter(frame[data.id].isNull()).count()
        counts = frame.dropna(subset=[data.id]).groupBy(data.id).count()
        repeated = [row[0] for row in counts.filter("count > 1").orderBy(data.id).collect()]
    return row_problems(data, source, list(frame.columns), classes, empty, repeated)


def with_ids_on_spark(frame: Any) -> Any:
    """:func:`derive_ids` on Spark: each row's hash from its values as pandas writes them, then
    ``-2``, ``-3``... for repeats of an identical row (which repeat gets which is immaterial:
    the rows are identical)."""
    from pyspark.sql import Window, functions  # pylint: disable=import-outside-toplevel

    # pandas reads a column of integers with gaps as floats (3.0), whichever rows a batch holds.
    integers = [name for name, kind in frame.dtypes if kind == "bigint"]
    gaps = [functions.count_if(frame[name].isNull()).alias(name) for name in integers]
    counts = frame.agg(*gaps).first().asDict() if gaps else {}
    floats = {name: "float64" for name, count in counts.items() if count}

    def hashed(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield batch.assign(_hash=content_hashes(batch.astype(floats)))

    fields = ", ".join(f"`{name}` {kind}" for name, kind in frame.dtypes)
    rows = frame.mapInPandas(hashed, f"{fields}, _hash string")
    repeat = functions.row_number().over(Window.partitionBy("_hash").orderBy("_hash"))
    row_id = functions.when(repeat == 1, functions.col("_hash")).otherwise(
        functions.concat_ws("-", "_hash", repeat.cast("string"))
    )
    return rows.select(row_id.alias(DERIVED_ID), *[f"`{name}`" for name in frame.columns])
