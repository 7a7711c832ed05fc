"""Commands ``compare``, ``collect`` and ``reproduce``: do runs made in different environments
agree, and if not, what differs and why?

Each run folder holds what ``collect`` copied from one run: its manifest and the outputs the policy
compares by content. The first run is the reference; every other run gets a verdict per output
(``checks``), the report names the manifest fields that differ between runs, which is usually the
explanation (``report``), and the exit code is 1 unless every output of every run is identical or
equivalent. A leg that did not run, or an output it lacks, is ``missing``: never agreeing.

A run on the other engine (pandas against Spark) is held to ``engines`` in the policy: its tables
as rows and its gates' verdicts must be identical, the outputs it names (the metrics) within its
wider tolerance; the rest (models fitted by other libraries) is not compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..artifacts import to_json_text
from ..config import Paths
from ..errors import ParamsError
from . import checks
from .collect import MANIFEST, NEUTRAL, collect, md5_of, reproduce, rows_digest
from .policy import Policy, load_policy
from .report import to_markdown

__all__ = [
    "MANIFEST",
    "NEUTRAL",
    "collect",
    "compare",
    "load_policy",
    "main",
    "md5_of",
    "reproduce",
    "rows_digest",
]
# Manifest fields that describe the run's results rather than its environment.
RESULT_FIELDS = ("outputs",)
# The pandas engine's tables: a Spark run writes Parquet folders instead.
CSV_TABLES = {path.as_posix() for path in (Paths(Path()).raw, Paths(Path()).features)} | {
    Paths(Path()).split.as_posix()
}


def _manifest(run: Path) -> dict[str, Any] | None:
    path = run / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def environment_differences(
    manifests: dict[str, dict[str, Any] | None],
) -> dict[str, dict[str, Any]]:
    """Manifest fields (outside the results) whose values are not the same in every run."""
    flat = {
        leg: checks.flatten({k: v for k, v in manifest.items() if k not in RESULT_FIELDS})
        for leg, manifest in manifests.items()
        if manifest is not None
    }
    fields = sorted({field for values in flat.values() for field in values})
    return {
        field: {leg: values.get(field) for leg, values in flat.items()}
        for field in fields
        if len({json.dumps(values.get(field)) for values in flat.values()}) > 1
    }


def engine_of(manifest: dict[str, Any] | None) -> str:
    """The engine a run used (manifests from before the Spark engine: pandas)."""
    return str(((manifest or {}).get("params") or {}).get("engine", "pandas"))


def judge_neutral(runs: tuple[Path, Path]) -> dict[str, checks.Judgement]:
    """The rows and the gates' verdicts of ``runs[1]`` against ``runs[0]``, whatever their
    engines: each table as a digest of its rows, each gate by verdict and counts."""
    found = [run / NEUTRAL for run in runs]
    if not all(path.is_file() for path in found):
        return {"rows and gate verdicts": ("missing", f"{NEUTRAL} not collected")}
    reference, other = (json.loads(path.read_text(encoding="utf-8")) for path in found)
    judged: dict[str, checks.Judgement] = {}
    for name in sorted(reference["rows"].keys() | other["rows"].keys()):
        same = reference["rows"].get(name) == other["rows"].get(name)
        judged[f"{name} (rows)"] = (
            ("identical", "same rows") if same else ("different", "rows differ")
        )
    for name in sorted(reference["gates"].keys() | other["gates"].keys()):
        a, b = reference["gates"].get(name) or {}, other["gates"].get(name) or {}
        changed = [
            f"{field}: {a.get(field)!r} vs {b.get(field)!r}"
            for field in sorted(a.keys() | b.keys())
            if a.get(field) != b.get(field)
        ]
        judged[f"{name} (verdict)"] = (
            ("different", "; ".join(changed))
            if changed
            else ("identical", "same verdict and counts")
        )
    return judged


def judge_engines(name: str, runs: tuple[Path, Path], policy: Policy) -> checks.Judgement:
    """Output ``name`` of a run on the other engine: within ``engines.floats``."""
    left, right = (run / name for run in runs)
    if not (left.is_file() and right.is_file()):
        return "missing", "file not collected"
    return checks.by_numbers(left, right, policy.engines.floats)


def judge(
    name: str,
    check: str,
    runs: tuple[Path, Path],
    hashes: dict[str, dict[str, str]],
    policy: Policy,
) -> checks.Judgement:
    """The verdict on output ``name`` of ``runs[1]`` against the reference ``runs[0]``;
    ``hashes`` maps each run's name to the output hashes its manifest holds."""
    reference, other = runs
    if not (reference.is_dir() and other.is_dir()):
        return "missing", "run folder not found"
    if check == "exact":
        return checks.by_hash(hashes[reference.name].get(name), hashes[other.name].get(name))
    left, right = reference / name, other / name
    if not (left.is_file() and right.is_file()):
        return "missing", "file not collected"
    if check == "table":
        same = left.read_bytes() == right.read_bytes()
        return ("identical", "same bytes") if same else checks.by_table(left, right, policy.floats)
    content = left.read_bytes()
    if content == right.read_bytes() and b"NaN" not in content:  # NaN never agrees
        return "identical", "same bytes"
    return checks.by_numbers(left, right, policy.floats)


def judge_leg(
    runs: tuple[Path, Path],
    engines: dict[str, str],
    hashes: dict[str, dict[str, str]],
    policy: Policy,
) -> dict[str, checks.Judgement]:
    """Every verdict on ``runs[1]`` against the reference ``runs[0]``: the policy's outputs on
    the same engine; what the engines must share when either ran on Spark."""
    both = {engines[run.name] for run in runs}
    judged = {}
    for name, check in policy.outputs.items():
        if len(both) > 1:  # pandas against Spark: only what the engines must share
            if name in policy.engines.outputs:
                judged[name] = judge_engines(name, runs, policy)
        elif not (both == {"spark"} and name in CSV_TABLES):  # Parquet: compared as rows
            judged[name] = judge(name, check, runs, hashes, policy)
    if both != {"pandas"}:
        judged.update(judge_neutral(runs))
    return judged


def compare(runs: list[Path], policy: Policy) -> dict[str, Any]:
    """The full comparison of ``runs`` (the first is the reference) under ``policy``."""
    if len(runs) < 2:
        raise ParamsError([f"compare: a comparison needs at least two runs (got {len(runs)})"])
    names = [run.name for run in runs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ParamsError([f"compare: run folders need distinct names ({', '.join(repeated)})"])
    manifests = {run.name: _manifest(run) for run in runs}
    hashes = {leg: (manifest or {}).get("outputs", {}) for leg, manifest in manifests.items()}
    engines = {leg: engine_of(manifest) for leg, manifest in manifests.items()}
    outputs: dict[str, dict[str, dict[str, str]]] = {name: {} for name in policy.outputs}
    for run in runs[1:]:
        pair = (runs[0], run)
        for name, (verdict, detail) in judge_leg(pair, engines, hashes, policy).items():
            outputs.setdefault(name, {})[run.name] = {"verdict": verdict, "detail": detail}
    outputs = {name: cells for name, cells in outputs.items() if cells}
    every = [cell["verdict"] for cells in outputs.values() for cell in cells.values()]
    return {
        "verdict": checks.worst(every),
        "reference": runs[0].name,
        "runs": names,
        "tolerance": f"rtol {policy.floats.rtol:g}, atol {policy.floats.atol:g}",
        "engines": engines,
        "engine_tolerance": f"rtol {policy.engines.floats.rtol:g}, "
        f"atol {policy.engines.floats.atol:g}",
        "outputs": outputs,
        "environment_differences": environment_differences(manifests),
    }


def main(runs: list[Path], policy: Policy, markdown: Path | None, report: Path | None) -> int:
    """Compare, print and write reports; exit code 1 unless every output agrees."""
    result = compare(runs, policy)
    text = to_markdown(result)
    print(text, end="")
    if markdown:
        with markdown.open("a", encoding="utf-8") as handle:
            handle.write(text)
    if report:
        report.write_text(to_json_text(result), encoding="utf-8")
    return 0 if result["verdict"] in checks.VERDICTS[:2] else 1
