"""The Spark engine end to end, as the generated README switches a project to it: `poetry install
--with spark`, then `engine: spark` and `tables: parquet` in `params.yaml`, then `dvc repro`.

A fresh bake runs its whole pipeline on pandas first and collects the run; the same project then
runs the whole pipeline on Spark in local mode and collects it too. The Spark run must write the
raw rows, features and split pandas wrote (compared row by row), give the gates' verdicts and
counts, pass the project's own compare tool against the pandas run (metrics within the engine
pair's tolerance), keep its scratch files under the project's `.cache/`, and write the same bytes
when forced to run again. Each Spark fault patch of tests/faults.py must make the generated Spark
test it names fail here. The generated Spark tests themselves (gates on corrupted data, the split
and folds under any partitioning, parts written byte for byte, descriptions against MLlib) pass,
none skipped, in test_workflows.py, whose tests job installs the spark group as `ci.yml` does.

Both runs search a smaller grid than the shipped one (one point per family, three folds, fewer
boosting rounds): MLlib fits on the 426 training rows take 4 to 113 s each (docs/spark.md), and
the shipped grid is 45 such fits, ten of them a hundred boosting rounds. Every family still runs
on both engines.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import tasks
from tests import faults
from tests.test_quickstart import bash_block, plain_shell, type_in

pytestmark = pytest.mark.slow
IDENTITY = ["-c", "user.name=Spark Engine", "-c", "user.email=spark.engine@example.com"]
TABLES = {
    "raw": "data/raw/dataset",
    "features": "data/features/features",
    "split": "data/split/split",
}
# C1-compiled JVM code (with room for it) and a serial collector: Spark starts sooner on a small
# table (speed only; the outputs are the same bytes either way). No perf data: not even a fault
# that drops the project's own setting leaves an hsperfdata folder in the system temp.
QUICK_JVM = {
    "JDK_JAVA_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ReservedCodeCacheSize=256m "
    "-XX:-UsePerfData"
}
# Both engines search this grid (see the docstring), set with `dvc exp`'s syntax in params.yaml.
SMALL_SEARCH = {
    "spark.shuffle_partitions": "2",
    "tune.n_splits": "3",
    "tune.logistic_regression.grid.C": "[1.0]",
    "tune.random_forest.grid.n_estimators": "[20]",
    "tune.random_forest.grid.max_depth": "[4]",
    "tune.hist_gradient_boosting.grid.max_iter": "[10]",
    "tune.hist_gradient_boosting.grid.max_leaf_nodes": "[7]",
}


def switch_to_spark(project: Path) -> None:
    """The README's step: both lines of params.yaml, edited in place (comments kept)."""
    params = project / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert "\nengine: pandas\n" in text and "\ntables: csv  #" in text
    text = text.replace("\nengine: pandas\n", "\nengine: spark\n")
    params.write_text(text.replace("\ntables: csv  #", "\ntables: parquet  #"), encoding="utf-8")


def search_less(project: Path) -> None:
    """Set :data:`SMALL_SEARCH` in params.yaml (comments kept), as ``dvc exp run -S`` would."""
    lines = (project / "params.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    for dotted, value in SMALL_SEARCH.items():
        *sections, key = dotted.split(".")
        at, depth = 0, 0
        for section in sections:  # walk down to the section, line by line
            at = next(
                i for i in range(at, len(lines)) if lines[i].startswith(f"{'  ' * depth}{section}:")
            )
            depth += 1
        at = next(i for i in range(at, len(lines)) if lines[i].startswith(f"{'  ' * depth}{key}:"))
        comment = lines[at].partition("#")[2]
        lines[at] = f"{'  ' * depth}{key}: {value}" + (f"  #{comment}" if comment else "\n")
    (project / "params.yaml").write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def spark_run(bake, tmp_path_factory):
    """A fresh bake in a plain shell: installed as the README's Spark section says, the whole
    pipeline run and collected on pandas first (kept in ``pandas/``), then switched to Spark,
    run whole and collected (``spark/``)."""
    root = tmp_path_factory.mktemp("spark")
    project = bake(root / "project")
    env = plain_shell(root)
    env.update(QUICK_JVM)
    readme = (project / "README.md").read_text(encoding="utf-8")
    steps = bash_block(readme, "## Data that outgrow one machine: Spark")
    assert steps == ["poetry install --with spark", "poetry run dvc repro"]
    search_less(project)
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    collect = f"poetry run python -m {package} collect"
    type_in(
        project, ["git init --quiet", steps[0], "poetry run dvc repro", f"{collect} ../pandas"], env
    )
    pandas = root / "pandas"
    for path in [*(f"{table}.csv" for table in TABLES.values()), "reports/validation"]:
        copy = shutil.copytree if (project / path).is_dir() else shutil.copy2
        (pandas / path).parent.mkdir(parents=True, exist_ok=True)
        copy(project / path, pandas / path)
    switch_to_spark(project)
    type_in(project, [*steps[1:], f"{collect} ../spark"], env)
    return project, env, pandas


def shell(project: Path, env: dict[str, str], command: str) -> str:
    """What a command of the project's environment printed (it must succeed)."""
    return type_in(project, [command], env)[command]


# Run in the project's environment: two tables, one per engine, must hold the same rows (read by
# the project's own reader and sorted by id; values compared exactly, dtypes as each engine wrote).
SAME_ROWS = """
import sys
from pathlib import Path
import pandas as pd
from {package}.artifacts import read_table
from {package}.config import load_params
data = load_params(Path("params.yaml")).data
pandas, spark = (
    read_table(Path(path), data).sort_values(data.id_column, ignore_index=True)
    for path in sys.argv[1:]
)
pd.testing.assert_frame_equal(spark, pandas, check_exact=True, check_dtype=False)
print(len(spark), "rows")
"""


def test_spark_writes_the_raw_rows_features_and_split_pandas_writes(spark_run):
    project, env, pandas = spark_run
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    script = pandas / "same_rows.py"
    script.write_text(SAME_ROWS.format(package=package), encoding="utf-8")
    for table in TABLES.values():
        on_spark = project / f"{table}.parquet"
        assert sorted(path.name for path in on_spark.iterdir())[0] == "part-00000.parquet"
        command = f"poetry run python {script} {pandas / table}.csv {on_spark}"
        assert shell(project, env, command).strip() == "569 rows", table


def test_the_gates_give_the_verdicts_and_counts_they_give_on_pandas(spark_run):
    project, _, pandas = spark_run
    counts = ("dataset", "success", "rows", "columns", "expectations", "passed", "failed")
    for gate in ("raw", "features"):
        on_spark = json.loads((project / f"reports/validation/{gate}.json").read_text())
        on_pandas = json.loads((pandas / f"reports/validation/{gate}.json").read_text())
        assert {key: on_spark[key] for key in counts} == {key: on_pandas[key] for key in counts}
        assert on_spark["success"] and on_spark["rows"] == 569


def test_the_whole_pipeline_ran_and_spark_kept_its_files_in_the_project_cache(spark_run):
    project, env, _ = spark_run
    assert "up to date" in shell(project, env, "poetry run dvc status")
    metrics = json.loads((project / "reports/metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) == {"model", "baseline"}
    assert sorted(path.name for path in (project / "models").iterdir()) == [
        "baseline.json",
        "model.json",
    ]
    scratch = project / ".cache" / "spark"
    assert {"local", "tmp", "log4j2.properties"} <= {path.name for path in scratch.iterdir()}
    assert shell(project, env, "git status --porcelain --ignored .cache").strip() == "!! .cache/"


def test_the_compare_tool_finds_the_spark_run_equivalent_to_the_pandas_run(spark_run):
    project, env, pandas = spark_run
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    report = pandas.parent / "engines.json"
    command = f"poetry run python -m {package} compare ../pandas ../spark --json {report}"
    printed = shell(project, env, command)
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["verdict"] in ("identical", "equivalent"), printed
    assert result["engines"] == {"pandas": "pandas", "spark": "spark"}
    compared = {name for name, cells in result["outputs"].items() if "spark" in cells}
    assert compared == {
        "reports/metrics.json",
        *(f"{table} (rows)" for table in TABLES.values()),
        *(f"reports/validation/{gate}.json (verdict)" for gate in ("raw", "features")),
    }
    rows = [result["outputs"][f"{table} (rows)"]["spark"]["verdict"] for table in TABLES.values()]
    assert rows == ["identical"] * 3


def digests(project: Path) -> dict[str, str]:
    """SHA-256 of every file the stages wrote that a rerun must write again byte for byte."""
    outputs = [*(f"{table}.parquet" for table in TABLES.values()), "reports/validation", "models"]
    outputs += ["reports/tuning", "reports/metrics.json", "reports/scores.json"]
    outputs += ["reports/predictions.csv"]
    files = sorted(path for out in outputs for path in (project / out).rglob("*") if path.is_file())
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
    }


def test_a_forced_rerun_on_spark_writes_the_same_bytes(spark_run):
    project, env, _ = spark_run
    before = digests(project)
    shell(project, env, "poetry run dvc repro --force")
    assert digests(project) == before
    assert len([name for name in before if name.endswith(".parquet")]) == 3 * 8
    assert {"models/model.json", "reports/tuning/selection.json"} <= set(before)


def test_the_generated_spark_tests_catch_every_spark_fault(spark_run):
    project, env, _ = spark_run
    python = tasks.venv_executable(project / ".venv", "python")
    results = faults.run_faults(project, python, env, faults.SPARK_FAULTS)
    missed = [f"{result.name}:\n{result.output}" for result in results if not result.caught]
    assert not missed, "\n\n".join(missed)
    assert {result.name: result.by for result in results} == {
        fault.name: fault.caught_by for fault in faults.SPARK_FAULTS
    }
