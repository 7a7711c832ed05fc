"""Fault patches: one small, realistic break for each guarantee the generated README claims.

A guarantee no failing test holds is only a claim, and a test weakened later stops holding it
without anyone noticing. Each fault replaces one exact piece of text in a baked project
(``{package}`` stands for the package name in paths and texts). :func:`run_faults` applies the
faults one at a time to a baked, installed project, runs the generated test module expected to
catch each and, only if that passes, the whole generated suite, then restores the file.
``tests/test_faults.py`` checks that every fault still applies (fast) and that the generated suite
catches every one (slow).

Standard library only, and no pytest fixtures, so ``tasks.py`` can import it too.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WHOLE_SUITE = "whole suite"
# pytest's exit codes for failed tests (1) and for errors such as a module that fails to import (2);
# anything else (no tests, a usage error) says the run itself went wrong.
CAUGHT = (1, 2)
TIMEOUT = 1800  # seconds per run: a fault that hangs the tests must not hang the template's tests


@dataclass(frozen=True)
class Fault:
    """A replacement patch that breaks one guarantee."""

    name: str
    breaks: str  # the guarantee, in one sentence
    file: str  # relative to the project root
    old: str  # occurs exactly once in the file
    new: str
    caught_by: str  # the generated test module expected to fail


@dataclass(frozen=True)
class Result:
    """What happened to one fault: caught or not, by which run, and that run's last output."""

    name: str
    caught: bool
    by: str | None  # the fault's ``caught_by`` module, WHOLE_SUITE, or None when nothing failed
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
        "tests/test_train.py",
    ),
    Fault(
        "train-stage-drops-seed",
        "The train stage passes params.seed to the model.",
        f"{SRC}/stages/train.py",
        'chosen["params"], params.preprocess, params.seed, features',
        'chosen["params"], params.preprocess, 0, features',
        "tests/test_seeding.py",
    ),
    Fault(
        "split-ignores-seed",
        "The split ranks rows by a hash salted with params.seed.",
        f"{SRC}/partition.py",
        "rank_key(seed, str(row_id))",
        "rank_key(0, str(row_id))",
        "tests/test_split.py",
    ),
    Fault(
        "tune-scores-test-rows",
        "Model selection cross-validates on the training rows only; the test rows never count.",
        f"{SRC}/stages/tune.py",
        'load_subset(paths, params.data, "train")',
        'load_subset(paths, params.data, "test")',
        "tests/test_tune.py",
    ),
    Fault(
        "tune-compares-unrounded-scores",
        "Scores are compared rounded to tune.decimals, so a last-bit difference cannot flip the "
        "choice.",
        f"{SRC}/search.py",
        "round(float(values.mean()), decimals)",
        "float(values.mean())",
        "tests/test_tune.py",
    ),
    Fault(
        "tune-ties-ignore-simplicity",
        "Ties and the one-standard-error rule go to the simplest candidate in the declared order.",
        f"{SRC}/search.py",
        "key=lambda i: (-summaries[i].mean, simplicity(pool[i].family, pool[i].params)),",
        "key=lambda i: -summaries[i].mean,",
        "tests/test_tune.py",
    ),
    Fault(
        "tune-error-is-deviation",
        "The one-standard-error rule uses the standard error: fold deviation / sqrt(n_splits).",
        f"{SRC}/search.py",
        "summaries[best].std / math.sqrt(tune.n_splits)",
        "summaries[best].std",
        "tests/test_tune.py",
    ),
    Fault(
        "card-hides-missing-answers",
        "The model card marks every unanswered question as MISSING.",
        f"{SRC}/stages/card.py",
        "{answer or MISSING}",
        "{answer}",
        "tests/test_card.py",
    ),
    Fault(
        "notebook-types-a-data-path",
        "Notebooks read files through the project's paths, never a path typed in a cell.",
        "notebooks/explore.py",
        "raw = read_table(paths.raw, data)",
        'raw = read_table("data/raw/dataset.csv", data)',
        "tests/test_notebooks.py",
    ),
    Fault(
        "notebook-follows-the-working-directory",
        "A notebook finds the project wherever its kernel starts.",
        f"{SRC}/workspace.py",
        "root = Path(__file__).resolve().parents[_PROJECT_LEVELS_UP]",
        "root = Path.cwd()",
        "tests/test_notebooks.py",
    ),
    Fault(
        "synthetic-source-drops-seed",
        "The synthetic source draws its sample from params.seed.",
        f"{SRC}/stages/ingest.py",
        "return synthetic(data.n_rows, seed)",
        "return synthetic(data.n_rows, 0)",
        "tests/test_seeding.py",
    ),
    Fault(
        "threads-not-pinned",
        "Importing the package pins BLAS/OpenMP threads to one before numpy loads.",
        f"{SRC}/__init__.py",
        "\npin_threads()\n",
        "\n",
        "tests/test_seeding.py",
    ),
    Fault(
        "stage-thread-limit-dropped",
        "The CLI limits every thread pool to OMP_NUM_THREADS around each stage.",
        f"{SRC}/cli.py",
        "threadpool_limits(limits=thread_limit()):\n        module.run(",
        "threadpool_limits(limits=None):\n        module.run(",
        "tests/test_seeding.py",
    ),
    Fault(
        "hash-seed-rerun-skipped",
        "python -m <package> runs every command under PYTHONHASHSEED=0 when none is set.",
        f"{SRC}/__main__.py",
        "EXIT_CODE = rerun_with_fixed_hash_seed(__package__)",
        "EXIT_CODE = None",
        "tests/test_seeding.py",
    ),
    Fault(
        "csv-floats-rounded",
        "CSV outputs hold shortest round-trip floats, so values read back exactly.",
        f"{SRC}/artifacts.py",
        "pyarrow.Table.from_pandas(frame, preserve_index=False)",
        "pyarrow.Table.from_pandas(frame.round(6), preserve_index=False)",
        "tests/test_artifacts.py",
    ),
    Fault(
        "json-allows-nan",
        "JSON outputs never hold NaN or Infinity.",
        f"{SRC}/artifacts.py",
        "allow_nan=False",
        "allow_nan=True",
        "tests/test_artifacts.py",
    ),
    Fault(
        "model-ids-not-renumbered",
        "Model files are re-packed to the same bytes for the same model.",
        f"{SRC}/model_files.py",
        "node[key] = ids.setdefault(value, len(ids))",
        "node[key] = value",
        "tests/test_train.py",
    ),
    Fault(
        "model-loading-trusts-anything",
        "Model files are loaded trusting only known types, never an arbitrary object.",
        f"{SRC}/model_files.py",
        "skops.io.load(path, trusted=TRUSTED_MODEL_TYPES)",
        "skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))",
        "tests/test_train.py",
    ),
    Fault(
        "lock-hash-dropped",
        "The manifest records the SHA-256 of poetry.lock.",
        f"{SRC}/stages/manifest.py",
        '        "poetry_lock_sha256": (\n'
        "            hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None\n"
        "        ),\n",
        "",
        "tests/test_manifest.py",
    ),
    Fault(
        "manifest-records-host",
        "The manifest holds no times, host names or paths.",
        f"{SRC}/stages/manifest.py",
        '"container": in_container(),',
        '"container": in_container(),\n        "host": platform.node(),',
        "tests/test_manifest.py",
    ),
    Fault(
        "raw-range-widened",
        "The raw suite pins each measurement's physical range.",
        "expectations/raw.json",
        '"column": "mean_radius", "min_value": 0, "max_value": 43}',
        '"column": "mean_radius", "min_value": 0, "max_value": 43000}',
        "tests/test_validate.py",
    ),
    Fault(
        "critical-check-demoted",
        "Only drift checks are warnings; every other failed expectation stops the gate.",
        "expectations/raw.json",
        '"kwargs": {"column": "worst_texture", "mostly": 0.99}, ',
        '"kwargs": {"column": "worst_texture", "mostly": 0.99}, "severity": "warning", ',
        "tests/test_validate.py",
    ),
    Fault(
        "warnings-stop-the-gate",
        "A failed warning is printed and recorded but does not stop the run.",
        f"{SRC}/stages/validate.py",
        '"success": failed["critical"] == 0,',
        '"success": not failures,',
        "tests/test_validate.py",
    ),
    Fault(
        "suite-entry-without-notes",
        "Every expectation carries a note on why it exists; a suite without one is an error.",
        f"{SRC}/stages/validate.py",
        'if not entry.get("notes"):',
        'if entry.get("notes") == "":',
        "tests/test_validate.py",
    ),
    Fault(
        "broken-suite-exits-as-bad-data",
        "A broken suite exits with code 3, apart from bad data (1) and bad params (2).",
        f"{SRC}/errors.py",
        "    exit_code = 3\n",
        "    exit_code = 1\n",
        "tests/test_validate.py",
    ),
    Fault(
        "params-accept-unknown-keys",
        "params.yaml is checked against its typed contract: an unknown key is an error.",
        f"{SRC}/config.py",
        'ConfigDict(extra="forbid", frozen=True, strict=True)',
        'ConfigDict(extra="ignore", frozen=True, strict=True)',
        "tests/test_config.py",
    ),
    Fault(
        "split-runs-without-the-gate",
        "A failed features gate stops dvc repro before the split (it depends on the summary).",
        "dvc.yaml",
        "      - data/features/features.csv\n      - reports/validation/features.json\n",
        "      - data/features/features.csv\n",
        "tests/test_layout.py",
    ),
    Fault(
        "remote-check-stays-local",
        "pull and push ask the remote first and name each file neither it nor the cache holds.",
        f"{SRC}/remote.py",
        'dvc(paths, "status", "--cloud", "--json")',
        'dvc(paths, "status", "--json")',
        "tests/test_remote.py",
    ),
    Fault(
        "compare-nan-identical",
        "NaN never compares equal, not even to the same bytes.",
        f"{SRC}/compare/__init__.py",
        'if content == right.read_bytes() and b"NaN" not in content:  # NaN never agrees',
        "if content == right.read_bytes():",
        "tests/test_compare.py",
    ),
    Fault(
        "compare-integers-within-tolerance",
        "Integer and label columns must be equal between runs; only floats get a tolerance.",
        f"{SRC}/compare/checks.py",
        "    if pyarrow.types.is_floating(left.type):\n        return None",
        "    if pyarrow.types.is_floating(left.type) or pyarrow.types.is_integer(left.type):\n"
        "        return None",
        "tests/test_compare.py",
    ),
    Fault(
        "compare-noise-called-identical",
        "Runs that differ within the tolerance are graded equivalent, never identical.",
        f"{SRC}/compare/checks.py",
        '        "equivalent",\n        f"largest difference {largest:.3g} in {where}',
        '        "identical",\n        f"largest difference {largest:.3g} in {where}',
        "tests/test_compare.py",
    ),
    Fault(
        "tolerance-widened",
        "Floats agree only within the declared last-bit tolerance (rtol 1e-9).",
        "tolerance.yaml",
        "floats: {rtol: 1.0e-9, atol: 1.0e-12}",
        "floats: {rtol: 1.0e-4, atol: 1.0e-12}",
        "tests/test_compare.py",
    ),
    Fault(
        "gate-report-lists-only-failures",
        "A gate's HTML report documents every expectation of its suite, grouped by column.",
        f"{SRC}/gate_report.py",
        '        groups.setdefault(outcome["column"], []).append(outcome)',
        '        if not outcome["success"]:\n'
        '            groups.setdefault(outcome["column"], []).append(outcome)',
        "tests/test_validate.py",
    ),
    Fault(
        "gate-report-failures-last",
        "A failing gate's report lists its failures first, each observed against expected.",
        f"{SRC}/gate_report.py",
        "{failures_section(outcomes, table)}{column_sections(outcomes, table)}",
        "{column_sections(outcomes, table)}{failures_section(outcomes, table)}",
        "tests/test_validate.py",
    ),
    Fault(
        "gate-report-shows-gx-counts",
        "The report shows what the data held (ranges, missing shares, labels), not GX's counts.",
        f"{SRC}/gate_facts.py",
        'return describe(outcome, table, table["by"].get(column, {}))',
        "return readable(seen)",
        "tests/test_validate.py",
    ),
    Fault(
        "gate-report-unrounded",
        "The report rounds every number to a few significant digits.",
        f"{SRC}/gate_text.py",
        "decimals = max(0, DIGITS - 1 - magnitude)",
        "decimals = max(0, 15 - 1 - magnitude)",
        "tests/test_validate.py",
    ),
    Fault(
        "gate-report-timestamped",
        "The same data give the same report bytes.",
        f"{SRC}/gate_report.py",
        '<meta charset="utf-8">',
        '<meta charset="utf-8">\n<meta name="generated" content="{__import__(\'time\').time()}">',
        "tests/test_validate.py",
    ),
    Fault(
        "gate-report-links-a-stylesheet",
        "A gate's report loads and links nothing: inline styles only.",
        f"{SRC}/gate_report.py",
        "<style>{STYLE}</style>",
        '<link rel="stylesheet" href="gate.css">\n<style>{STYLE}</style>',
        "tests/test_validate.py",
    ),
    Fault(
        "reports-page-links-missing-files",
        "Before a run the Reports page names what is missing and the site still builds strictly.",
        "docs/hooks.py",
        "found = [path for path in wanted if (root / path).is_file()]",
        "found = list(wanted)",
        "tests/test_docs.py",
    ),
    Fault(
        "reports-not-copied-into-site",
        "The site carries copies of the last run's reports and plots that its Reports page links.",
        "docs/hooks.py",
        "        files.append(File.generated(config, path, content=(root / path).read_bytes()))",
        "        continue",
        "tests/test_docs.py",
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


def run_faults(
    project: Path,
    python: Path,
    env: dict[str, str] | None = None,
    faults: Sequence[Fault] = tuple(FAULTS),
) -> list[Result]:
    """Apply each fault in turn to a baked project installed for ``python``; run the module meant to
    catch it, then (only if that passes) the whole suite; restore the file after each fault."""
    environment = dict(os.environ if env is None else env)
    # A patched module must never leave bytecode behind that a later run could pick up.
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    results = []
    for fault in faults:
        if not (project / fault.caught_by).is_file():
            raise ValueError(f"fault {fault.name}: {fault.caught_by} is not in {project}")
        with applied(fault, project):
            code, output = run_tests(project, python, environment, "-n", "0", fault.caught_by)
            by = fault.caught_by
            if code not in CAUGHT:
                code, output = run_tests(project, python, environment)
                by = WHOLE_SUITE
        caught = code in CAUGHT
        results.append(Result(fault.name, caught, by if caught else None, output))
    return results
