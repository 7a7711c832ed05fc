"""How tables and reports are written and read back: canonical bytes, written atomically.

DVC hashes outputs byte for byte, so the same results must always give the same bytes: CSV with
a fixed column order, ``\\n`` line endings, shortest round-trip floats and empty cells for missing
values (written by Arrow, several times faster than pandas at a million rows); JSON with sorted keys
and no NaN or Infinity. Each file is written to a temporary sibling and renamed into place, so a
failing stage never leaves half a file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow
import pyarrow.csv
import pyarrow.parquet

from .config import DataParams, Paths


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with ``\\n`` line endings and no index (RFC 4180 quoting)."""
    table = pyarrow.Table.from_pandas(frame, preserve_index=False)
    with atomic_path(path) as temporary:
        pyarrow.csv.write_csv(table, temporary, pyarrow.csv.WriteOptions(quoting_style="needed"))


def to_json_text(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, no NaN/Infinity, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False, default=_plain) + "\n"


def write_json(data: Any, path: Path) -> None:
    """Write ``data`` as canonical JSON."""
    text = to_json_text(data)
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="\n")


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python numbers for JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_json(path: Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(path.read_text(encoding="utf-8"))


def read_table(path: Path, data: DataParams) -> pd.DataFrame:
    """Read a pipeline table: a CSV file, or a folder of Parquet parts (``tables: parquet``) read
    part after part. Row ids are always text, so ``007`` and ``7`` stay different ids."""
    if path.suffix == ".parquet":
        parts = [pyarrow.parquet.read_table(part) for part in sorted(path.glob("part-*.parquet"))]
        if not parts:
            raise FileNotFoundError(f"{path}: no Parquet parts")
        return pyarrow.concat_tables(parts).to_pandas().astype({data.id_column: str})
    return pd.read_csv(path, dtype={data.id_column: str}, keep_default_na=False, na_values=[""])


def load_subset(paths: Paths, data: DataParams, subset: str) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels of the ``train`` or ``test`` rows fixed by the ``split`` stage, indexed
    by row id (the id and label columns are not features)."""
    features = read_table(paths.features, data).set_index(data.id_column)
    assignment = read_table(paths.split, data)
    chosen = features.loc[assignment.loc[assignment["subset"] == subset, data.id_column]]
    return chosen.drop(columns=data.label), chosen[data.label]
