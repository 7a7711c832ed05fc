"""The Spark engine keeps the pandas engine's promises: the same raw rows and ids, the same features
to the last bit, the same rows held out and the same folds whatever the partitioning or row order,
the same gate verdicts, and output parts with the same bytes on every run. Its models: columns
prepared as scikit-learn prepares them, descriptions that predict what MLlib's fitted models
predict, seeded fits that do not depend on the input's partitioning, and the baseline scikit-learn
computes.

Skipped, saying why, where pyspark or Java is missing (`poetry install --with spark`).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from {{ cookiecutter.package_name }} import gate_facts
from {{ cookiecutter.package_name }} import spark as engine
from {{ cookiecutter.package_name }} import spark_models
from {{ cookiecutter.package_name }}.config import BaselineParams, load_params
from {{ cookiecutter.package_name }}.errors import DataError, ParamsError, SuiteError
from {{ cookiecutter.package_name }}.models import build_model, preprocessor
from {{ cookiecutter.package_name }}.partition import fold_rows, split_rows
from {{ cookiecutter.package_name }}.portable import FORMAT, PortableModel, prepared
from {{ cookiecutter.package_name }}.stages import featurize, ingest, validate
from tests import test_validate
from tests.runs import ROOT

# pyspark leaves the local sockets it reads results from (driver <-> JVM) to the garbage collector.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)
pytest.importorskip("pyspark", reason="the Spark engine needs `poetry install --with spark`")
if not shutil.which("java"):
    pytest.skip("the Spark engine needs Java on PATH", allow_module_level=True)


@pytest.fixture(scope="module", name="spark")
def local_session(tmp_path_factory):
    """One local Spark session for the module, its scratch space in a temporary folder."""
    params = load_params(ROOT / "params.yaml").spark.model_copy(update={"master": "local[2]"})
    with engine.session(params, tmp_path_factory.mktemp("spark")) as opened:
        yield opened


def table(rows: int, seed: int) -> pd.DataFrame:
    """Ids, a label of three unequal classes and a value, in a shuffled order."""
    frame = pd.DataFrame(
        {
            "row_id": [f"r{number}" for number in range(rows)],
            "label": [("a", "b", "b", "c", "c", "c")[number % 6] for number in range(rows)],
            "value": [number / 7 for number in range(rows)],
        }
    )
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def test_spark_holds_out_the_rows_pandas_holds_out_whatever_the_partitioning(spark):
    frame = table(503, seed=0)
    expected = split_rows(frame["row_id"], frame["label"], 0.25, 42).set_axis(frame["row_id"])
    for partitions, order in ((1, 1), (7, 2)):
        shuffled = spark.createDataFrame(table(503, seed=order)).repartition(partitions)
        got = engine.split_rows(shuffled, "row_id", "label", 0.25, 42).toArrow().to_pandas()
        assert got.set_index("row_id")["subset"].reindex(expected.index).equals(expected)


def test_output_parts_are_the_same_bytes_whatever_the_partitioning(spark, tmp_path):
    written = {}
    for partitions, order in ((1, 1), (5, 2)):
        folder = tmp_path / f"run-{order}" / "table"
        frame = spark.createDataFrame(table(1000, seed=order)).repartition(partitions)
        assert engine.write_parts(frame, folder, "row_id", 4) == 1000
        written[order] = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
        assert not folder.with_name("table.writing").exists()
    assert written[1] == written[2]
    assert sorted(written[1]) == [f"part-{number:05d}.parquet" for number in range(4)]
    back = pd.read_parquet(tmp_path / "run-1" / "table").sort_values("row_id", ignore_index=True)
    assert back.equals(table(1000, seed=0).sort_values("row_id", ignore_index=True))


def test_no_jvm_of_a_session_leaves_perf_data_in_the_system_temp(spark):
    driver = spark.sparkContext._jvm.java.lang.management.ManagementFactory  # pylint: disable=W0212
    assert engine.NO_PERF_DATA in list(driver.getRuntimeMXBean().getInputArguments())
    assert engine.NO_PERF_DATA in os.environ["SPARK_LAUNCHER_OPTS"].split()  # spark-submit's JVM


def test_a_missing_pyspark_or_java_is_one_line_each(monkeypatch, tmp_path):
    monkeypatch.setattr(engine.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(ParamsError) as error:
        engine.require()
    assert [line.split(":")[2].strip() for line in error.value.problems] == [
        "spark needs pyspark",
        "spark needs Java 17 or 21",
    ]


@pytest.mark.parametrize(
    "corrupt",
    [
        None,
        test_validate.above_the_range,
        test_validate.repeated_ids,
        test_validate.missing_columns,
    ],
    ids=lambda corrupt: corrupt.__name__ if corrupt else "as_shipped",
)
def test_a_gate_on_spark_fails_exactly_the_checks_it_fails_on_pandas(spark, corrupt):
    frame = test_validate.FRAMES["features"]
    if corrupt:
        frame, _ = corrupt(frame)
    frame = frame.infer_objects()
    on_pandas = validate.check(frame, test_validate.expectations("features"))
    on_spark = validate.check(spark.createDataFrame(frame), test_validate.expectations("features"))
    verdicts = [
        (outcome["expectation"], outcome["column"], outcome["success"]) for outcome in on_pandas
    ]
    assert verdicts == [
        (outcome["expectation"], outcome["column"], outcome["success"]) for outcome in on_spark
    ]
    assert (corrupt is None) == all(success for _, _, success in verdicts)


@pytest.mark.parametrize("shifted", [False, True], ids=["as_shipped", "drifted"])
def test_a_gate_on_spark_takes_quartiles_in_one_pass_and_judges_them_as_on_pandas(
    spark, monkeypatch, shifted
):
    """GX asks Spark for exact quantiles (``approxQuantile`` with error 0), which hold a whole
    column in the driver: 30 million rows ran a 6 GB driver out of heap in the raw gate."""
    frame = test_validate.FRAMES["raw"].infer_objects()
    if shifted:
        frame = test_validate.drifted(frame, test_validate.drift_columns("raw"))
    on_spark = spark.createDataFrame(frame)
    exact = []
    asked = type(on_spark).approxQuantile
    monkeypatch.setattr(
        type(on_spark),
        "approxQuantile",
        lambda self, *args, **kwargs: exact.append(args) or asked(self, *args, **kwargs),
    )
    outcomes = {
        engine_name: [
            (outcome["column"], outcome["success"], outcome["observed"])
            for outcome in validate.check(table, test_validate.expectations("raw"))
            if outcome["expectation"] == validate.QUANTILES
        ]
        for engine_name, table in (("pandas", frame), ("spark", on_spark))
    }
    assert not exact
    assert outcomes["spark"] == outcomes["pandas"]
    assert outcomes["spark"] and all(success != shifted for _, success, _ in outcomes["spark"])


def test_a_check_gx_cannot_run_stops_a_gate_on_spark_as_on_pandas(spark, tmp_path):
    frame = test_validate.FRAMES["raw"].infer_objects()
    suite = test_validate.write_suite(tmp_path, [test_validate.unrunnable(frame)])
    with pytest.raises(SuiteError, match="could not run: .*relative error"):
        validate.gate("raw", spark.createDataFrame(frame), suite, tmp_path / "reports")


def test_a_gate_on_spark_writes_the_summary_pandas_writes_by_verdict_and_counts(spark, tmp_path):
    frame = test_validate.FRAMES["raw"].infer_objects()
    suite = test_validate.SUITES / "raw.json"
    on_pandas = validate.gate("raw", frame, suite, tmp_path / "pandas")
    on_spark = validate.gate("raw", spark.createDataFrame(frame), suite, tmp_path / "spark")
    counts = ("success", "rows", "columns", "expectations", "passed", "failed")
    assert {key: on_spark[key] for key in counts} == {key: on_pandas[key] for key in counts}
    report = (tmp_path / "spark" / "raw.html").read_text(encoding="utf-8")
    assert f"{len(frame)} rows" in report or f"{len(frame):,} rows" in report


def test_the_report_facts_on_spark_are_the_ones_pandas_reads(spark):
    frame = table(503, seed=0)
    frame["few"] = [
        None if number % 7 == 0 else number % gate_facts.DISTINCT for number in range(503)
    ]
    frame["many"] = [number % (gate_facts.DISTINCT + 1) for number in range(503)]
    on_pandas = gate_facts.facts(frame)
    on_spark = gate_facts.spark_facts(spark.createDataFrame(frame))
    assert on_spark["by"]["few"]["values"] == list(range(gate_facts.DISTINCT))
    for name in ("row_id", "value", "many"):
        assert on_spark["by"][name]["values"] is None
    assert on_spark["by"]["label"]["values"] == ["a", "b", "c"]
    for facts in (on_pandas, on_spark):  # strings: pandas' str dtype, Spark's string (object)
        for name in ("row_id", "label"):
            del facts["by"][name]["dtype"]
    assert on_spark == on_pandas


def in_id_order(frame: pd.DataFrame, id_column: str = "row_id") -> pd.DataFrame:
    """Rows sorted by id, as plain pandas columns, for comparing tables from either engine."""
    return frame.sort_values(id_column, ignore_index=True).infer_objects()


@pytest.mark.parametrize("block_rows", [ingest.BLOCK_ROWS, 120])
def test_ingest_on_spark_draws_the_synthetic_rows_and_ids_pandas_draws(
    spark, block_rows, params, monkeypatch
):
    monkeypatch.setattr(ingest, "BLOCK_ROWS", block_rows)
    settings = params.model_copy(
        update={"data": params.data.model_copy(update={"source": "synthetic", "n_rows": 300})}
    )
    got = ingest.on_spark(spark, settings, ROOT / "data" / "external").toArrow().to_pandas()
    expected = pd.concat(
        [
            ingest.with_ids(ingest.synthetic(rows, settings.seed, block), settings.data, "s")
            for block, rows in ingest.blocks(300)
        ],
        ignore_index=True,
    )
    assert len(ingest.blocks(300)) == (1 if block_rows > 300 else 3)
    assert in_id_order(got).equals(in_id_order(expected))


USER_CSV = """kind,size,count,when,target
a,1.50,3,2024-01-02,yes
b,,4,2024-01-03,no
a,1.50,3,2024-01-02,yes
c,2.25,,2024-01-04,no
"""


def test_ingest_on_spark_reads_a_csv_with_the_types_and_ids_pandas_gives(spark, params, tmp_path):
    (tmp_path / "rows.csv").write_text(USER_CSV, encoding="utf-8")
    data = params.data.model_copy(
        update={"source": "file", "file": "rows.csv", "label": "target", "id": None}
    )
    settings = params.model_copy(update={"data": data})
    got = ingest.on_spark(spark, settings, tmp_path).toArrow().to_pandas()
    expected = ingest.with_ids(ingest.read_user_csv(tmp_path / "rows.csv", data), data, "f")
    assert got["row_id"].str.endswith("-2").sum() == 1
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(in_id_order(got), in_id_order(expected), check_dtype=False)
    assert dict(got.dtypes.astype(str))["size"] == "float64"


# Files both engines must refuse: (the CSV, data.id, what the one error line says).
REFUSED = [
    ("k,target\n1,x\n2,x\n", "k", "has only 'x'; classification needs"),
    ("k,target\n007,x\n007,y\n", "k", "repeats 1 ids, e.g. '007'"),
    ("k,target\n1,x\n,y\n", "k", "id column 'k' has 1 empty cells"),
    ("row_id,target\n1,x\n2,y\n", None, "has a 'row_id' column"),
]


def test_ingest_on_spark_refuses_the_files_pandas_refuses_with_the_same_line(
    spark, params, tmp_path
):
    path = tmp_path / "rows.csv"
    for text, id_column, message in REFUSED:
        path.write_text(text, encoding="utf-8")
        data = params.data.model_copy(
            update={"source": "file", "file": path.name, "label": "target", "id": id_column}
        )
        with pytest.raises(DataError) as on_spark:
            ingest.on_spark(spark, params.model_copy(update={"data": data}), tmp_path)
        with pytest.raises(DataError) as on_pandas:
            ingest.with_ids(ingest.read_user_csv(path, data), data, path.as_posix())
        assert on_spark.value.problems == on_pandas.value.problems, text
        assert message in on_spark.value.problems[0]


def test_featurize_on_spark_gives_pandas_bits_and_refuses_what_pandas_refuses(spark, params):
    raw = test_validate.FRAMES["raw"].infer_objects()
    on_pandas = featurize.featurize(raw, params.featurize, params.data)
    frame = spark.createDataFrame(raw).repartition(3)
    on_spark = featurize.on_spark(frame, params.featurize, params.data).toArrow().to_pandas()
    assert list(on_spark.columns) == list(on_pandas.columns)
    assert in_id_order(on_spark).equals(in_id_order(on_pandas))
    wrong = params.featurize.model_copy(update={"log1p": ["no_such_column", raw.columns[1]]})
    negative = spark.createDataFrame(raw.assign(**{raw.columns[1]: -raw[raw.columns[1]]}))
    with pytest.raises(DataError) as caught:
        featurize.on_spark(negative, wrong, params.data)
    with pytest.raises(DataError) as expected:
        featurize.featurize(
            raw.assign(**{raw.columns[1]: -raw[raw.columns[1]]}), wrong, params.data
        )
    assert caught.value.problems == expected.value.problems and len(expected.value.problems) == 2


def test_spark_assigns_the_folds_pandas_assigns_whatever_the_partitioning(spark):
    frame = table(503, seed=0)
    expected = fold_rows(frame["row_id"], frame["label"], 4, 7).set_axis(frame["row_id"])
    for partitions, order in ((1, 1), (6, 3)):
        shuffled = spark.createDataFrame(table(503, seed=order)).repartition(partitions)
        got = engine.fold_rows(shuffled, "row_id", "label", 4, 7).toArrow().to_pandas()
        got = got.set_index("row_id")["fold"].reindex(expected.index)
        assert got.astype("int64").equals(expected), (got.dtype, expected.dtype)


def model_rows(count: int, seed: int, classes: int = 3) -> pd.DataFrame:
    """Ids, two numeric columns with gaps, a text column with gaps, and a label."""
    draw = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "row_id": [f"r{number:04d}" for number in range(count)],
            "size": draw.normal(10, 3, count),
            "count": draw.integers(0, 50, count),
            "region": draw.choice(["north", "south", "east"], count).astype(object),
        }
    )
    frame["label"] = (frame["size"] > 10).astype("int64") + (frame["count"] > 40) * (classes - 2)
    frame["size"] = frame["size"].where(draw.random(count) > 0.1)
    frame["region"] = frame["region"].where(draw.random(count) > 0.1)
    return frame


@pytest.mark.parametrize("scale", ["standard", "robust"])
def test_columns_are_prepared_on_spark_as_scikit_learn_prepares_them(spark, params, scale):
    frame = model_rows(301, seed=1)
    settings = params.preprocess.model_copy(
        update={"numeric": params.preprocess.numeric.model_copy(update={"scale": scale})}
    )
    features = frame.drop(columns=["row_id", "label"])
    learned = spark_models.preparation(spark.createDataFrame(features), settings, [])
    expected = preprocessor(settings, ["size", "count"], ["region"]).fit(features)
    # Medians and quartiles are approximate on Spark (rank error under 1 / 10,000): on a few
    # hundred rows they are the rows' own values where scikit-learn averages two of them.
    np.testing.assert_allclose(
        prepared(learned, features), expected.transform(features), rtol=0.05, atol=0.05
    )
    assert [column["categories"] for column in learned["categorical"]] == [
        ["east", "north", "south"]
    ]


def mllib_probabilities(rows, description: dict, arguments: dict, seed: int) -> np.ndarray:
    """What MLlib's own model of the description's family, fitted on ``rows`` prepared as the
    description says, predicts for them (in the rows' order)."""
    from pyspark.ml import classification  # pylint: disable=import-outside-toplevel  # optional
    from pyspark.ml.functions import vector_to_array  # pylint: disable=import-outside-toplevel

    prepared_rows = spark_models.vectors(
        rows, description["preparation"], "label", description["classes"]
    )
    spec = spark_models.FAMILIES[description["family"]].spark
    estimator = getattr(classification, spec.estimator)(**spec.arguments(arguments, rows.count()))
    if estimator.hasParam("seed"):
        estimator = estimator.setSeed(seed)
    fitted = estimator.fit(prepared_rows)
    shares = fitted.transform(prepared_rows).select(vector_to_array("probability"))
    return np.array(shares.toArrow().column(0).to_pylist())


@pytest.mark.parametrize(
    "case",
    [
        ("logistic_regression", {"C": 1.0, "max_iter": 100}, 2),
        ("logistic_regression", {"C": 1.0, "max_iter": 100}, 3),
        ("random_forest", {"n_estimators": 5, "max_depth": 4, "min_samples_leaf": 1}, 3),
        ("hist_gradient_boosting", {"learning_rate": 0.3, "max_iter": 4, "max_leaf_nodes": 4}, 2),
    ],
    ids=lambda case: f"{case[0]}-{case[2]}-classes",
)
def test_a_description_predicts_what_the_mllib_model_predicts(spark, params, tmp_path, case):
    family, arguments, classes = case
    rows = spark.createDataFrame(model_rows(240, seed=2, classes=classes)).repartition(3)
    data = params.data.model_copy(update={"label": "label", "id": "row_id"})
    options = {"data": data, "preprocess": params.preprocess, "seed": 5, "scratch": tmp_path}
    description = spark_models.fit(family, arguments, rows, partitions=4, **options)
    laid_out = engine.laid_out(rows, "row_id", 4)
    expected = mllib_probabilities(laid_out, description, arguments, seed=5)
    got = PortableModel(description).predict_proba(laid_out.toArrow().to_pandas())
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-9)  # kept to 10 digits
    assert description["classes"] == list(range(classes))
    other_layout = rows.repartition(5)
    assert spark_models.fit(family, arguments, other_layout, partitions=4, **options) == description


def test_a_logistic_regression_on_spark_is_the_one_scikit_learn_fits(spark, params, tmp_path):
    frame = model_rows(300, seed=6).dropna()
    data = params.data.model_copy(update={"label": "label", "id": "row_id"})
    arguments = {"C": 0.5, "max_iter": 1000}
    description = spark_models.fit(
        "logistic_regression",
        arguments,
        spark.createDataFrame(frame),
        data=data,
        preprocess=params.preprocess,
        seed=0,
        partitions=2,
        scratch=tmp_path,
    )
    features = frame.drop(columns=["row_id", "label"])
    expected = build_model("logistic_regression", arguments, params.preprocess, 0, features)
    expected.fit(features, frame["label"])
    got = PortableModel(description).predict_proba(features)
    np.testing.assert_allclose(got, expected.predict_proba(features), atol=2e-3)


def test_boosted_trees_on_several_classes_are_one_line(spark, params, tmp_path):
    rows = spark.createDataFrame(model_rows(60, seed=3, classes=3))
    data = params.data.model_copy(update={"label": "label", "id": "row_id"})
    arguments = {"learning_rate": 0.1, "max_iter": 2, "max_leaf_nodes": 4}
    with pytest.raises(DataError) as error:
        spark_models.fit(
            "hist_gradient_boosting",
            arguments,
            rows,
            data=data,
            preprocess=params.preprocess,
            seed=0,
            partitions=2,
            scratch=tmp_path,
        )
    assert error.value.problems == [
        "tune.families: hist_gradient_boosting on engine spark is binary only (MLlib's "
        "GBTClassifier); the label has 3 classes: remove it"
    ]


@pytest.mark.parametrize("strategy", ["prior", "most_frequent", "uniform"])
def test_the_baseline_on_spark_is_the_one_scikit_learn_computes(spark, strategy):
    frame = model_rows(97, seed=4)
    description = spark_models.baseline(
        spark.createDataFrame(frame), "label", BaselineParams(strategy=strategy)
    )
    assert description["format"] == FORMAT
    expected = DummyClassifier(strategy=strategy).fit(frame[["size"]], frame["label"])
    model = PortableModel(description)
    assert model.classes_.tolist() == expected.classes_.tolist()
    np.testing.assert_allclose(
        model.predict_proba(frame), expected.predict_proba(frame[["size"]]), rtol=1e-15
    )
