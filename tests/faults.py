"""Fault patches: one small, realistic break for each guarantee the generated README claims.

A guarantee no failing test holds is only a claim, and a test weakened later stops holding it
without anyone noticing. Each fault replaces one exact piece of text in a baked project
(``{package}`` stands for the package name in paths and texts). :func:`run_faults` applies the
faults one at a time to a baked, installed project, runs the one generated test expected to catch
each (a pytest node id, so a fault costs seconds, not a module's minutes) and, only if that passes,
the whole generated suite, then restores the file.
``tests/test_faults.py`` checks that every fault still applies (fast) and that the generated suite
catches every one (slow).

Standard library only, and no pytest fixtures, so ``tasks.py`` can import it too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WHOLE_SUITE = "whole suite"
# pytest's exit codes for failed tests (1) and for errors such as a module that fails to import (2);
# anything else (no tests, a usage error) says the run itself went wrong.
CAUGHT = (1, 2)
# The folders of a project that hold code a fault may patch or a test may import.
PROJECT_CODE = ("src", "tests", "notebooks", "docs")
TIMEOUT = 1800  # seconds per run: a fault that hangs the tests must not hang the template's tests


@dataclass(frozen=True)
class Fault:
    """A replacement patch that breaks one guarantee."""

    name: str
    breaks: str  # the guarantee, in one sentence
    file: str  # relative to the project root
    old: str  # occurs exactly once in the file
    new: str
    caught_by: str  # the generated test expected to fail: tests/test_x.py::test_y[param]

    @property
    def module(self) -> str:
        """The test module of ``caught_by``, relative to the project root."""
        return self.caught_by.split("::", 1)[0]

    @property
    def function(self) -> str:
        """The test function of ``caught_by``, without its parameters."""
        return self.caught_by.split("::", 1)[1].split("[", 1)[0]


@dataclass(frozen=True)
class Result:
    """What happened to one fault: caught or not, by which run, and that run's last output."""

    name: str
    caught: bool
    by: str | None  # the fault's ``caught_by`` test, WHOLE_SUITE, or None when nothing failed
    output: str


SRC = "src/{package}"
FAULTS = [
    Fault(
        "baseline-fit-on-test-rows",
        "The baseline, like the model, is fitted on the training rows only.",
        f"{SRC}/stages/train.py",
        "build_baseline(params.baseline, params.seed).fit(features, labels)",
        "build_baseline(params.baseline, params.seed)"
        '.fit(*load_subset(paths, params.data, "test"))',
        "tests/test_train.py::test_train_never_sees_the_test_rows",
    ),
    Fault(
        "train-stage-drops-seed",
        "The train stage passes params.seed to the model.",
        f"{SRC}/stages/train.py",
        'chosen["params"], params.preprocess, params.seed, features',
        'chosen["params"], params.preprocess, 0, features',
        "tests/test_seeding.py::test_a_seeded_stage_output_follows_params_seed_alone[train]",
    ),
    Fault(
        "split-ignores-seed",
        "The split ranks rows by a hash salted with params.seed.",
        f"{SRC}/partition.py",
        "rank_key(seed, str(row_id))",
        "rank_key(0, str(row_id))",
        "tests/test_split.py::test_different_seeds_give_different_splits",
    ),
    Fault(
        "tune-scores-test-rows",
        "Model selection cross-validates on the training rows only; the test rows never count.",
        f"{SRC}/stages/tune.py",
        'load_subset(paths, params.data, "train")',
        'load_subset(paths, params.data, "test")',
        "tests/test_tune.py::test_tune_never_sees_the_test_rows",
    ),
    Fault(
        "tune-compares-unrounded-scores",
        "Scores are compared rounded to tune.decimals, so a last-bit difference cannot flip the "
        "choice.",
        f"{SRC}/search.py",
        "round(float(values.mean()), decimals)",
        "float(values.mean())",
        "tests/test_tune.py::"
        "test_scores_equal_after_rounding_are_a_tie_that_the_simpler_candidate_wins[best_mean]",
    ),
    Fault(
        "tune-ties-ignore-simplicity",
        "Ties and the one-standard-error rule go to the simplest candidate in the declared order.",
        f"{SRC}/search.py",
        "key=lambda i: (-summaries[i].mean, simplicity(pool[i].family, pool[i].params)),",
        "key=lambda i: -summaries[i].mean,",
        "tests/test_tune.py::"
        "test_scores_equal_after_rounding_are_a_tie_that_the_simpler_candidate_wins[best_mean]",
    ),
    Fault(
        "tune-error-is-deviation",
        "The one-standard-error rule uses the standard error: fold deviation / sqrt(n_splits).",
        f"{SRC}/search.py",
        "summaries[best].std / math.sqrt(tune.n_splits)",
        "summaries[best].std",
        "tests/test_tune.py::"
        "test_the_one_standard_error_rule_takes_the_simplest_within_one_error_of_the_best",
    ),
    Fault(
        "card-hides-missing-answers",
        "The model card marks every unanswered question as MISSING.",
        f"{SRC}/stages/card.py",
        "{answer or MISSING}",
        "{answer}",
        "tests/test_card.py::test_unanswered_questions_show_as_missing_until_answered",
    ),
    Fault(
        "notebook-types-a-data-path",
        "Notebooks read files through the project's paths, never a path typed in a cell.",
        "notebooks/explore.py",
        "raw = read_table(paths.raw, data)",
        'raw = read_table("data/raw/dataset.csv", data)',
        "tests/test_notebooks.py::test_notebooks_type_no_data_paths",
    ),
    Fault(
        "notebook-follows-the-working-directory",
        "A notebook finds the project wherever its kernel starts.",
        f"{SRC}/workspace.py",
        "root = Path(__file__).resolve().parents[_PROJECT_LEVELS_UP]",
        "root = Path.cwd()",
        "tests/test_notebooks.py::test_the_project_is_found_from_any_working_directory",
    ),
    Fault(
        "synthetic-source-drops-seed",
        "The synthetic source draws its sample from params.seed.",
        f"{SRC}/stages/ingest.py",
        "return synthetic(data.n_rows, seed)",
        "return synthetic(data.n_rows, 0)",
        "tests/test_seeding.py::test_a_seeded_stage_output_follows_params_seed_alone",
    ),
    Fault(
        "threads-not-pinned",
        "Importing the package pins BLAS/OpenMP threads to one before numpy loads.",
        f"{SRC}/__init__.py",
        "\npin_threads()\n",
        "\n",
        "tests/test_seeding.py::"
        "test_importing_the_package_pins_thread_variables_unless_already_set",
    ),
    Fault(
        "stage-thread-limit-dropped",
        "The CLI limits every thread pool to OMP_NUM_THREADS around each stage.",
        f"{SRC}/cli.py",
        "threadpool_limits(limits=thread_limit()):\n        module.run(",
        "threadpool_limits(limits=None):\n        module.run(",
        "tests/test_seeding.py::test_the_cli_runs_every_stage_inside_the_thread_limit",
    ),
    Fault(
        "hash-seed-rerun-skipped",
        "python -m <package> runs every command under PYTHONHASHSEED=0 when none is set.",
        f"{SRC}/__main__.py",
        "EXIT_CODE = rerun_with_fixed_hash_seed(__package__)",
        "EXIT_CODE = None",
        "tests/test_seeding.py::"
        "test_python_m_runs_a_stage_under_a_fixed_hash_seed_with_threads_pinned",
    ),
    Fault(
        "csv-floats-rounded",
        "CSV outputs hold shortest round-trip floats, so values read back exactly.",
        f"{SRC}/artifacts.py",
        "pyarrow.Table.from_pandas(frame, preserve_index=False)",
        "pyarrow.Table.from_pandas(frame.round(6), preserve_index=False)",
        "tests/test_artifacts.py::test_csv_floats_of_every_magnitude_read_back_bit_for_bit",
    ),
    Fault(
        "json-allows-nan",
        "JSON outputs never hold NaN or Infinity.",
        f"{SRC}/artifacts.py",
        "allow_nan=False",
        "allow_nan=True",
        "tests/test_artifacts.py::test_json_refuses_nan_and_infinity",
    ),
    Fault(
        "model-ids-not-renumbered",
        "Model files are re-packed to the same bytes for the same model.",
        f"{SRC}/model_files.py",
        "node[key] = ids.setdefault(value, len(ids))",
        "node[key] = value",
        "tests/test_train.py::test_same_seed_gives_byte_identical_model_files",
    ),
    Fault(
        "model-loading-trusts-anything",
        "Model files are loaded trusting only known types, never an arbitrary object.",
        f"{SRC}/model_files.py",
        "skops.io.load(path, trusted=TRUSTED_MODEL_TYPES)",
        "skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))",
        "tests/test_train.py::test_loading_refuses_types_nobody_trusted",
    ),
    Fault(
        "lock-hash-dropped",
        "The manifest records the SHA-256 of poetry.lock.",
        f"{SRC}/stages/manifest.py",
        '        "poetry_lock_sha256": (\n'
        "            hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None\n"
        "        ),\n",
        "",
        "tests/test_manifest.py::test_manifest_carries_every_field_compare_relies_on",
    ),
    Fault(
        "manifest-records-host",
        "The manifest holds no times, host names or paths.",
        f"{SRC}/stages/manifest.py",
        '"container": in_container(),',
        '"container": in_container(),\n        "host": platform.node(),',
        "tests/test_manifest.py::test_manifest_is_stable_and_holds_no_paths_hosts_or_times",
    ),
    Fault(
        "raw-range-widened",
        "The raw suite pins each measurement's physical range.",
        "expectations/raw.json",
        '"column": "mean_radius", "min_value": 0, "max_value": 43}',
        '"column": "mean_radius", "min_value": 0, "max_value": 43000}',
        "tests/test_validate.py::"
        "test_each_corruption_fails_exactly_its_checks_on_every_column[raw-above_the_range]",
    ),
    Fault(
        "critical-check-demoted",
        "Only drift checks are warnings; every other failed expectation stops the gate.",
        "expectations/raw.json",
        '"kwargs": {"column": "worst_texture", "mostly": 0.99}, ',
        '"kwargs": {"column": "worst_texture", "mostly": 0.99}, "severity": "warning", ',
        "tests/test_validate.py::test_only_drift_checks_are_warnings_and_every_kind_is_tested",
    ),
    Fault(
        "warnings-stop-the-gate",
        "A failed warning is printed and recorded but does not stop the run.",
        f"{SRC}/stages/validate.py",
        '"success": failed["critical"] == 0 and not any(map(could_not_run, failures)),',
        '"success": not failures,',
        "tests/test_validate.py::"
        "test_failed_warnings_alone_pass_the_gate_but_one_critical_failure_stops_it",
    ),
    Fault(
        "suite-entry-without-notes",
        "Every expectation carries a note on why it exists; a suite without one is an error.",
        f"{SRC}/stages/validate.py",
        'if not entry.get("notes"):',
        'if entry.get("notes") == "":',
        "tests/test_validate.py::test_a_broken_suite_is_an_error_never_a_skipped_check",
    ),
    Fault(
        "broken-suite-exits-as-bad-data",
        "A broken suite exits with code 3, apart from bad data (1) and bad params (2).",
        f"{SRC}/errors.py",
        "    exit_code = 3\n",
        "    exit_code = 1\n",
        "tests/test_validate.py::test_exit_codes_tell_broken_data_params_and_suites_apart",
    ),
    Fault(
        "params-accept-unknown-keys",
        "params.yaml is checked against its typed contract: an unknown key is an error.",
        f"{SRC}/config.py",
        'ConfigDict(extra="forbid", frozen=True, strict=True)',
        'ConfigDict(extra="ignore", frozen=True, strict=True)',
        "tests/test_config.py::test_each_violation_is_one_line_naming_the_key",
    ),
    Fault(
        "split-runs-without-the-gate",
        "A failed features gate stops dvc repro before the split (it depends on the summary).",
        "dvc.yaml",
        "      - data/features/features.${tables}\n      - reports/validation/features.json\n",
        "      - data/features/features.${tables}\n",
        "tests/test_layout.py::test_each_gate_checks_its_table_and_guards_the_next_stage",
    ),
    Fault(
        "remote-check-stays-local",
        "pull and push ask the remote first and name each file neither it nor the cache holds.",
        f"{SRC}/remote.py",
        'dvc(paths, "status", "--cloud", "--json")',
        'dvc(paths, "status", "--json")',
        "tests/test_remote.py::"
        "test_pushed_data_pull_back_and_data_gone_from_remote_and_cache_are_named",
    ),
    Fault(
        "compare-nan-identical",
        "NaN never compares equal, not even to the same bytes.",
        f"{SRC}/compare/__init__.py",
        'if content == right.read_bytes() and b"NaN" not in content:  # NaN never agrees',
        "if content == right.read_bytes():",
        "tests/test_compare.py::test_nan_never_agrees",
    ),
    Fault(
        "compare-integers-within-tolerance",
        "Integer and label columns must be equal between runs; only floats get a tolerance.",
        f"{SRC}/compare/checks.py",
        "    if pyarrow.types.is_floating(left.type):\n        return None",
        "    if pyarrow.types.is_floating(left.type) or pyarrow.types.is_integer(left.type):\n"
        "        return None",
        "tests/test_compare.py::test_integer_and_label_columns_must_be_equal",
    ),
    Fault(
        "compare-noise-called-identical",
        "Runs that differ within the tolerance are graded equivalent, never identical.",
        f"{SRC}/compare/checks.py",
        '        "equivalent",\n        f"largest difference {largest:.3g} in {where}',
        '        "identical",\n        f"largest difference {largest:.3g} in {where}',
        "tests/test_compare.py::test_last_bit_differences_are_equivalent_and_located",
    ),
    Fault(
        "tolerance-widened",
        "Floats agree only within the declared last-bit tolerance (rtol 1e-9).",
        "tolerance.yaml",
        "floats: {rtol: 1.0e-9, atol: 1.0e-12}",
        "floats: {rtol: 1.0e-4, atol: 1.0e-12}",
        "tests/test_compare.py::test_float_differences_beyond_the_tolerance_are_different",
    ),
    Fault(
        "gate-report-lists-only-failures",
        "A gate's HTML report documents every expectation of its suite, grouped by column.",
        f"{SRC}/gate_report.py",
        '        groups.setdefault(outcome["column"], []).append(outcome)',
        '        if not outcome["success"]:\n'
        '            groups.setdefault(outcome["column"], []).append(outcome)',
        "tests/test_validate.py::"
        "test_the_report_documents_every_expectation_by_column_with_observed_values",
    ),
    Fault(
        "gate-report-failures-last",
        "A failing gate's report lists its failures first, each observed against expected.",
        f"{SRC}/gate_report.py",
        "{failures_section(outcomes, table)}{column_sections(outcomes, table)}",
        "{column_sections(outcomes, table)}{failures_section(outcomes, table)}",
        "tests/test_validate.py::"
        "test_a_failing_report_lists_its_failures_first_with_observed_against_expected",
    ),
    Fault(
        "gate-report-shows-gx-counts",
        "The report shows what the data held (ranges, missing shares, labels), not GX's counts.",
        f"{SRC}/gate_facts.py",
        'return describe(outcome, table, table["by"].get(column, {}))',
        "return readable(seen)",
        "tests/test_validate.py::"
        "test_the_report_documents_every_expectation_by_column_with_observed_values",
    ),
    Fault(
        "gate-report-unrounded",
        "The report rounds every number to a few significant digits.",
        f"{SRC}/gate_text.py",
        "decimals = max(0, DIGITS - 1 - magnitude)",
        "decimals = max(0, 15 - 1 - magnitude)",
        "tests/test_validate.py::"
        "test_the_report_documents_every_expectation_by_column_with_observed_values",
    ),
    Fault(
        "gate-report-timestamped",
        "The same data give the same report bytes.",
        f"{SRC}/gate_report.py",
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<meta name="generated" content="{__import__(\'time\').time()}">',
        "tests/test_validate.py::test_gate_outputs_are_deterministic_and_offline",
    ),
    Fault(
        "gate-report-links-a-stylesheet",
        "A gate's report loads and links nothing: inline styles only.",
        f"{SRC}/gate_report.py",
        "<style>{STYLE}</style>",
        '<link rel="stylesheet" href="gate.css">\n<style>{STYLE}</style>',
        "tests/test_validate.py::test_gate_outputs_are_deterministic_and_offline",
    ),
    Fault(
        "reports-page-links-missing-files",
        "Before a run the Reports page names what is missing and the site still builds strictly.",
        "docs/hooks.py",
        "found = [path for path in wanted if (root / path).is_file()]",
        "found = list(wanted)",
        "tests/test_docs.py::"
        "test_before_a_run_the_reports_page_builds_and_names_what_is_not_there_yet",
    ),
    Fault(
        "reports-not-copied-into-site",
        "The site carries copies of the last run's reports and plots that its Reports page links.",
        "docs/hooks.py",
        "        files.append(File.generated(config, path, content=(root / path).read_bytes()))",
        "        continue",
        "tests/test_docs.py::test_after_a_run_the_reports_page_links_every_report_and_plot",
    ),
    Fault(
        "described-boosting-margin-halved",
        "A described boosted model turns its margin into a probability as MLlib does (2 x margin).",
        f"{SRC}/portable.py",
        "positive = _sigmoid(2.0 * np.asarray(margin))",
        "positive = _sigmoid(np.asarray(margin))",
        "tests/test_portable.py::"
        "test_a_boosted_model_turns_its_margin_into_a_probability_as_mllib_does",
    ),
    Fault(
        "described-unseen-category-known",
        "A described model encodes an unseen category as scikit-learn does (ordinal: -1).",
        f"{SRC}/portable.py",
        "place.get(value, -1)",
        "place.get(value, 0)",
        "tests/test_portable.py::"
        "test_columns_are_prepared_as_scikit_learn_prepares_them_unseen_categories_too",
    ),
    Fault(
        "gate-failures-without-details",
        "A failed expectation is reported with what the data showed, not only its verdict.",
        f"{SRC}/stages/validate.py",
        "return expectation.expectation_type not in FROM_FACTS or not verdict.success",
        "return expectation.expectation_type not in FROM_FACTS",
        "tests/test_validate.py::test_a_failing_gate_writes_its_report_and_names_each_failure",
    ),
    Fault(
        "gate-check-that-raised-passes",
        "A check GX cannot run stops its gate, whatever its severity.",
        f"{SRC}/stages/validate.py",
        "        for found in (info, *info.values())",
        "        for found in (info,)  # only an error GX keeps at the top",
        "tests/test_validate.py::test_a_check_that_cannot_run_stops_the_gate_whatever_its_severity",
    ),
    Fault(
        "engines-rows-unchecked",
        "A Spark run compared with a pandas run must hold the same rows.",
        f"{SRC}/compare/__init__.py",
        'same = reference["rows"].get(name) == other["rows"].get(name)',
        "same = True",
        "tests/test_compare.py::test_a_spark_run_with_other_rows_verdicts_or_metrics_is_different",
    ),
]

# Breaks of the Spark engine's promises. Its tests need pyspark, which only the Spark test module's
# environment holds (`poetry install --with spark`), so that module runs these, not test_faults.
SPARK_FAULTS = [
    Fault(
        "spark-parts-unsorted",
        "Each Parquet part holds its rows sorted by id, so parts are the same bytes on every run.",
        f"{SRC}/spark.py",
        'table = table.sort_by([(id_column, "ascending")])',
        "table = table  # in the order the rows arrived",
        "tests/test_spark.py::test_output_parts_are_the_same_bytes_whatever_the_partitioning",
    ),
    Fault(
        "spark-launcher-perf-data",
        "No JVM a session starts leaves an hsperfdata folder in the system temp.",
        f"{SRC}/spark.py",
        'os.environ["SPARK_LAUNCHER_OPTS"] = f"{launcher} {NO_PERF_DATA}".strip()',
        "pass  # the launcher JVM keeps its default",
        "tests/test_spark.py::test_no_jvm_of_a_session_leaves_perf_data_in_the_system_temp",
    ),
    Fault(
        "spark-split-by-id",
        "Spark ranks the rows of a class by the seeded id hash, as pandas does.",
        f"{SRC}/spark.py",
        "Window.partitionBy(label).orderBy(rank_key(seed, id_column))",
        "Window.partitionBy(label).orderBy(id_column)",
        "tests/test_spark.py::"
        "test_spark_holds_out_the_rows_pandas_holds_out_whatever_the_partitioning",
    ),
    Fault(
        "spark-ids-miss-gaps",
        "Ids derived on Spark hash values as pandas reads them (integers with gaps as floats).",
        f"{SRC}/stages/ingest.py",
        'floats = {name: "float64" for name, count in counts.items() if count}',
        "floats = {}",
        "tests/test_spark.py::test_ingest_on_spark_reads_a_csv_with_the_types_and_ids_pandas_gives",
    ),
    Fault(
        "spark-types-untranslated",
        "On Spark, the suites' type checks are asked with Spark's names for the same types.",
        f"{SRC}/stages/validate.py",
        '        kwargs["type_"] = SPARK_TYPES.get(kwargs["type_"], kwargs["type_"])',
        "        pass",
        "tests/test_spark.py::test_a_gate_on_spark_fails_exactly_the_checks_it_fails_on_pandas",
    ),
    Fault(
        "spark-quantiles-exact",
        "On Spark, a gate takes quantiles in one pass to a set accuracy, never GX's exact ones.",
        f"{SRC}/stages/validate.py",
        "        own = _quantiles_on_spark(frame, expectations)",
        "        pass  # GX asks Spark for exact quantiles",
        "tests/test_spark.py::"
        "test_a_gate_on_spark_takes_quartiles_in_one_pass_and_judges_them_as_on_pandas",
    ),
    Fault(
        "spark-fit-as-rows-arrive",
        "A seeded fit on Spark lays its rows out by id, so it is the same model on any machine.",
        f"{SRC}/spark_models.py",
        "rows = laid_out(rows, data.id_column, partitions)",
        "rows = rows  # as the rows arrived",
        "tests/test_spark.py::test_a_description_predicts_what_the_mllib_model_predicts",
    ),
    Fault(
        "spark-forest-leaf-counts",
        "A described forest averages each tree's class shares at the leaf, as MLlib does.",
        f"{SRC}/spark_models.py",
        '[count / sum(node["impurityStats"]) for count in node["impurityStats"]]',
        'list(node["impurityStats"])',
        "tests/test_spark.py::test_a_description_predicts_what_the_mllib_model_predicts",
    ),
    Fault(
        "spark-regularisation-unscaled",
        "A logistic regression on Spark is the one scikit-learn fits for the same C.",
        f"{SRC}/models.py",
        '"regParam": 1.0 / (arguments["C"] * rows),',
        '"regParam": 1.0 / arguments["C"],',
        "tests/test_spark.py::test_a_logistic_regression_on_spark_is_the_one_scikit_learn_fits",
    ),
]


def package_of(project: Path) -> str:
    """The package name a baked project was generated with."""
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    return answers["package_name"]


def resolved(fault: Fault, package: str) -> tuple[str, str, str]:
    """The fault's file, old and new text with ``{package}`` filled in."""
    file, old, new = (
        text.replace("{package}", package) for text in (fault.file, fault.old, fault.new)
    )
    return file, old, new


def apply(fault: Fault, project: Path) -> tuple[Path, bytes]:
    """Patch ``project``; return the file and its original bytes. Raises ValueError unless the old
    text occurs exactly once and the new text differs from it."""
    file, old, new = resolved(fault, package_of(project))
    path = project / file
    original = path.read_bytes()
    text = original.decode("utf-8")
    if text.count(old) != 1 or old == new:
        raise ValueError(
            f"fault {fault.name}: its old text occurs {text.count(old)} times in {file} "
            f"(must be once){'; new text is the same' if old == new else ''}"
        )
    path.write_bytes(text.replace(old, new).encode("utf-8"))
    return path, original


@contextmanager
def applied(fault: Fault, project: Path) -> Iterator[Path]:
    """Apply ``fault`` for the duration of the block, then restore the file byte for byte."""
    path, original = apply(fault, project)
    try:
        yield path
    finally:
        path.write_bytes(original)


def run_tests(project: Path, python: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the generated tests (stop at the first failure); exit code and the output's tail."""
    command = [str(python), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *args]
    result = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=TIMEOUT
    )
    output = (result.stdout + result.stderr)[-3000:]
    if result.returncode not in (0, *CAUGHT):
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}:\n{output}")
    return result.returncode, output


def forget_bytecode(project: Path) -> None:
    """Delete the bytecode Python cached for the project's own code (not its virtualenv's), so a
    patched or restored file is never run from bytecode of its other text: a pyc is matched to its
    source by modification time in whole seconds and size, which a patch and its undo can share."""
    for folder in PROJECT_CODE:
        for cache in sorted((project / folder).rglob("__pycache__")):
            shutil.rmtree(cache)


def run_faults(
    project: Path,
    python: Path,
    env: dict[str, str] | None = None,
    faults: Sequence[Fault] = tuple(FAULTS),
) -> list[Result]:
    """Apply each fault in turn to a baked project installed for ``python``; run the test meant to
    catch it, then (only if that passes) the whole suite; restore the file after each fault."""
    environment = dict(os.environ if env is None else env)
    results = []
    for fault in faults:
        if not (project / fault.module).is_file():
            raise ValueError(f"fault {fault.name}: {fault.module} is not in {project}")
        forget_bytecode(project)
        with applied(fault, project):
            code, output = run_tests(project, python, environment, "-n", "0", fault.caught_by)
            by = fault.caught_by
            if code not in CAUGHT:
                code, output = run_tests(project, python, environment)
                by = WHOLE_SUITE
        forget_bytecode(project)
        caught = code in CAUGHT
        results.append(Result(fault.name, caught, by if caught else None, output))
    return results
