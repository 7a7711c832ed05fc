"""Render a gate's result as one self-contained HTML page that documents the table it checked.

As GX's Data Docs would, the page lists every expectation of the suite, grouped by column (the
table-level ones first), with its note, its severity, what the data showed and what the suite
asks; when any failed, a *Failures* section comes first. GX's own Data Docs load scripts, fonts
and a tracking image from the internet; this page has inline styles only, no scripts and no links,
so it opens offline and tells nobody it was opened. It is built from the gate's outcomes and the
frame's facts alone, so the same data give the same bytes.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .gate_facts import Facts, observed
from .gate_text import expected

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin-bottom: 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td { overflow-wrap: anywhere; }
code { font-size: 0.85rem; }
.critical { background: #fde2e2; } .warning { background: #fff4d6; } .info { background: #e6f0ff; }
.verdict-pass, .held { color: #176317; } .verdict-fail, .failed { color: #a10d0d; }
"""
SEVERITY_ORDER = ("critical", "warning", "info")
Outcome = dict[str, Any]


def _row(outcome: Outcome, table: Facts, lead: str) -> str:
    """One expectation as a table row: ``lead`` cells, then observed, expected and the note."""
    css = "" if outcome["success"] else f' class="{escape(outcome["severity"])}"'
    cells = [
        lead,
        f"<td>{escape(observed(outcome, table))}</td>",
        f"<td>{escape(expected(outcome['expectation'], outcome['expected']))}</td>",
        f"<td>{escape(outcome['notes'] or '')}</td>",
    ]
    return f"<tr{css}>{''.join(cells)}</tr>"


def _table(head: str, rows: list[str]) -> str:
    header = "".join(f"<th>{escape(name)}</th>" for name in head.split("|"))
    return f"<table><tr>{header}</tr>\n" + "\n".join(rows) + "\n</table>"


def failures_section(outcomes: list[Outcome], table: Facts) -> str:
    """The failed expectations, critical ones first, each with observed against expected."""
    failed = [outcome for outcome in outcomes if not outcome["success"]]
    if not failed:
        return ""
    failed.sort(key=lambda outcome: SEVERITY_ORDER.index(outcome["severity"]))
    rows = [
        _row(
            outcome,
            table,
            f"<td>{escape(outcome['severity'])}</td><td>{escape(outcome['column'] or 'table')}</td>"
            f"<td><code>{escape(outcome['expectation'])}</code></td>",
        )
        for outcome in failed
    ]
    head = "Severity|Column|Expectation|Observed|Expected|Why it exists"
    return f'<h2 id="failures">Failures</h2>\n{_table(head, rows)}\n'


def column_sections(outcomes: list[Outcome], table: Facts) -> str:
    """Every expectation, grouped by column in suite order; the table-level group first."""
    groups: dict[str | None, list[Outcome]] = {None: []}
    for outcome in outcomes:
        groups.setdefault(outcome["column"], []).append(outcome)
    parts = []
    for column, members in groups.items():
        if not members:
            continue
        title = "Table" if column is None else f"Column <code>{escape(column)}</code>"
        rows = [
            _row(
                outcome,
                table,
                f"<td><code>{escape(outcome['expectation'])}</code></td>"
                f"<td>{escape(outcome['severity'])}</td>"
                + (
                    '<td class="held">held</td>'
                    if outcome["success"]
                    else '<td class="failed">' "FAILED</td>"
                ),
            )
            for outcome in members
        ]
        head = "Expectation|Severity|Result|Observed|Expected|Why it exists"
        parts.append(f"<h2>{title}</h2>\n{_table(head, rows)}")
    return "\n".join(parts)


def render_html(summary: dict[str, Any], outcomes: list[Outcome], table: Facts) -> str:
    """The whole page as a string: verdict, failures (if any), then the table documented."""
    verdict = "passed" if summary["success"] else "FAILED"
    css = "verdict-pass" if summary["success"] else "verdict-fail"
    counts = ", ".join(f"{count} {level}" for level, count in summary["failed"].items() if count)
    failed = f" ({counts} failed)" if counts else ""
    scope = f"Suite {summary['suite']} on {summary['rows']:,} rows and {summary['columns']} columns"
    held = f"{summary['passed']} of {summary['expectations']} expectations held{failed}"
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
{failures_section(outcomes, table)}{column_sections(outcomes, table)}
</body>
</html>
"""
