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
from typing import Any

import yaml

from .artifacts import to_json_text
from .config import Paths
from .errors import ParamsError

MANIFEST = "manifest.json"
VERDICTS = ("identical", "within tolerance", "differs", "missing")
# Manifest fields that describe the run's results rather than its environment.
RESULT_FIELDS = ("outputs",)


def load_policy(path: Path) -> dict[str, dict[str, Any]]:
    """``output path -> rule``; each rule has ``check``: exact, numbers or labels."""
    try:
        policy = yaml.safe_load(path.read_text(encoding="utf-8"))["outputs"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ParamsError([f"{path.name}: not a tolerance policy ({error})"]) from None
    problems = [
        f"{path.name}: {name}: check must be exact, numbers or labels"
        for name, rule in policy.items()
        if rule.get("check") not in {"exact", "numbers", "labels"}
    ]
    if problems:
        raise ParamsError(problems)
    return policy


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


def _numbers(reference: Any, other: Any, rule: dict[str, Any], path: str = "") -> list[str]:
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


def _scalar_difference(reference: Any, other: Any, rule: dict[str, Any], path: str) -> list[str]:
    """A one-item list describing how two leaves differ, or an empty list."""
    numbers = all(
        isinstance(value, (int, float)) and not isinstance(value, bool)
        for value in (reference, other)
    )
    if numbers and (math.isnan(reference) or math.isnan(other)):
        return [f"{path}: NaN ({reference!r} vs {other!r})"]
    tolerance = {"rel_tol": rule.get("rtol", 0.0), "abs_tol": rule.get("atol", 0.0)}
    agree = math.isclose(reference, other, **tolerance) if numbers else reference == other
    return [] if agree else [f"{path}: {reference!r} vs {other!r}"]


def _read_json(path: Path) -> Any:
    """JSON that may contain NaN (written by something other than this pipeline)."""
    return json.loads(path.read_text(encoding="utf-8"))


def _labels(reference: Path, other: Path, rule: dict[str, Any]) -> tuple[str, str]:
    """Agreement of a label column between two CSV files, rows matched by the key column."""
    key, column = rule.get("key", "row"), rule["column"]

    def read(path: Path) -> dict[str, str]:
        with path.open(encoding="utf-8", newline="") as handle:
            return {row[key]: row[column] for row in csv.DictReader(handle)}

    left, right = read(reference), read(other)
    if left.keys() != right.keys():
        return "differs", f"rows differ ({len(left)} vs {len(right)})"
    agreement = sum(left[row] == right[row] for row in left) / max(len(left), 1)
    verdict = "within tolerance" if agreement >= rule["min_agreement"] else "differs"
    return verdict, f"{agreement:.2%} of {column!r} agree (at least {rule['min_agreement']:.2%})"


def _exact(name: str, reference: Path, other: Path) -> tuple[str, str]:
    """Compare the hashes DVC recorded for ``name`` in two runs' manifests."""
    hashes = [
        (_load_manifest(run) or {}).get("outputs", {}).get(name) for run in (reference, other)
    ]
    if None in hashes or "" in hashes:
        return "missing", "no hash recorded in the manifest"
    return ("identical", "same hash") if hashes[0] == hashes[1] else ("differs", "hash differs")


def _within(reference: Path, other: Path, rule: dict[str, Any]) -> tuple[str, str]:
    """Compare every number in two JSON files under the rule's tolerance."""
    problems = _numbers(_read_json(reference), _read_json(other), rule)
    if problems:
        return "differs", "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
    return "within tolerance", f"rtol {rule.get('rtol', 0)}, atol {rule.get('atol', 0)}"


def check_output(name: str, rule: dict[str, Any], reference: Path, other: Path) -> tuple[str, str]:
    """Verdict and detail for one output of ``other`` against ``reference``."""
    if rule["check"] == "exact":
        return _exact(name, reference, other)
    left, right = reference / name, other / name
    if not (left.is_file() and right.is_file()):
        return "missing", "file not collected"
    same = hashlib.sha256(left.read_bytes()).digest() == hashlib.sha256(right.read_bytes()).digest()
    if same and (rule["check"] == "labels" or b"NaN" not in left.read_bytes()):
        return "identical", "same bytes"
    return (_labels if rule["check"] == "labels" else _within)(left, right, rule)


def environment_differences(runs: list[Path]) -> dict[str, dict[str, Any]]:
    """Manifest fields (outside the results) whose values are not the same in every run."""
    flat = {}
    for run in runs:
        manifest = _load_manifest(run)
        if manifest is not None:
            flat[run.name] = _flatten({k: v for k, v in manifest.items() if k not in RESULT_FIELDS})
    fields = sorted({field for values in flat.values() for field in values})
    return {
        field: {leg: values.get(field) for leg, values in flat.items()}
        for field in fields
        if len({json.dumps(values.get(field)) for values in flat.values()}) > 1
    }


def compare(runs: list[Path], policy: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The full comparison of ``runs`` (the first is the reference) under ``policy``."""
    reference, others = runs[0], runs[1:]
    outputs: dict[str, dict[str, dict[str, str]]] = {}
    for name, rule in policy.items():
        outputs[name] = {}
        for run in others:
            if not (run.is_dir() and reference.is_dir()):
                outputs[name][run.name] = {"verdict": "missing", "detail": "run folder not found"}
                continue
            verdict, detail = check_output(name, rule, reference, run)
            outputs[name][run.name] = {"verdict": verdict, "detail": detail}
    every = [cell["verdict"] for cells in outputs.values() for cell in cells.values()]
    return {
        "verdict": worst(every) if others else "missing",
        "reference": reference.name,
        "runs": [run.name for run in runs],
        "outputs": outputs,
        "environment_differences": environment_differences([r for r in runs if r.is_dir()]),
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


def collect(paths: Paths, destination: Path, policy: dict[str, dict[str, Any]]) -> None:
    """Copy the manifest and every output the policy compares by content into ``destination``
    (outputs compared by hash need only the manifest)."""
    names = [MANIFEST] + [name for name, rule in policy.items() if rule["check"] != "exact"]
    for name in names:
        source = paths.manifest if name == MANIFEST else paths / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def main(
    runs: list[Path], policy: dict[str, dict[str, Any]], markdown: Path | None, report: Path | None
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
