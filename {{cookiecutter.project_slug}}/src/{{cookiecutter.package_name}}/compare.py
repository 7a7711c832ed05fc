"""Command ``compare``: do runs made in different environments agree, and if not, why?

Each RUN_DIR holds what ``collect`` copied from one run (its manifest and the outputs the policy
names). The first run is the reference; every other run gets a graded verdict per output:
``identical`` (same bytes), ``within tolerance`` (the policy allows the difference), ``differs``,
or ``missing`` (the output, the manifest or the whole run is absent: a leg that did not run never
counts as agreeing). NaN never equals anything. The policy lives in ``tolerance.yaml``: exact for
data and split hashes, ``rtol``/``atol`` for float metrics, an agreement rate for predicted labels.
The report names the manifest fields that differ between runs, which is usually the explanation.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .artifacts import to_json_text
from .config import Paths, problems_of
from .errors import DataError, ParamsError

MANIFEST = "manifest.json"
VERDICTS = ("identical", "within tolerance", "differs", "missing")
# Manifest fields that describe the run's results rather than its environment.
RESULT_FIELDS = ("outputs",)


class Rule(BaseModel):
    """How one output must agree between runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Literal["exact", "numbers", "labels"]
    rtol: float = Field(default=0.0, ge=0)
    atol: float = Field(default=0.0, ge=0)
    key: str = "row"
    column: str | None = None
    min_agreement: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _labels_need_a_column_and_a_rate(self) -> Rule:
        if self.check == "labels" and (self.column is None or self.min_agreement is None):
            raise ValueError("a labels check needs column and min_agreement")
        return self


class Policy(BaseModel):
    """The whole ``tolerance.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outputs: dict[str, Rule] = Field(min_length=1)


def load_policy(path: Path) -> dict[str, Rule]:
    """``output path -> rule``, validated with one line per problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Policy.model_validate(raw).outputs
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ParamsError(
            [f"{path.name}: cannot be read ({' '.join(str(error).split())})"]
        ) from None
    except ValidationError as error:
        raise ParamsError(problems_of(error, path.name)) from None


def worst(verdicts: list[str]) -> str:
    """The most serious of several verdicts (identical when there are none)."""
    return max(verdicts, key=VERDICTS.index, default="identical")


def _load_manifest(run: Path) -> dict[str, Any] | None:
    path = run / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "c": [x]}`` -> ``{"a.b": 1, "c.0": x}``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, item in items:
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _numbers(reference: Any, other: Any, rule: Rule, path: str = "") -> list[str]:
    """Why two parsed JSON documents disagree beyond tolerance (empty when they agree)."""
    if isinstance(reference, dict) and isinstance(other, dict):
        if reference.keys() != other.keys():
            return [f"{path or 'top level'}: keys differ"]
        pairs = [
            (f"{path}.{key}".lstrip("."), reference[key], other[key]) for key in sorted(reference)
        ]
    elif isinstance(reference, list) and isinstance(other, list):
        if len(reference) != len(other):
            return [f"{path}: lengths differ"]
        pairs = [(f"{path}.{index}", *items) for index, items in enumerate(zip(reference, other))]
    else:
        return _scalar_difference(reference, other, rule, path)
    return [
        problem for where, left, right in pairs for problem in _numbers(left, right, rule, where)
    ]


def _scalar_difference(reference: Any, other: Any, rule: Rule, path: str) -> list[str]:
    """A one-item list describing how two leaves differ, or an empty list."""
    numbers = all(
        isinstance(value, (int, float)) and not isinstance(value, bool)
        for value in (reference, other)
    )
    if numbers and (math.isnan(reference) or math.isnan(other)):
        return [f"{path}: NaN ({reference!r} vs {other!r})"]
    tolerance = {"rel_tol": rule.rtol, "abs_tol": rule.atol}
    agree = math.isclose(reference, other, **tolerance) if numbers else reference == other
    return [] if agree else [f"{path}: {reference!r} vs {other!r}"]


def _read_json(path: Path) -> Any:
    """JSON that may contain NaN (written by something other than this pipeline)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _labels(reference: Path, other: Path, rule: Rule) -> tuple[str, str]:
    """Agreement of a label column between two CSV files, rows matched by the key column."""

    def read(path: Path) -> dict[str, str] | None:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [
                (row.get(rule.key), row.get(str(rule.column))) for row in csv.DictReader(handle)
            ]
        keyed = dict(rows)
        return keyed if len(keyed) == len(rows) and None not in keyed else None

    left, right = read(reference), read(other)
    if left is None or right is None:
        return "differs", f"repeated or absent {rule.key!r} keys, or no {rule.column!r} column"
    if left.keys() != right.keys():
        return "differs", f"rows differ ({len(left)} vs {len(right)})"
    agreement = sum(left[row] == right[row] for row in left) / max(len(left), 1)
    required = float(rule.min_agreement or 0)
    verdict = "within tolerance" if agreement >= required else "differs"
    return verdict, f"{agreement:.2%} of {rule.column!r} agree (at least {required:.2%})"


def _exact(name: str, reference: dict[str, str], other: dict[str, str]) -> tuple[str, str]:
    """Compare the hashes DVC recorded for ``name`` in two runs' manifests."""
    hashes = [reference.get(name), other.get(name)]
    if None in hashes or "" in hashes:
        return "missing", "no hash recorded in the manifest"
    return ("identical", "same hash") if hashes[0] == hashes[1] else ("differs", "hash differs")


def _within(reference: Path, other: Path, rule: Rule) -> tuple[str, str]:
    """Compare every number in two JSON files under the rule's tolerance."""
    problems = _numbers(_read_json(reference), _read_json(other), rule)
    if problems:
        return "differs", "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
    return "within tolerance", f"rtol {rule.rtol}, atol {rule.atol}"


def check_output(
    name: str, rule: Rule, reference: Path, other: Path, recorded: dict[str, dict[str, str]]
) -> tuple[str, str]:
    """Verdict and detail for one output of ``other`` against ``reference``; ``recorded`` maps
    each run's name to the output hashes its manifest holds."""
    if rule.check == "exact":
        return _exact(name, recorded[reference.name], recorded[other.name])
    left, right = reference / name, other / name
    if not (left.is_file() and right.is_file()):
        return "missing", "file not collected"
    content = left.read_bytes()
    if content == right.read_bytes() and (rule.check == "labels" or b"NaN" not in content):
        return "identical", "same bytes"
    return (_labels if rule.check == "labels" else _within)(left, right, rule)


def environment_differences(
    manifests: dict[str, dict[str, Any] | None],
) -> dict[str, dict[str, Any]]:
    """Manifest fields (outside the results) whose values are not the same in every run."""
    flat = {
        leg: _flatten({k: v for k, v in manifest.items() if k not in RESULT_FIELDS})
        for leg, manifest in manifests.items()
        if manifest is not None
    }
    fields = sorted({field for values in flat.values() for field in values})
    return {
        field: {leg: values.get(field) for leg, values in flat.items()}
        for field in fields
        if len({json.dumps(values.get(field)) for values in flat.values()}) > 1
    }


def compare(runs: list[Path], policy: dict[str, Rule]) -> dict[str, Any]:
    """The full comparison of ``runs`` (the first is the reference) under ``policy``."""
    if len(runs) < 2:
        raise ParamsError([f"compare: a comparison needs at least two runs (got {len(runs)})"])
    names = [run.name for run in runs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ParamsError([f"compare: run folders need distinct names ({', '.join(repeated)})"])
    reference, others = runs[0], runs[1:]
    manifests = {run.name: _load_manifest(run) for run in runs}
    recorded = {leg: (manifest or {}).get("outputs", {}) for leg, manifest in manifests.items()}
    outputs: dict[str, dict[str, dict[str, str]]] = {}
    for name, rule in policy.items():
        outputs[name] = {}
        for run in others:
            if not (run.is_dir() and reference.is_dir()):
                outputs[name][run.name] = {"verdict": "missing", "detail": "run folder not found"}
                continue
            verdict, detail = check_output(name, rule, reference, run, recorded)
            outputs[name][run.name] = {"verdict": verdict, "detail": detail}
    every = [cell["verdict"] for cells in outputs.values() for cell in cells.values()]
    return {
        "verdict": worst(every),
        "reference": reference.name,
        "runs": [run.name for run in runs],
        "outputs": outputs,
        "environment_differences": environment_differences(manifests),
    }


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for a terminal or ``$GITHUB_STEP_SUMMARY``."""
    others = report["runs"][1:]
    lines = [
        f"## Reproduction across environments: {report['verdict'].upper()}",
        "",
        f"Reference run: `{report['reference']}`. Policy: `tolerance.yaml`.",
        "",
        "| Output | " + " | ".join(f"`{leg}`" for leg in others) + " |",
        "| --- |" + " --- |" * len(others),
    ]
    for name, cells in report["outputs"].items():
        row = [f"{cells[leg]['verdict']}: {cells[leg]['detail']}" for leg in others]
        lines.append(f"| `{name}` | " + " | ".join(row) + " |")
    differences = report["environment_differences"]
    lines += ["", "### Environment fields that differ between runs", ""]
    if differences:
        legs = report["runs"]
        lines += ["| Field | " + " | ".join(f"`{leg}`" for leg in legs) + " |"]
        lines += ["| --- |" + " --- |" * len(legs)]
        for field, values in differences.items():
            row = [f"`{json.dumps(values.get(leg))}`" for leg in legs]
            lines.append(f"| `{field}` | " + " | ".join(row) + " |")
    else:
        lines.append("None: every run recorded the same environment.")
    return "\n".join(lines) + "\n"


def md5_of(path: Path) -> str:
    """The md5 DVC records for a file (of its raw bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect(paths: Paths, destination: Path, policy: dict[str, Rule]) -> None:
    """Copy the manifest and the outputs the policy compares by content into a new folder, after
    checking that every output named in the policy is present and is the one the manifest
    describes (DVC's md5), so a stale manifest can never vouch for other files."""
    if destination.exists() and any(destination.iterdir()):
        raise DataError([f"{destination}: not empty; collect each run into a new folder"])
    if not paths.manifest.is_file():
        raise DataError([f"{paths.manifest}: missing; run `dvc repro` first"])
    recorded = json.loads(paths.manifest.read_text(encoding="utf-8")).get("outputs", {})
    problems = []
    for name in policy:
        if not (paths / name).is_file():
            problems.append(f"{name}: missing; run `dvc repro` first")
        elif recorded.get(name) != md5_of(paths / name):
            problems.append(f"{name}: differs from the manifest's record; run `dvc repro`")
    if problems:
        raise DataError(problems)
    copies = {MANIFEST: paths.manifest}
    copies.update({name: paths / name for name, rule in policy.items() if rule.check != "exact"})
    for name, source in copies.items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def main(
    runs: list[Path], policy: dict[str, Rule], markdown: Path | None, report: Path | None
) -> int:
    """Compare, print and write reports; exit code 1 unless every output agrees."""
    result = compare(runs, policy)
    text = to_markdown(result)
    print(text, end="")
    if markdown:
        with markdown.open("a", encoding="utf-8") as handle:
            handle.write(text)
    if report:
        report.write_text(to_json_text(result), encoding="utf-8")
    return 0 if result["verdict"] in VERDICTS[:2] else 1
