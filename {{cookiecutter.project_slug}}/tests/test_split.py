"""Properties of the split that every seed, size and label type must keep (Hypothesis explores
the cases): it depends only on (seed, row id, label), keeps exact per-class counts, and does not
care about row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.partition import held_out_count, split_rows

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
TEST_SIZES = st.floats(min_value=0.1, max_value=0.9)


@st.composite
def tables(draw, min_per_class: int = 2) -> pd.DataFrame:
    """Unique ids and labels of two to four classes (integers or text), in any order."""
    names = draw(st.sampled_from([[0, 1], ["cat", "dog", "owl"], [3, 1, 2, 7]]))
    counts = [draw(st.integers(min_value=min_per_class, max_value=120)) for _ in names]
    labels = [name for name, count in zip(names, counts) for _ in range(count)]
    order = draw(st.randoms(use_true_random=False))
    order.shuffle(labels)
    return pd.DataFrame({"id": [f"id-{n}" for n in range(len(labels))], "label": labels})


def split(table: pd.DataFrame, test_size: float, seed: int) -> pd.Series:
    """The subset of each row."""
    return split_rows(table["id"], table["label"], test_size, seed)


@settings(deadline=None)  # CPU time varies with load; no test is timed
@given(tables(), TEST_SIZES, SEEDS)
@example(pd.DataFrame({"id": list("abcdefgh"), "label": [0, 1] * 4}), 0.25, 0)
def test_same_seed_gives_the_same_split_and_every_row_gets_a_subset(table, test_size, seed):
    first = split(table, test_size, seed)
    pd.testing.assert_series_equal(first, split(table, test_size, seed))
    assert first.index.equals(table.index)
    assert set(first) == {"train", "test"}


@settings(deadline=None)  # CPU time varies with load; no test is timed
@given(tables(), TEST_SIZES, SEEDS)
def test_each_class_has_exactly_its_rounded_share_of_test_rows(table, test_size, seed):
    subset = split(table, test_size, seed)
    for label, size in table["label"].value_counts().items():
        held_out = int((subset[table["label"] == label] == "test").sum())
        assert held_out == held_out_count(size, test_size)
        assert 1 <= held_out <= size - 1


@settings(deadline=None)  # CPU time varies with load; no test is timed
@given(tables(), TEST_SIZES, SEEDS, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(table, test_size, seed, order):
    positions = list(range(len(table)))
    order.shuffle(positions)
    shuffled = table.iloc[positions].reset_index(drop=True)
    by_id = dict(zip(table["id"], split(table, test_size, seed)))
    assert dict(zip(shuffled["id"], split(shuffled, test_size, seed))) == by_id


def test_rounding_is_half_up_within_one_and_n_minus_one():
    assert [held_out_count(n, 0.25) for n in (2, 3, 4, 6, 10, 100)] == [1, 1, 1, 2, 3, 25]
    assert held_out_count(10, 0.05) == 1 and held_out_count(10, 0.99) == 9


@settings(max_examples=50, deadline=None)
@given(tables(min_per_class=30), st.floats(min_value=0.2, max_value=0.8), SEEDS, SEEDS)
def test_different_seeds_give_different_splits(table, test_size, seed, other):
    assume(seed != other)
    assert not np.array_equal(split(table, test_size, seed), split(table, test_size, other))


def test_a_class_too_small_to_split_is_a_data_error():
    table = pd.DataFrame({"id": list("abcdefghijk"), "label": [0] * 10 + [1]})
    with pytest.raises(DataError, match="class 1 has 1 row; each class needs at least 2"):
        split(table, 0.25, 0)
