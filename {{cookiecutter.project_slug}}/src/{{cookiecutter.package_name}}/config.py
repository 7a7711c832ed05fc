"""Typed parameters and project paths: the one place stages learn what to read, write and use.

``params.yaml`` is parsed into frozen pydantic models before any stage does work, so a typo or an
out-of-range value fails at once with one line per problem. The models have no defaults: every value
a stage uses is visible in ``params.yaml``, where DVC tracks it. ``params.schema.json`` is generated
from these models (``python -m <package> schema``) for editors and reviewers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ParamsError

PARAMS_FILE = "params.yaml"
DERIVED_ID = "row_id"  # the id column ``ingest`` adds when ``data.id`` is null
# Synthetic rows each engine draws at most: pandas holds every row in memory (about 1.3 GB per
# million), Spark draws blocks of rows in parallel and keeps them on disk.
MOST_ROWS = {"pandas": 10_000_000, "spark": 1_000_000_000}
# How each engine writes its tables (``tables`` in params.yaml; the suffix of their paths) and
# its models (skops files; JSON descriptions read without unpickling, see ``portable``).
TABLES = {"pandas": "csv", "spark": "parquet"}
MODEL_FILES = {"pandas": "skops", "spark": "json"}


class _Section(BaseModel):
    """A params section: every key required, unknown keys rejected, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class DataParams(_Section):
    """Where the raw data comes from."""

    source: Literal["breast_cancer", "synthetic", "file"] = Field(
        description="breast_cancer: bundled with scikit-learn; "
        "synthetic: seeded sample of any size; file: a CSV in data/external/"
    )
    n_rows: int = Field(
        ge=10,
        le=MOST_ROWS["spark"],
        description="Rows to draw when source is synthetic "
        f"(engine pandas: at most {MOST_ROWS['pandas']:,})",
    )
    file: str = Field(
        pattern=r"^[\w.-]+\.(csv|parquet)$",
        description="File inside data/external/ (source: file): CSV, or Parquet with engine spark",
    )
    label: str = Field(min_length=1, description="The column to predict: two or more classes")
    id: str | None = Field(
        min_length=1,
        description="A column of unique row ids in your data; null: ingest derives "
        f"'{DERIVED_ID}' from each row's content",
    )
    positive_class: int | str = Field(
        description="Binary tasks: the class scored as positive (threshold, ROC, precision)"
    )

    @property
    def id_column(self) -> str:
        """The id column of every table from ``data/raw`` on."""
        return self.id or DERIVED_ID


class FeaturizeParams(_Section):
    """Row-wise feature transforms (nothing that learns from other rows, so no leakage)."""

    log1p: list[str] = Field(description="Columns replaced by log(1 + x), renamed log1p_<col>")


class NumericParams(_Section):
    """How numeric columns are prepared inside the model (learned from training rows only)."""

    impute: Literal["median", "mean"] = Field(description="Fill missing values with this")
    scale: Literal["standard", "robust", "none"] = Field(description="Rescale each column")


class CategoricalParams(_Section):
    """How text (categorical) columns are prepared inside the model."""

    columns: list[str] = Field(
        description="Columns of numeric codes to treat as categories (text columns always are)"
    )
    impute: Literal["most_frequent", "constant"] = Field(
        description="Fill missing values with the most frequent category, or a constant "
        "('missing_value'; 0 for numeric codes)"
    )
    encode: Literal["one_hot", "ordinal"] = Field(
        description="one_hot: unseen categories get all zeros; ordinal: unseen get -1"
    )


class PreprocessParams(_Section):
    """Imputing, scaling and encoding: fitted inside the model, on the training rows only."""

    skip: list[str] = Field(description="Feature columns the model never sees")
    numeric: NumericParams
    categorical: CategoricalParams


class SplitParams(_Section):
    """How rows are held out for evaluation."""

    test_size: float = Field(gt=0, lt=1, description="Share of rows in the test set")


Family = Literal["logistic_regression", "random_forest", "hist_gradient_boosting"]


class _Grid(_Section):
    """Values to try for each argument of one estimator; the grid is every combination."""

    def size(self) -> int:
        """Number of points in the grid."""
        return math.prod(len(values) for values in self.model_dump().values())

    @model_validator(mode="after")
    def _unique(self) -> _Grid:
        repeated = [
            name for name, values in self.model_dump().items() if len(set(values)) < len(values)
        ]
        if repeated:
            raise ValueError(f"values repeat in {', '.join(repeated)}")
        return self


class LogisticRegressionGrid(_Grid):
    """L2-regularised logistic regression (smaller C: stronger regularisation)."""

    C: list[Annotated[PositiveFloat, Field(le=1e6)]] = Field(min_length=1)
    max_iter: list[Annotated[int, Field(ge=10, le=100_000)]] = Field(min_length=1)


class RandomForestGrid(_Grid):
    """A random forest; each tree is seeded from ``seed``."""

    n_estimators: list[Annotated[int, Field(ge=1, le=5_000)]] = Field(min_length=1)
    max_depth: list[Annotated[int, Field(ge=1, le=1_000)] | None] = Field(
        min_length=1, description="null grows trees fully"
    )
    min_samples_leaf: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1)


class HistGradientBoostingGrid(_Grid):
    """Histogram gradient boosting."""

    learning_rate: list[Annotated[PositiveFloat, Field(le=1)]] = Field(min_length=1)
    max_iter: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1)
    max_leaf_nodes: list[Annotated[int, Field(ge=2, le=10_000)]] = Field(min_length=1)


class _Search(_Section):
    """One family's search space: its grid, whole or sampled."""

    sample: int | None = Field(
        ge=1, description="null: every point of the grid; n: n points drawn from it with the seed"
    )
    if TYPE_CHECKING:
        # Each subclass declares its own grid type; this line is for the type checker only, so
        # pydantic's fields, schema and dumps stay exactly those each subclass declares.
        grid: _Grid

    @model_validator(mode="after")
    def _sample_fits(self) -> _Search:
        size = self.grid.size()
        if self.sample is not None and self.sample > size:
            raise ValueError(f"sample {self.sample} is larger than the grid ({size} points)")
        return self


class LogisticRegressionSearch(_Search):
    """Search space of ``logistic_regression``."""

    grid: LogisticRegressionGrid


class RandomForestSearch(_Search):
    """Search space of ``random_forest``."""

    grid: RandomForestGrid


class HistGradientBoostingSearch(_Search):
    """Search space of ``hist_gradient_boosting``."""

    grid: HistGradientBoostingGrid


class TuneParams(_Section):
    """Model selection by cross-validation on the training rows (the test rows are never seen)."""

    families: list[Family] = Field(
        min_length=1, description="Families whose search spaces are tried"
    )
    n_splits: int = Field(ge=2, le=20, description="Cross-validation folds")
    metric: Literal["roc_auc", "balanced_accuracy", "f1", "accuracy"] = Field(
        description="Score to maximise (multiclass: one-vs-rest ROC AUC, macro F1)"
    )
    rule: Literal["best_mean", "one_standard_error"] = Field(
        description="best_mean: the best mean score; one_standard_error: the simplest candidate "
        "within one standard error of the best"
    )
    decimals: int = Field(
        ge=1, le=12, description="Scores are compared rounded to this many decimals"
    )
    logistic_regression: LogisticRegressionSearch
    random_forest: RandomForestSearch
    hist_gradient_boosting: HistGradientBoostingSearch

    @field_validator("families")
    @classmethod
    def _once_each(cls, families: list[str]) -> list[str]:
        if len(set(families)) < len(families):
            raise ValueError("each family may be listed once")
        return families

    def search(self, family: str) -> _Search:
        """The search space of ``family``."""
        search: _Search = getattr(self, family)
        return search


class BaselineParams(_Section):
    """The dummy model every real model must beat."""

    strategy: Literal["prior", "most_frequent", "stratified", "uniform"]


class EvaluateParams(_Section):
    """How predictions are scored."""

    threshold: float = Field(
        gt=0, lt=1, description="Binary tasks: probability at or above which a row is positive"
    )


class SparkParams(_Section):
    """Where and how the Spark engine runs (read only when ``engine`` is ``spark``)."""

    master: str = Field(
        pattern=r"^(local(\[(\*|[1-9][0-9]*)\])?|(spark|k8s|yarn)\S*)$",
        description="local[*] (every core here), spark://host:7077, yarn or k8s://...",
    )
    shuffle_partitions: int = Field(ge=1, le=100_000, description="spark.sql.shuffle.partitions")
    driver_memory: str = Field(
        pattern=r"^[1-9][0-9]*[kmgt]$", description="spark.driver.memory, for example 2g"
    )
    parts: int = Field(
        ge=1, le=100_000, description="Parquet parts per table: rows bucketed by a hash of the id"
    )


class Params(_Section):
    """Everything in ``params.yaml``."""

    seed: int = Field(ge=0, le=2**32 - 1, description="The one seed: data sampling, split, models")
    engine: Literal["pandas", "spark"] = Field(
        description="pandas: in memory on one machine; spark: the same stages as Spark jobs"
    )
    tables: Literal["csv", "parquet"] = Field(
        description="How tables are written, and their paths' suffix in dvc.yaml: csv (one "
        "file, engine pandas) or parquet (a folder of parts, engine spark)"
    )
    spark: SparkParams
    data: DataParams
    featurize: FeaturizeParams
    preprocess: PreprocessParams
    split: SplitParams
    tune: TuneParams
    baseline: BaselineParams
    evaluate: EvaluateParams

    @field_validator("tables")
    @classmethod
    def _tables_fit_the_engine(cls, tables: str, info: ValidationInfo) -> str:
        engine = info.data.get("engine")
        if engine in TABLES and tables != TABLES[engine]:
            wanted = TABLES[engine]
            raise ValueError(f"engine {engine} writes {wanted}: set tables: {wanted}")
        return tables

    @field_validator("data")
    @classmethod
    def _data_fits_the_engine(cls, data: DataParams, info: ValidationInfo) -> DataParams:
        if info.data.get("engine") != "pandas":
            return data
        if data.source == "synthetic" and data.n_rows > MOST_ROWS["pandas"]:
            raise ValueError(
                f"engine pandas draws at most {MOST_ROWS['pandas']:,} synthetic rows (n_rows "
                f"{data.n_rows:,}); use engine: spark for more"
            )
        if data.source == "file" and not data.file.endswith(".csv"):
            raise ValueError(f"engine pandas reads CSV files (file {data.file}); use engine: spark")
        return data

    @field_validator("baseline")
    @classmethod
    def _baseline_fits_the_engine(
        cls, baseline: BaselineParams, info: ValidationInfo
    ) -> BaselineParams:
        if info.data.get("engine") == "spark" and baseline.strategy == "stratified":
            raise ValueError(
                "engine spark computes the baseline from class counts: strategy prior, "
                "most_frequent or uniform (stratified draws depend on the row order)"
            )
        return baseline


def _location(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def problems_of(error: ValidationError, source: str) -> list[str]:
    """One line per violation: ``<file>: <dotted.key>: <what is wrong> (got <value>)``."""
    return [
        (
            f"{source}: {_location(item['loc'])}: {item['msg']} (got {item['input']!r})"
            if item["type"] != "missing"
            else f"{source}: {_location(item['loc'])}: required key is missing"
        )
        for item in error.errors(include_url=False)
    ]


def parse_params(raw: object, source: str = PARAMS_FILE) -> Params:
    """Validate already-loaded params; raise :class:`ParamsError` with one line per violation."""
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise ParamsError(problems_of(error, source)) from None


def load_params(path: Path) -> Params:
    """Read and validate a params file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = " ".join(str(error).split())
        raise ParamsError([f"{path.name}: cannot be read as YAML: {reason}"]) from None
    return parse_params(raw, path.name)


def params_schema() -> dict[str, Any]:
    """The JSON Schema of ``params.yaml``, derived from :class:`Params`."""
    schema = Params.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@dataclass(frozen=True)
class Paths:  # pylint: disable=too-many-public-methods  # one property per file of the pipeline
    """Every file the pipeline reads or writes, relative to the project root (``dvc.yaml``).
    The engine names the format of the three tables (a CSV file, or a folder of Parquet parts)
    and of the two models in ``models/``."""

    root: Path
    engine: str = "pandas"

    @classmethod
    def of(cls, root: Path) -> Paths:
        """The paths of the project at ``root``, for the engine its ``params.yaml`` names."""
        return cls(root, load_params(root / PARAMS_FILE).engine)

    @property
    def tables(self) -> str:
        """The tables' suffix: ``csv`` or ``parquet`` (``tables`` in params.yaml)."""
        return TABLES[self.engine]

    def __truediv__(self, relative: str) -> Path:
        return self.root / relative

    @property
    def params(self) -> Path:
        """The params file."""
        return self / PARAMS_FILE

    @property
    def spark_scratch(self) -> Path:
        """Spark's shuffle files, warehouse, JVM temp files and logs (never committed)."""
        return self / ".cache" / "spark"

    @property
    def external(self) -> Path:
        """Folder for your own input files (``data.source: file``)."""
        return self / "data/external"

    @property
    def raw(self) -> Path:
        """Output of ``ingest``."""
        return self / f"data/raw/dataset.{self.tables}"

    @property
    def expectations(self) -> Path:
        """Folder of Great Expectations suites, one ``<dataset>.json`` per gate."""
        return self / "expectations"

    @property
    def validation(self) -> Path:
        """Output folder of the gates: ``<dataset>.json`` summaries, ``<dataset>.html`` reports."""
        return self / "reports/validation"

    @property
    def features(self) -> Path:
        """Output of ``featurize``."""
        return self / f"data/features/features.{self.tables}"

    @property
    def split(self) -> Path:
        """Output of ``split``: one line per feature row, ``train`` or ``test``."""
        return self / f"data/split/split.{self.tables}"

    @property
    def tuning(self) -> Path:
        """Output folder of ``tune``: ``candidates.csv``, ``selection.json``, ``plots/``."""
        return self / "reports/tuning"

    @property
    def candidates(self) -> Path:
        """Every candidate of the search: params, score per fold, mean, deviation, rank."""
        return self.tuning / "candidates.csv"

    @property
    def selection(self) -> Path:
        """The chosen candidate, the rule that chose it and why (read by ``train``)."""
        return self.tuning / "selection.json"

    @property
    def models(self) -> Path:
        """Output folder of ``train``: the model and the baseline."""
        return self / "models"

    @property
    def model(self) -> Path:
        """The trained model: skops format, loaded with an explicit list of trusted types
        (engine spark: a JSON description, see ``portable``)."""
        return self.models / f"model.{MODEL_FILES[self.engine]}"

    @property
    def baseline(self) -> Path:
        """The baseline model, in the model's format."""
        return self.models / f"baseline.{MODEL_FILES[self.engine]}"

    @property
    def metrics(self) -> Path:
        """Headline metrics of the model and the baseline (the DVC metrics file)."""
        return self / "reports/metrics.json"

    @property
    def scores(self) -> Path:
        """Every score of both models on the test rows (the metrics file holds the headline)."""
        return self / "reports/scores.json"

    @property
    def figures(self) -> Path:
        """SVG plots that open offline."""
        return self / "reports/figures"

    @property
    def evaluation(self) -> Path:
        """Offline HTML page: headline metrics and the figures."""
        return self / "reports/evaluation.html"

    @property
    def predictions(self) -> Path:
        """Test-set predictions of the model."""
        return self / "reports/predictions.csv"

    @property
    def manifest(self) -> Path:
        """Where and how the run happened (written by ``manifest``, after every other output)."""
        return self / "reports/manifest.json"

    @property
    def card_facts(self) -> Path:
        """What only a person can say about the model (intended use, limits, data source)."""
        return self / "model_card.yaml"

    @property
    def card(self) -> Path:
        """The model card of this run (written by the last stage, ``card``)."""
        return self / "reports/model_card.md"

    @property
    def tolerance(self) -> Path:
        """How runs in different environments must agree (read by ``compare``)."""
        return self / "tolerance.yaml"

    @property
    def plots(self) -> Path:
        """Curve data for DVC plots (ROC and precision-recall, model and baseline)."""
        return self / "reports/plots"
