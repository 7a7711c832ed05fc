"""Stage ``ingest``: the bundled data, the synthetic source and files a user might hand over."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.stages import ingest

TARGET = ingest.LABEL


@pytest.fixture(name="data")
def fixture_data(params):
    """Data params for a file whose label is ``target`` and whose ids ingest derives."""
    return params.data.model_copy(update={"label": TARGET, "id": None})


def test_bundled_data_has_snake_case_columns_and_malignant_as_one():
    frame = ingest.breast_cancer()
    assert frame.shape == (569, 31)
    assert frame.columns[-1] == TARGET
    assert all(name == name.lower() and " " not in name for name in frame.columns)
    assert frame[TARGET].value_counts().to_dict() == {0: 357, 1: 212}


def test_synthetic_data_has_the_bundled_columns_and_is_seeded():
    first, again = ingest.synthetic(500, 0), ingest.synthetic(500, 0)
    other = ingest.synthetic(500, 1)
    assert list(first.columns) == list(ingest.breast_cancer().columns)
    assert len(first) == 500
    assert first.equals(again)
    assert not first.equals(other)
    assert (first.drop(columns=TARGET).to_numpy() >= 0).all()
    assert set(first[TARGET]) == {0, 1}


def test_synthetic_classes_look_like_the_real_ones():
    real, fake = ingest.breast_cancer(), ingest.synthetic(20_000, 7)
    assert abs(fake[TARGET].mean() - real[TARGET].mean()) < 0.02
    ratio = (
        fake.groupby(TARGET)["mean_radius"].median() / real.groupby(TARGET)["mean_radius"].median()
    )
    assert np.allclose(ratio, 1, atol=0.05)


def test_file_source_reads_a_csv_from_the_external_folder(tmp_path, params):
    ingest.breast_cancer().head(50).to_csv(tmp_path / "mine.csv", index=False)
    data = params.data.model_copy(
        update={"source": "file", "file": "mine.csv", "label": TARGET, "id": None}
    )
    assert len(ingest.load(data, 0, tmp_path)) == 50


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"a,b,target\n", "a header but no data rows"),
        (b"a,target\n\xff\xfe,1\n", "line 2 has byte 0xff at byte offset 9 of the file"),
        (b"a;b;target\n1;2;0\n", "delimited by something other than ','"),
        (b"a,b\n1,2\n", "no data.label column 'target' (columns: a, b)"),
        (b'a,target\n"unterminated,1\n', "not a well-formed CSV file"),
    ],
)
def test_bad_user_files_fail_with_one_clear_line(tmp_path, content, message, data):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        ingest.read_user_csv(path, data)
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0]
    assert "\n" not in caught.value.problems[0]


def test_a_non_utf8_byte_deep_in_a_file_is_located_in_the_file(tmp_path, data):
    rows = [b"a,target\n"] + [f"{number}.5,{number % 2}\n".encode() for number in range(200_000)]
    bad_line = b"caf\xe9,1\n"  # Latin-1, as a spreadsheet might save it
    path = tmp_path / "data.csv"
    path.write_bytes(b"".join(rows) + bad_line)
    offset = sum(map(len, rows)) + 3
    with pytest.raises(DataError) as caught:
        ingest.read_user_csv(path, data)
    assert caught.value.problems == [
        f"{path.as_posix()}: not UTF-8 text: line {len(rows) + 1} has byte 0xe9 at byte offset "
        f"{offset} of the file; save the file as UTF-8"
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path, data):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xef\xbb\xbftarget,a\n1,2\n0,3\n")
    assert list(ingest.read_user_csv(path, data).columns) == [TARGET, "a"]


def test_missing_user_file_is_reported(tmp_path, data):
    with pytest.raises(DataError, match="file not found"):
        ingest.read_user_csv(tmp_path / "absent.csv", data)


def test_derived_ids_follow_the_rows_not_their_order_and_repeats_stay_apart(data):
    frame = pd.DataFrame(
        {"a": [1.5, 2.0, 1.5, None], "kind": ["x", "y", "x", "z"], TARGET: [0, 1, 0, 1]}
    )
    ids = ingest.derive_ids(frame)
    assert ids.is_unique and ids[2] == f"{ids[0]}-2"
    reordered = ingest.derive_ids(frame.iloc[[3, 1, 0, 2]].reset_index(drop=True))
    assert sorted(reordered) == sorted(ids)
    assert ingest.with_ids(frame, data, "f").columns[0] == data.id_column


@pytest.mark.parametrize(
    ("frame", "update", "message"),
    [
        (pd.DataFrame({"a": [1, 2], TARGET: ["x", "x"]}), {}, "has only 'x'; classification needs"),
        (
            pd.DataFrame({"k": ["1", None], "a": [1, 2], TARGET: [0, 1]}),
            {"id": "k"},
            "1 empty cells",
        ),
        (
            pd.DataFrame({"k": ["1", "1"], "a": [1, 2], TARGET: [0, 1]}),
            {"id": "k"},
            "repeats 1 ids",
        ),
        (pd.DataFrame({"row_id": [1, 2], TARGET: [0, 1]}), {}, "has a 'row_id' column"),
        (pd.DataFrame({"a": [1, 2]}), {}, "no data.label column 'target'"),
    ],
)
def test_unusable_labels_and_ids_are_one_line_each(data, frame, update, message):
    with pytest.raises(DataError) as caught:
        ingest.with_ids(frame, data.model_copy(update=update), "f.csv")
    assert len(caught.value.problems) == 1 and message in caught.value.problems[0]


@pytest.mark.parametrize("rows", [10, 999_999, 1_000_000, 1_000_001, 2_500_000, 10**9])
def test_spark_draws_up_to_one_block_as_pandas_does_and_beyond_in_near_equal_blocks(rows):
    plan = ingest.blocks(rows)
    assert sum(size for _, size in plan) == rows
    if rows <= ingest.BLOCK_ROWS:
        assert plan == [(None, rows)]
    else:
        assert [block for block, _ in plan] == list(range(len(plan)))
        sizes = {size for _, size in plan}
        assert max(sizes) <= ingest.BLOCK_ROWS and max(sizes) - min(sizes) <= 1


def test_each_synthetic_block_is_its_own_seeded_stream():
    first = ingest.synthetic(50, 7, block=0)
    assert first.equals(ingest.synthetic(50, 7, block=0))
    assert not first.equals(ingest.synthetic(50, 7, block=1))
    assert not first.equals(ingest.synthetic(50, 7))
