"""Stage ``ingest``: write the raw dataset (``data/raw/dataset.csv``) from the configured source.

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
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

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


def synthetic(n_rows: int, seed: int) -> pd.DataFrame:
    """Draw ``n_rows`` rows shaped like :func:`breast_cancer`, reproducibly from ``seed``.

    Each class is a multivariate normal in ``log1p`` space, so values keep the real correlations;
    values are clipped to each column's observed range and rounded to about four significant digits,
    like the original, so samples of any size meet the raw data's expectation suite. Class counts
    follow the real class balance exactly (at least two rows per class), so even 10 rows split.
    """
    reference = breast_cancer()
    measurements = reference.drop(columns=LABEL)
    rng = np.random.default_rng(seed)
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
    text = pd.Series("", index=frame.index)
    for number, column in enumerate(frame.columns):
        values = frame[column].astype(str).where(frame[column].notna(), "")
        text = values if number == 0 else text + "\x1f" + values
    ids = pd.Series([hashlib.sha256(row.encode()).hexdigest()[:16] for row in text], frame.index)
    repeat = ids.groupby(ids).cumcount()
    return ids.where(repeat == 0, ids + "-" + (repeat + 1).astype(str))


def check_rows(
    frame: pd.DataFrame, data: DataParams, source: str, needs_label: bool = True
) -> list[str]:
    """Problems no later stage could work around: unusable ids or labels."""
    problems = []
    if needs_label and data.label not in frame.columns:
        return [f"{source}: no data.label column {data.label!r}"]
    classes = frame[data.label].dropna().unique() if needs_label else [0, 1]
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if len(classes) else "no labels at all"
        problems.append(
            f"{source}: label column {data.label!r} has {found}; classification needs two or "
            "more classes"
        )
    if data.id:
        ids = frame[data.id]
        if ids.isna().any():
            problems.append(
                f"{source}: id column {data.id!r} has {int(ids.isna().sum())} empty cells"
            )
        repeated = ids[ids.duplicated()].dropna().unique()
        if len(repeated):
            problems.append(
                f"{source}: id column {data.id!r} repeats {len(repeated)} ids, e.g. "
                f"{', '.join(map(repr, repeated[:3]))}; ids must be unique"
            )
    elif DERIVED_ID in frame.columns:
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


def run(params: Params, paths: Paths) -> None:
    """Write the raw dataset."""
    source = (
        (paths.external / params.data.file).as_posix()
        if params.data.source == "file"
        else f"data.source {params.data.source}"
    )
    frame = with_ids(load(params.data, params.seed, paths.external), params.data, source)
    write_csv(frame, paths.raw)
