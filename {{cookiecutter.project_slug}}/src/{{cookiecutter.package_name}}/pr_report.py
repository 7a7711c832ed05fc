"""Command ``pr-report BASE``: what a change does to the results, for a reviewer who runs nothing.

On a pull request the workflow appends this to its job summary: the params that differ from the
base revision (``dvc params diff``), the headline scores of model and baseline before and after
(``dvc metrics diff``, read as JSON because its table rounds and it always exits 0), and the
verdict of the comparison of every reproduction leg, when one was made.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .config import Paths
from .errors import PipelineError


def dvc_json(paths: Paths, *args: str) -> dict[str, Any]:
    """The JSON a DVC diff command prints; one error line if it fails."""
    command = [sys.executable, "-m", "dvc", *args, "--json"]
    result = subprocess.run(command, cwd=paths.root, capture_output=True, text=True, check=False)
    if result.returncode:
        reason = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[0]
        raise PipelineError([f"`dvc {' '.join(args)}` failed: {reason.removeprefix('ERROR: ')}"])
    printed: dict[str, Any] = json.loads(result.stdout or "{}")
    return printed


def as_cell(value: object) -> str:
    """A value as a Markdown table cell."""
    return "–" if value is None else f"`{json.dumps(value)}`"


def rows(diff: dict[str, Any], with_change: bool) -> list[str]:
    """Table rows of a DVC diff (``{file: {key: {old, new[, diff]}}}``), sorted by key."""
    lines = []
    for _, changes in sorted(diff.items()):
        for key, values in sorted(changes.items()):
            line = f"| `{key}` | {as_cell(values.get('old'))} | {as_cell(values.get('new'))} |"
            if with_change:
                change = values.get("diff")
                line += f" {f'{change:+.6g}' if isinstance(change, (int, float)) else '–'} |"
            lines.append(line)
    return lines


def verdict_lines(compare_json: Path | None) -> list[str]:
    """The comparison's verdict in short: counts per verdict, legs that are wholly missing and
    every output that differs (the compare step's own report has the full table)."""
    if compare_json is None or not compare_json.is_file():
        return ["No comparison of reproduction legs was made for this report."]
    compared = json.loads(compare_json.read_text(encoding="utf-8"))
    judged = [
        (output, leg, cell)
        for output, legs in sorted(compared["outputs"].items())
        for leg, cell in sorted(legs.items())
    ]
    counts = Counter(cell["verdict"] for _, _, cell in judged)
    summary = ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))
    lines = [f"Comparison of every reproduction leg: **{compared['verdict']}** ({summary})."]
    verdicts_of: dict[str, set[str]] = {}
    for _, leg, cell in judged:
        verdicts_of.setdefault(leg, set()).add(cell["verdict"])
    absent = [leg for leg, verdicts in sorted(verdicts_of.items()) if verdicts == {"missing"}]
    if absent:
        lines.append(f"- Legs that did not run or were not collected: {', '.join(absent)}")
    for output, leg, cell in judged:
        if cell["verdict"] == "different":
            lines.append(f"- `{output}` in `{leg}`: different ({cell['detail']})")
    return lines


def render(base: str, params: dict[str, Any], metrics: dict[str, Any], verdict: list[str]) -> str:
    """The Markdown report."""
    lines = [f"## Changes against `{base}`", "", "### Params", ""]
    params_rows = rows(params, with_change=False)
    if params_rows:
        lines += ["| Param | Base | This change |", "| --- | --- | --- |", *params_rows]
    else:
        lines.append("No param changed.")
    lines += ["", "### Metrics (model and baseline)", ""]
    metric_rows = rows(metrics, with_change=True)
    if metric_rows:
        lines += ["| Metric | Base | This change | Change |", "| --- | --- | --- | --- |"]
        lines += metric_rows
    else:
        lines.append("No metric changed.")
    return "\n".join([*lines, "", "### Reproduction", "", *verdict, ""]) + "\n"


def report(paths: Paths, base: str, compared: Path | None) -> str:
    """The report of the workspace against ``base``."""
    check = ["git", "rev-parse", "--verify", "--quiet", base + "^{commit}"]
    found = subprocess.run(check, cwd=paths.root, capture_output=True, check=False)
    if found.returncode:
        raise PipelineError(
            [f"base revision '{base}' not found; fetch it first (git fetch, or a full clone)"]
        )
    params = dvc_json(paths, "params", "diff", base)
    metrics = dvc_json(paths, "metrics", "diff", base)
    return render(base, params, metrics, verdict_lines(compared))
