"""Render a gate's summary as one self-contained HTML page for people to read.

GX's own Data Docs load scripts, fonts and a tracking image from the internet; this page has inline
styles only, no scripts and no links out, so it opens offline and tells nobody it was opened. It is
built from the deterministic summary alone, so it changes only when the result does.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code { font-size: 0.85rem; word-break: break-word; }
.critical { background: #fde2e2; } .warning { background: #fff4d6; } .info { background: #e6f0ff; }
.verdict-pass { color: #176317; } .verdict-fail { color: #a10d0d; }
"""


def _cell(value: Any) -> str:
    return f"<code>{escape(json.dumps(value, ensure_ascii=False))}</code>"


def render_html(summary: dict[str, Any]) -> str:
    """The whole page as a string."""
    verdict = "passed" if summary["success"] else "FAILED"
    css = "verdict-pass" if summary["success"] else "verdict-fail"
    counts = ", ".join(f"{count} {level}" for level, count in summary["failed"].items() if count)
    failed = f" ({counts} failed)" if counts else ""
    scope = f"Suite {summary['suite']} on {summary['rows']} rows and {summary['columns']} columns"
    held = f"{summary['passed']} of {summary['expectations']} expectations held{failed}"
    rows = "\n".join(
        f'<tr class="{escape(failure["severity"])}"><td>{escape(failure["severity"])}</td>'
        f"<td>{escape(failure['expectation'])}</td><td>{escape(str(failure['column'] or ''))}</td>"
        f"<td>{_cell(failure['observed'])}</td><td>{_cell(failure['expected'])}</td>"
        f"<td>{escape(failure['notes'] or '')}</td></tr>"
        for failure in summary["failures"]
    )
    table = (
        "<table><tr><th>Severity</th><th>Expectation</th><th>Column</th><th>Observed</th>"
        f"<th>Expected</th><th>Why it exists</th></tr>\n{rows}\n</table>"
        if rows
        else "<p>Every expectation held.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Data gate: {escape(summary["dataset"])}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Data gate: {escape(summary["dataset"])} <span class="{css}">{verdict}</span></h1>
<p>{escape(scope)}: {escape(held)}.
Critical failures stop the pipeline; warnings are reported only.</p>
{table}
</body>
</html>
"""
