"""Your own data, end to end: a table the project does not ship goes from ``data/external/`` to a
passing, byte-identical pipeline with drafted suites, and the generated tests pass on it.

The table is built here from scikit-learn's wine data: three classes with text labels, a
categorical column, missing values in a numeric and a text column, and a free-text column the
model must skip. The steps are the generated README's "Your own data" list, in order.
"""

from __future__ import annotations

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


def ok(result) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def outputs(project: Path) -> dict[str, bytes]:
    """Every file the pipeline wrote."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for folder in ("data/raw", "data/features", "data/split", "models", "reports")
        for path in sorted((project / folder).rglob("*"))
        if path.is_file() and path.name != "manifest.json"
    }


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
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["data"].update(
        source="file", file="wine.csv", label="cultivar", id=None, positive_class="barolo"
    )
    params["featurize"]["log1p"] = []
    params["preprocess"]["skip"] = ["notes"]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    raw = ok(locked_env(project, package, "expectations", "draft", "data/external/wine.csv"))
    (project / "expectations/raw.json").write_text(raw, encoding="utf-8")
    ok(locked_env(project, "dvc", "repro", "featurize"))
    features = ok(
        locked_env(
            project,
            package,
            *("expectations", "draft", "data/features/features.csv", "--dataset", "features"),
        )
    )
    (project / "expectations/features.json").write_text(features, encoding="utf-8")
    ok(locked_env(project, "dvc", "repro"))
    return project, package


def test_the_drafted_suites_are_deterministic_and_say_they_need_review(own_project, locked_env):
    project, package = own_project
    again = ok(locked_env(project, package, "expectations", "draft", "data/external/wine.csv"))
    assert again == (project / "expectations/raw.json").read_text(encoding="utf-8")
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


def test_the_model_beats_the_baseline_on_every_multiclass_score(own_project):
    project, _ = own_project
    metrics = json.loads((project / "reports/metrics.json").read_text(encoding="utf-8"))
    headline = {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc_ovr"}
    assert set(metrics["baseline"]) == headline
    assert set(metrics["model"]) == {*headline, "cv_roc_auc_ovr"}  # tune's one-vs-rest AUC
    for name, value in metrics["baseline"].items():
        assert value < metrics["model"][name], name
    scores = json.loads((project / "reports/scores.json").read_text(encoding="utf-8"))
    assert scores["task"] == "multiclass"
    assert set(scores["model"]["per_class"]) == {"barbera", "barolo", "grignolino"}
    per_class = sorted(path.name for path in (project / "reports/plots/per_class/roc").iterdir())
    assert per_class == ["barbera.json", "barolo.json", "grignolino.json"]


def test_a_forced_rerun_is_byte_identical(own_project, locked_env):
    project, _ = own_project
    before = outputs(project)
    ok(locked_env(project, "dvc", "repro", "--force"))
    assert outputs(project) == before


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
