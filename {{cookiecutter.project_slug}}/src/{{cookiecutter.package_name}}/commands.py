"""Commands that use the pipeline's pieces outside ``dvc repro``: drafting a suite from a table,
and applying the trained model to new rows.

They reuse the stages' own functions (the reader and id rule of ``ingest``, the gate of
``validate``, ``featurize``), so new data pass exactly the checks and transforms the training data
passed. Nothing here is a DVC stage, and nothing is served over a network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .artifacts import read_table, write_csv
from .config import Params, Paths
from .drafting import draft, suite_text
from .errors import DataError
from .model_files import load_model
from .models import decide
from .stages import featurize, ingest, validate


def draft_suite(params: Params, table: Path, dataset: str) -> str:
    """Suite text for ``table``: your own CSV (``raw``, read as ``ingest`` reads it, ids added) or
    a pipeline table (``features``)."""
    if dataset == "raw":
        frame = ingest.with_ids(ingest.read_user_csv(table, params.data), params.data, table.name)
    else:
        frame = read_table(table, params.data)
    return suite_text(draft(frame, dataset, params.data))


def prediction_gate(paths: Paths, params: Params) -> list[Any]:
    """The raw suite without what only labelled training data can meet: label checks, the label
    in the column set, and the row count (any number of rows may be scored)."""
    _, expectations = validate.load_suite(paths.expectations / "raw.json")
    kept = []
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        if kwargs.get("column") == params.data.label:
            continue
        if expectation.expectation_type == "expect_table_row_count_to_be_between":
            continue
        if "column_set" in kwargs:
            columns = [name for name in kwargs["column_set"] if name != params.data.label]
            expectation.column_set = columns
        kept.append(expectation)
    return kept


def predict(params: Params, paths: Paths, source: Path, destination: Path) -> None:
    """Gate, featurize and score the rows of ``source``; write id, predicted class, probability."""
    data = params.data
    frame = ingest.read_user_csv(source, data, needs_label=False)
    frame = frame.drop(columns=[data.label], errors="ignore")
    frame = ingest.with_ids(frame, data, source.as_posix(), needs_label=False)
    outcomes = validate.check(frame, prediction_gate(paths, params))
    failed = [o for o in outcomes if not o["success"] and o["severity"] == "critical"]
    if failed:
        raise DataError([validate.describe(source.as_posix(), outcome) for outcome in failed])
    features = featurize.featurize(frame, params.featurize, data).set_index(data.id_column)
    model = load_model(paths.model)
    predicted, probability = decide(
        model.predict_proba(features), model.classes_.tolist(), data, params.evaluate.threshold
    )
    table = pd.DataFrame({"predicted": predicted, "probability": probability}, features.index)
    write_csv(table.reset_index(), destination)
