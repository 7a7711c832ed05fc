"""Your own data, end to end: a table the project does not ship goes from ``data/external/`` to a
passing pipeline with drafted suites, and the generated tests pass on it (among them the forced
rerun that must give the same bytes, so this module does not make one of its own).

The table is built here from scikit-learn's wine data: three classes with text labels, a
categorical column, missing values in a numeric and a text column, and a free-text column the
model must skip. The steps are the generated README's "Your own data" list, in order, with
`make suites` drafting both suites. A copy of that project then takes a binary table with text
labels (Barolo or not, the positive class sorting first) through the same steps.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import run

pytestmark = pytest.mark.slow
IDENTITY = ["-c", "user.name=Own Data", "-c", "user.email=own.data@example.com"]
OWN_TABLE = """
import numpy as np
from sklearn.datasets import load_wine
bunch = load_wine(as_frame=True)
frame = bunch.data.rename(columns=lambda name: name.replace("/", "_"))
frame["cultivar"] = np.array(["barolo", "grignolino", "barbera"])[bunch.target]
rng = np.random.default_rng(0)
frame["soil"] = rng.choice(["clay", "sand", "loam"], len(frame))
frame["notes"] = [f"bottle {number}" for number in range(len(frame))]
frame.loc[[3, 50, 120], "magnesium"] = np.nan
frame.loc[[7, 90], "soil"] = np.nan
frame.to_csv("data/external/wine.csv", index=False)
"""
# The wine table as a binary task: Barolo (the positive class, sorting before the other) or not.
BINARY_TABLE = """
import pandas as pd
frame = pd.read_csv("data/external/wine.csv")
cultivar = frame.pop("cultivar")
frame["style"] = cultivar.where(cultivar == "barolo", "other")
frame.to_csv("data/external/barolo.csv", index=False)
"""


def ok(result) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


@pytest.fixture(scope="module")
def own_project(bake, locked_env, tmp_path_factory):
    """A fresh bake switched to the wine table by the README's steps, drafted and run once."""
    project = bake(tmp_path_factory.mktemp("own") / "wine", project_name="Wine Cultivars")
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    locked_env.install(project)
    for command in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "Baked"]):
        ok(run(["git", *IDENTITY, *command], project))
    ok(run([locked_env.python, "-c", OWN_TABLE], project, locked_env.env))
    ok(locked_env(project, "dvc", "add", "data/external/wine.csv"))
    use_own_data(project, file="wine.csv", label="cultivar", positive_class="barolo")
    ok(run(["make", "suites"], project, locked_env.env))
    ok(locked_env(project, "dvc", "repro"))
    return project, package


def use_own_data(project: Path, **data: str) -> None:
    """Point params.yaml at a file of ``data/external/`` (README step 2): the label and positive
    class given, ids derived, no log1p columns of the bundled data, the free text skipped."""
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["data"].update(source="file", id=None, **data)
    params["featurize"]["log1p"] = []
    params["preprocess"]["skip"] = ["notes"]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.fixture(scope="module")
def binary_project(own_project, locked_env, tmp_path_factory):
    """A copy of the wine project switched to a binary table with text labels, drafted by
    `make suites` and run once."""
    project = tmp_path_factory.mktemp("binary") / "barolo"
    shutil.copytree(own_project[0], project, symlinks=True)
    ok(run([locked_env.python, "-c", BINARY_TABLE], project, locked_env.env))
    use_own_data(project, file="barolo.csv", label="style", positive_class="barolo")
    ok(run(["make", "suites"], project, locked_env.env))
    ok(locked_env(project, "dvc", "repro"))
    return project


@pytest.mark.parametrize(
    ("gate", "table"),
    [("raw", "data/external/wine.csv"), ("features", "data/features/features.csv")],
)
def test_the_drafted_suites_are_deterministic_and_say_they_need_review(
    own_project, locked_env, gate, table
):
    project, package = own_project
    again = ok(locked_env(project, package, "expectations", "draft", table, "--dataset", gate))
    assert again == (project / f"expectations/{gate}.json").read_text(encoding="utf-8")
    suite = json.loads(again)
    assert all(
        entry["notes"].startswith("Drafted from data: review.") for entry in suite["expectations"]
    )
    classes = [
        e
        for e in suite["expectations"]
        if e["type"] == "expect_column_distinct_values_to_be_in_set"
    ]
    assert classes[0]["kwargs"] == {
        "column": "cultivar",
        "value_set": ["barbera", "barolo", "grignolino"],
    }


def error_lines(result) -> list[str]:
    """The ``error:`` lines of a command, which must never print a traceback."""
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_the_drafted_features_suite_passes_its_own_gate_as_written_and_stops_a_corrupted_copy(
    own_project, locked_env, tmp_path
):
    project, package = own_project
    suite, table = "expectations/features.json", "data/features/features.csv"
    for name in ("params.yaml", suite, table):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project / name, tmp_path / name)
    validate = [package, "--root", str(tmp_path), "validate", "features"]
    passed = locked_env(project, *validate)
    assert passed.returncode == 0 and not error_lines(passed), passed.stderr[-4000:]
    summary = json.loads(
        (tmp_path / "reports/validation/features.json").read_text(encoding="utf-8")
    )
    assert summary["success"] is True and summary["failed"]["critical"] == 0
    # One value far outside the drafted range of one column, the rest of the table as drafted.
    lines = (tmp_path / table).read_text(encoding="utf-8").splitlines(keepends=True)
    header, fields = next(csv.reader(lines[:1])), lines[1].split(",")
    assert len(fields) == len(header)  # no quoted comma in this table
    fields[header.index("alcohol")] = "1000"
    (tmp_path / table).write_text(
        "".join([lines[0], ",".join(fields), *lines[2:]]), encoding="utf-8"
    )
    stopped = locked_env(project, *validate)
    assert stopped.returncode == 1, stopped.stdout[-2000:] + stopped.stderr[-2000:]
    (line,) = error_lines(stopped)
    assert line.startswith(
        "error: features: expect_column_values_to_be_between on column 'alcohol'"
    )
    assert (tmp_path / suite).read_bytes() == (project / suite).read_bytes()


def test_the_model_beats_the_baseline_on_every_multiclass_score(own_project):
    project, _ = own_project
    metrics = json.loads((project / "reports/metrics.json").read_text(encoding="utf-8"))
    headline = {"balanced_accuracy", "f1_macro", "roc_auc_ovr"}
    assert set(metrics["baseline"]) == headline
    assert set(metrics["model"]) == {*headline, "cv_roc_auc_ovr"}  # tune's one-vs-rest AUC
    for name, value in metrics["baseline"].items():
        assert value < metrics["model"][name], name
    scores = json.loads((project / "reports/scores.json").read_text(encoding="utf-8"))
    assert scores["task"] == "multiclass"
    assert set(scores["model"]["per_class"]) == {"barbera", "barolo", "grignolino"}
    per_class = sorted(path.name for path in (project / "reports/plots/per_class/roc").iterdir())
    assert per_class == ["barbera.json", "barolo.json", "grignolino.json"]


def test_new_rows_are_scored_and_a_file_that_fails_the_gate_is_refused(own_project, locked_env):
    project, package = own_project
    code = (
        "import pandas as pd; rows = pd.read_csv('data/external/wine.csv').dropna().head(5)"
        ".drop(columns='cultivar'); rows.to_csv('new.csv', index=False);"
        "rows.loc[0, 'magnesium'] = -1000; rows.to_csv('bad.csv', index=False)"
    )
    ok(run([locked_env.python, "-c", code], project, locked_env.env))
    ok(locked_env(project, package, "predict", "new.csv", "scored.csv"))
    scored = (project / "scored.csv").read_text(encoding="utf-8").splitlines()
    assert scored[0] == '"row_id","predicted","probability"' and len(scored) == 6
    refused = locked_env(project, package, "predict", "bad.csv", "refused.csv")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "expect_column_values_to_be_between on column 'magnesium'" in refused.stderr
    assert not (project / "refused.csv").exists()


def test_the_generated_tests_pass_on_the_new_data(own_project, locked_env):
    project, _ = own_project
    for name in ("metrics.json", "scores.json"):  # `make reference`
        shutil.copyfile(project / "reports" / name, project / "tests/reference" / name)
    result = locked_env(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def test_a_binary_table_with_text_labels_scores_its_positive_class(binary_project):
    project = binary_project
    raw = json.loads((project / "expectations/raw.json").read_text(encoding="utf-8"))
    assert {
        "column": "style",
        "value_set": ["barolo", "other"],
    } in [entry["kwargs"] for entry in raw["expectations"]]
    metrics = json.loads((project / "reports/metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["baseline"]) == {"balanced_accuracy", "f1", "roc_auc"}
    assert set(metrics["model"]) == {*metrics["baseline"], "cv_roc_auc"}
    for name, value in metrics["baseline"].items():
        assert value < metrics["model"][name], name
    scores = json.loads((project / "reports/scores.json").read_text(encoding="utf-8"))
    assert (scores["task"], scores["classes"], scores["positive_class"]) == (
        "binary",
        ["barolo", "other"],
        "barolo",
    )
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    with (project / "reports/predictions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == scores["n_test"]
    labels = {"barolo", "other"}
    assert {row["actual"] for row in rows} == {row["predicted"] for row in rows} == labels
    # Binary predictions report the positive class's probability, whichever label sorts first.
    for row in rows:
        positive = float(row["probability"]) >= params["evaluate"]["threshold"]
        assert positive == (row["predicted"] == "barolo"), row
