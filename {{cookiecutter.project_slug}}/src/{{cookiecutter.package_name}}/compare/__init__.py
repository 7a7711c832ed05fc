"""Commands ``compare``, ``collect`` and ``reproduce``: do runs made in different environments
agree, and if not, what differs and why?

Each run folder holds what ``collect`` copied from one run: its manifest and the outputs the policy
compares by content. The first run is the reference; every other run gets a verdict per output
(``checks``), the report names the manifest fields that differ between runs, which is usually the
explanation (``report``), and the exit code is 1 unless every output of every run is identical or
equivalent. A leg that did not run, or an output it lacks, is ``missing``: never agreeing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..artifacts import to_json_text
from ..errors import ParamsError
from . import checks
from .collect import MANIFEST, collect, md5_of, reproduce
from .policy import Policy, load_policy
from .report import to_markdown

__all__ = ["MANIFEST", "collect", "compare", "load_policy", "main", "md5_of", "reproduce"]
# Manifest fields that describe the run's results rather than its environment.
RESULT_FIELDS = ("outputs",)


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
    outputs: dict[str, dict[str, dict[str, str]]] = {}
    for name, check in policy.outputs.items():
        outputs[name] = {}
        for run in runs[1:]:
            verdict, detail = judge(name, check, (runs[0], run), hashes, policy)
            outputs[name][run.name] = {"verdict": verdict, "detail": detail}
    every = [cell["verdict"] for cells in outputs.values() for cell in cells.values()]
    return {
        "verdict": checks.worst(every),
        "reference": runs[0].name,
        "runs": names,
        "tolerance": f"rtol {policy.floats.rtol:g}, atol {policy.floats.atol:g}",
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
