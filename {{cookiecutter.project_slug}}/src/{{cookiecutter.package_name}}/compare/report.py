"""The comparison as Markdown, for a terminal or a GitHub job summary."""

from __future__ import annotations

import json
from typing import Any


def engine_note(report: dict[str, Any]) -> list[str]:
    """A line saying which runs used the other engine, and what they were held to."""
    engines = report["engines"]
    reference = engines[report["reference"]]
    others = [leg for leg, engine in engines.items() if engine != reference]
    if not others:
        return []
    legs = ", ".join(f"`{leg}`" for leg in others)
    return [
        "",
        f"On the other engine ({legs}; the reference ran on {reference}): rows and gate "
        f"verdicts identical, metrics within {report['engine_tolerance']}; models are fitted by "
        "other libraries, so nothing else is compared.",
    ]


def to_markdown(report: dict[str, Any]) -> str:
    """Verdict, one row per output and one column per run, then the environment fields that
    differ between runs (usually the explanation)."""
    others = report["runs"][1:]
    lines = [
        f"## Reproduction across environments: {report['verdict'].upper()}",
        "",
        f"Reference run: `{report['reference']}`. Policy: `tolerance.yaml` "
        f"(floats within {report['tolerance']}; everything else equal).",
        *engine_note(report),
        "",
        "| Output | " + " | ".join(f"`{leg}`" for leg in others) + " |",
        "| --- |" + " --- |" * len(others),
    ]
    for name, cells in report["outputs"].items():
        row = [
            f"{cells[leg]['verdict']}: {cells[leg]['detail']}" if leg in cells else "not compared"
            for leg in others
        ]
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
