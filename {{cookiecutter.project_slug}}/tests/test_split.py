"""Properties of the split that every seed and size must keep (Hypothesis explores the cases)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.stages.split import split_rows

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
TEST_SIZES = st.floats(min_value=0.1, max_value=0.9)


@st.composite
def labels(draw, min_per_class: int = 10) -> pd.Series:
    """Binary labels with at least ``min_per_class`` rows of each class, in any order."""
    positives = draw(st.integers(min_value=min_per_class, max_value=300))
    negatives = draw(st.integers(min_value=min_per_class, max_value=300))
    order = draw(st.randoms(use_true_random=False))
    values = [1] * positives + [0] * negatives
    order.shuffle(values)
    return pd.Series(values)


@given(labels(), TEST_SIZES, SEEDS)
@example(pd.Series([0, 1] * 10), 0.25, 0)
def test_same_seed_gives_the_same_split(target, test_size, seed):
    pd.testing.assert_frame_equal(
        split_rows(target, test_size, seed), split_rows(target, test_size, seed)
    )


@given(labels(), TEST_SIZES, SEEDS)
@example(pd.Series([0, 1] * 10), 0.25, 0)
def test_split_is_a_partition_of_the_rows(target, test_size, seed):
    split = split_rows(target, test_size, seed)
    assert split["row"].tolist() == list(range(len(target)))
    assert set(split["subset"]) == {"train", "test"}


@given(labels(), TEST_SIZES, SEEDS)
def test_split_is_stratified(target, test_size, seed):
    split = split_rows(target, test_size, seed)
    test_labels = target[split["subset"].to_numpy() == "test"]
    n_test = len(test_labels)
    assert n_test == math.ceil(test_size * len(target))
    for label in (0, 1):
        expected = n_test * (target == label).mean()
        assert abs((test_labels == label).sum() - expected) <= 1


@settings(max_examples=50)
@given(labels(min_per_class=30), st.floats(min_value=0.2, max_value=0.8), SEEDS, SEEDS)
@example(pd.Series([0, 1] * 50), 0.25, 0, 1)
def test_different_seeds_give_different_splits(target, test_size, seed, other):
    assume(seed != other)
    first = split_rows(target, test_size, seed)["subset"]
    second = split_rows(target, test_size, other)["subset"]
    assert not np.array_equal(first, second)


def test_a_class_too_small_to_split_is_a_data_error():
    with pytest.raises(DataError, match="cannot make a stratified split of 11 rows"):
        split_rows(pd.Series([0] * 10 + [1]), 0.25, 0)
