"""Stage ``ingest``: write the raw dataset (``data/raw/dataset.csv``) from the configured source.

Sources (``data.source`` in ``params.yaml``):

* ``breast_cancer``: the Wisconsin breast-cancer data that ships inside scikit-learn, so a fresh
  project runs offline with no DVC remote. ``target`` is 1 for malignant, 0 for benign.
* ``synthetic``: ``data.n_rows`` rows drawn with ``seed`` from a per-class Gaussian fitted to the
  bundled data in log space, with the same columns, for scale tests from 10 to millions of rows.
* ``file``: your own CSV, ``data/external/<data.file>``, with a ``target`` column of 0/1 labels.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

from ..artifacts import write_csv
from ..config import TARGET, DataParams, Params, Paths
from ..errors import DataError


def snake_case(name: str) -> str:
    """``"mean radius"`` -> ``"mean_radius"``."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def breast_cancer() -> pd.DataFrame:
    """The bundled breast-cancer data with snake_case columns and ``target`` = 1 for malignant."""
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.rename(columns=snake_case)
    frame[TARGET] = (bunch.target == 0).astype("int64")  # scikit-learn codes malignant as 0
    return frame


def synthetic(n_rows: int, seed: int) -> pd.DataFrame:
    """Draw ``n_rows`` rows shaped like :func:`breast_cancer`, reproducibly from ``seed``.

    Each class is a multivariate normal in ``log1p`` space, so values keep the real correlations;
    values are clipped to each column's observed range and rounded to about four significant digits,
    like the original, so samples of any size meet the raw data's expectation suite. Class counts
    follow the real class balance exactly (at least two rows per class), so even 10 rows split.
    """
    reference = breast_cancer()
    measurements = reference.drop(columns=TARGET)
    rng = np.random.default_rng(seed)
    positives = min(max(2, round(n_rows * reference[TARGET].mean())), n_rows - 2)
    labels = rng.permutation(np.repeat([1, 0], [positives, n_rows - positives]))
    values = np.empty((n_rows, measurements.shape[1]))
    for label in (0, 1):
        logged = np.log1p(measurements[reference[TARGET] == label].to_numpy())
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
    frame[TARGET] = labels.astype("int64")
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


def read_user_csv(path: Path) -> pd.DataFrame:
    """Read your own CSV, turning the usual ways a file goes wrong into one readable line each."""
    name = path.as_posix()
    if not path.is_file():
        raise DataError([f"{name}: file not found (data.source is 'file'; put your CSV there)"])
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
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
    elif TARGET not in frame.columns:
        problems.append(
            f"{name}: no '{TARGET}' column (columns: {', '.join(map(str, frame.columns))})"
        )
    if frame.empty:
        problems.append(f"{name}: a header but no data rows")
    if problems:
        raise DataError(problems)
    return frame


def load(data: DataParams, seed: int, external: Path) -> pd.DataFrame:
    """The raw dataset from the source ``data`` selects."""
    if data.source == "synthetic":
        return synthetic(data.n_rows, seed)
    if data.source == "file":
        return read_user_csv(external / data.file)
    return breast_cancer()


def run(params: Params, paths: Paths) -> None:
    """Write the raw dataset."""
    write_csv(load(params.data, params.seed, paths.external), paths.raw)
