"""Stage ``card``: the model card says what the run knows, marks what a person has not said yet,
refuses a malformed answers file, and is the same bytes when written again."""

from __future__ import annotations

import shutil
import socket

import pytest
import yaml

from {{ cookiecutter.package_name }}.artifacts import read_json
from {{ cookiecutter.package_name }}.config import Paths
from {{ cookiecutter.package_name }}.errors import ParamsError
from {{ cookiecutter.package_name }}.stages import card

INPUTS = (
    "data/split/split.csv",
    "reports/tuning/selection.json",
    "reports/metrics.json",
    "reports/scores.json",
    "reports/manifest.json",
    "model_card.yaml",
)
pytestmark = pytest.mark.xdist_group("pipeline")  # on the worker that holds the pipeline run


@pytest.fixture(name="copy")
def fixture_copy(pipeline_run, tmp_path) -> Paths:
    """The card's inputs from a pipeline run, in a folder of their own."""
    for name in INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pipeline_run / name, tmp_path / name)
    return Paths(tmp_path)


def answer(paths: Paths, **answers: str) -> None:
    """Fill in some answers of ``model_card.yaml``."""
    facts = yaml.safe_load(paths.card_facts.read_text(encoding="utf-8"))
    paths.card_facts.write_text(yaml.safe_dump({**facts, **answers}), encoding="utf-8")


def test_the_card_carries_the_run(copy, params):
    card.run(params, copy)
    text = copy.card.read_text(encoding="utf-8")
    selection, manifest = read_json(copy.selection), read_json(copy.manifest)
    assert selection["reason"] in text
    for name in card.DATA_FILES:
        assert manifest["outputs"][name] in text
    for name, value in read_json(copy.metrics)["model"].items():
        assert f"| {name} | {value:.4f} |" in text
    cross_validated = f"cv_{selection['metric']}"
    assert f"| {selection['score']['mean']:.4f} | {selection['baseline']['mean']:.4f} |" in text
    assert f"| {cross_validated} |" in text
    assert manifest["python"]["version"] in text and manifest["poetry_lock_sha256"] in text
    assert socket.gethostname() not in text


def test_unanswered_questions_show_as_missing_until_answered(copy, params):
    card.run(params, copy)
    assert copy.card.read_text(encoding="utf-8").count(card.MISSING) == len(
        card.CardFacts.model_fields
    )
    answer(copy, intended_use="Teaching: never for diagnosis.")
    card.run(params, copy)
    text = copy.card.read_text(encoding="utf-8")
    assert "Teaching: never for diagnosis." in text
    assert text.count(card.MISSING) == len(card.CardFacts.model_fields) - 1


def test_the_same_run_gives_the_same_card(copy, params):
    card.run(params, copy)
    first = copy.card.read_bytes()
    card.run(params, copy)
    assert copy.card.read_bytes() == first


def test_a_malformed_answers_file_is_one_line_per_problem_and_writes_nothing(copy, params):
    answer(copy, licence=3, colour="blue")
    with pytest.raises(ParamsError) as caught:
        card.run(params, copy)
    assert [line.split(":")[:2] for line in caught.value.problems] == [
        ["model_card.yaml", " licence"],
        ["model_card.yaml", " colour"],
    ]
    assert not copy.card.exists()
