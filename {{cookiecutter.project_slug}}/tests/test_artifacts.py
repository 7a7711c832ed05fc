"""Canonical writers: the same data always give the same bytes, and the bytes read back exactly.

DVC hashes every output, so the golden bytes below are written out literally: a change of float
formatting, quoting, line endings, key order, indentation or encoding changes every hash
downstream and must be a deliberate edit of this file, never a side effect. Rerunning a writer
cannot catch such a change (it is just as stable after it); only fixed bytes can.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import artifacts

FRAME = pd.DataFrame(
    {
        "row": [0, 1, 2],
        "score": [0.1, 1 / 3, np.nan],
        "scale": [1e22, 1.5e-7, -0.0],
        "label": ["plain", "comma, inside", 'quote " and café'],
        "flag": [True, False, True],
    }
)
# Header and text quoted, shortest round-trip floats, an empty cell for NaN, "\n" line ends, UTF-8.
GOLDEN_CSV = (
    b'"row","score","scale","label","flag"\n'
    b'0,0.1,1e+22,"plain",true\n'
    b'1,0.3333333333333333,1.5e-7,"comma, inside",false\n'
    b'2,,-0,"quote "" and caf\xc3\xa9",true\n'
)
DOCUMENT = {
    "b": {"z": np.float64(0.1), "a": [np.int64(3), 1 / 3, None, True]},
    "a": "café",
    "c": [],
}
# Sorted keys, two-space indent, numpy scalars as plain numbers, ASCII escapes, a final newline.
GOLDEN_JSON = """{
  "a": "caf\\u00e9",
  "b": {
    "a": [
      3,
      0.3333333333333333,
      null,
      true
    ],
    "z": 0.1
  },
  "c": []
}
"""


def test_csv_bytes_are_golden(tmp_path):
    artifacts.write_csv(FRAME, tmp_path / "table.csv")
    assert (tmp_path / "table.csv").read_bytes() == GOLDEN_CSV


def test_csv_floats_of_every_magnitude_read_back_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(2000) * 10.0 ** rng.integers(-300, 300, 2000)
    extremes = [-0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, np.nan]
    values = np.concatenate([values, extremes])
    # A second column: in a one-column CSV, a missing value is a blank line, which readers skip.
    frame = pd.DataFrame({"row": range(len(values)), "value": values})
    artifacts.write_csv(frame, tmp_path / "floats.csv")
    read = pd.read_csv(tmp_path / "floats.csv")["value"].to_numpy()
    np.testing.assert_array_equal(read.view("int64"), values.view("int64"))


def test_csv_round_trips_every_column_type(tmp_path):
    artifacts.write_csv(FRAME, tmp_path / "table.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "table.csv"), FRAME, check_dtype=False)


def test_json_text_is_golden_and_written_as_is(tmp_path):
    assert artifacts.to_json_text(DOCUMENT) == GOLDEN_JSON
    artifacts.write_json(DOCUMENT, tmp_path / "document.json")
    assert (tmp_path / "document.json").read_bytes() == GOLDEN_JSON.encode("ascii")
    assert json.loads(GOLDEN_JSON) == DOCUMENT


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -np.inf, np.float64("nan")])
def test_json_refuses_nan_and_infinity(value, tmp_path):
    with pytest.raises(ValueError):
        artifacts.write_json({"score": value}, tmp_path / "document.json")
    assert not any(tmp_path.iterdir())


def test_json_refuses_objects_it_cannot_write_canonically():
    with pytest.raises(TypeError, match="set is not JSON serialisable"):
        artifacts.to_json_text({"labels": {0, 1}})


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), artifacts.atomic_path(path) as temporary:
        temporary.write_bytes(b"half a ")
        raise RuntimeError("the stage failed")
    assert path.read_bytes() == b"old\n"
    assert [entry.name for entry in tmp_path.iterdir()] == ["table.csv"]
