"""Commands ``collect`` and ``reproduce``: package one run for comparison with runs made elsewhere.

``collect DEST`` copies the manifest and every output the policy compares by content into a new
folder, after checking that each is the file the manifest describes (DVC's md5), so a stale manifest
can never vouch for other files. It also writes what any engine must give the same
(``engine-neutral.json``: the tables as row digests, the gates' verdicts), so a pandas run and a
Spark run can be compared. ``reproduce DEST`` runs every stage from scratch first
(``dvc repro --force --no-run-cache``): the one command every reproduction leg runs, whether in Nox,
in a GitHub Actions leg or in Docker.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow
import pyarrow.csv

from ..artifacts import read_json, read_table, write_json
from ..config import DataParams, Paths, load_params
from ..errors import DataError
from .policy import Policy

MANIFEST = "manifest.json"
# What a run on either engine must give the same: its tables as rows, its gates' verdicts.
NEUTRAL = "engine-neutral.json"


def md5_of(path: Path) -> str:
    """The md5 DVC records for a file (of its raw bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rows_digest(path: Path, data: DataParams) -> str:
    """SHA-256 of a table as canonical rows, the same for a CSV file and a folder of Parquet
    parts holding the same rows: sorted by id, numbers as float64, CSV text."""
    frame = read_table(path, data).sort_values(data.id_column, kind="stable", ignore_index=True)
    numeric = [name for name in frame.columns if pd.api.types.is_numeric_dtype(frame[name])]
    frame = frame.astype({name: "float64" for name in numeric})
    text = io.BytesIO()
    pyarrow.csv.write_csv(pyarrow.Table.from_pandas(frame, preserve_index=False), text)
    return hashlib.sha256(text.getvalue()).hexdigest()


def neutral(paths: Paths, data: DataParams) -> dict[str, Any]:
    """The run's tables as row digests and its gates' verdicts and counts (without the observed
    values, which each engine reports in its own terms)."""
    tables = {"data/raw/dataset": paths.raw, "data/features/features": paths.features}
    tables["data/split/split"] = paths.split
    gates = {}
    for gate in ("raw", "features"):
        summary = read_json(paths.validation / f"{gate}.json")
        gates[f"reports/validation/{gate}.json"] = {
            key: value for key, value in summary.items() if key != "failures"
        }
    return {
        "rows": {name: rows_digest(path, data) for name, path in tables.items()},
        "gates": gates,
    }


def compared_outputs(paths: Paths, policy: Policy) -> dict[str, str]:
    """The policy's outputs this run has: a Spark run's tables are Parquet folders, not the CSV
    files the policy names (its rows are compared through :func:`neutral`)."""
    csv_tables = {Paths(paths.root).raw, Paths(paths.root).features, Paths(paths.root).split}
    return {
        name: check
        for name, check in policy.outputs.items()
        if paths.engine == "pandas" or paths / name not in csv_tables
    }


def collect(paths: Paths, destination: Path, policy: Policy) -> None:
    """Copy the manifest and the outputs compared by content into ``destination``; write the
    engine-neutral summary beside them."""
    params = load_params(paths.params)
    paths = replace(paths, engine=params.engine)
    outputs = compared_outputs(paths, policy)
    if destination.exists() and any(destination.iterdir()):
        raise DataError([f"{destination}: not empty; collect each run into a new folder"])
    if not paths.manifest.is_file():
        raise DataError([f"{paths.manifest}: missing; run `dvc repro` first"])
    recorded = json.loads(paths.manifest.read_text(encoding="utf-8")).get("outputs", {})
    problems = []
    for name in outputs:
        if not (paths / name).is_file():
            problems.append(f"{name}: missing; run `dvc repro` first")
        elif recorded.get(name) != md5_of(paths / name):
            problems.append(f"{name}: differs from the manifest's record; run `dvc repro`")
    if problems:
        raise DataError(problems)
    copies = {MANIFEST: paths.manifest}
    copies.update({name: paths / name for name, check in outputs.items() if check != "exact"})
    for name, source in copies.items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    write_json(neutral(paths, params.data), destination / NEUTRAL)


def reproduce(paths: Paths, destination: Path, policy: Policy) -> None:
    """Run every stage from scratch, then collect the run into ``destination``."""
    command = [sys.executable, "-m", "dvc", "repro", "--force", "--no-run-cache"]
    if subprocess.run(command, cwd=paths.root, check=False).returncode != 0:
        raise DataError(["reproduce: `dvc repro` failed (its messages are above)"])
    collect(paths, destination, policy)
