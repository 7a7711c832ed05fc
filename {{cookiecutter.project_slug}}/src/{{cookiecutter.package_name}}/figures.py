"""Plots a person can open offline: SVG files drawn by matplotlib with stable bytes.

``dvc plots show`` renders the curve data in ``reports/plots/`` with Vega, which its HTML loads from
the internet. These figures need nothing: ``evaluate`` writes them beside an HTML page that links
them (``reports/evaluation.html``). Element ids are salted with a constant and the file carries no
date or software version, so the same curves always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.figure import Figure

from .artifacts import atomic_path

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STABLE_SVG: dict[RcKeyType, str] = {
    "svg.hashsalt": "figures",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
Curves = dict[str, list[dict[str, float]]]


def svg_bytes(figure: Figure) -> bytes:
    """The figure as SVG text with no date, tool version or random ids."""
    buffer = io.StringIO()
    with matplotlib.rc_context(STABLE_SVG):
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue().encode("utf-8")


def write_svg(figure: Figure, path: Path) -> None:
    """Write ``figure`` to ``path`` atomically."""
    data = svg_bytes(figure)
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def curve_figure(curves: dict[str, Curves], kind: str, x: str, y: str, title: str) -> Figure:
    """One curve per model (``curves[model][kind]`` holds records with keys ``x`` and ``y``)."""
    figure = Figure(figsize=(5, 4.5))
    axes = figure.add_subplot()
    for model, by_kind in curves.items():
        points = by_kind[kind]
        axes.plot([p[x] for p in points], [p[y] for p in points], label=model, linewidth=1.5)
    axes.set(xlim=(0, 1), ylim=(0, 1.02), xlabel=x, ylabel=y, title=title)
    axes.legend(loc="lower right" if kind == "roc" else "lower left")
    axes.grid(alpha=0.3)
    return figure


def confusion_figure(matrix: Sequence[Sequence[int]], labels: Sequence[str]) -> Figure:
    """Counts of actual (rows) against predicted (columns) classes."""
    figure = Figure(figsize=(4.5, 4))
    axes = figure.add_subplot()
    axes.imshow(matrix, cmap="Blues")
    ticks = range(len(labels))
    axes.set(xticks=ticks, yticks=ticks, xticklabels=labels, yticklabels=labels)
    axes.set(xlabel="predicted", ylabel="actual", title="Confusion matrix (model)")
    largest = max(max(row) for row in matrix) or 1
    for row, counts in enumerate(matrix):
        for column, count in enumerate(counts):
            colour = "white" if count > largest / 2 else "black"
            axes.text(column, row, str(count), ha="center", va="center", color=colour)
    return figure


PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Evaluation</title>
<style>body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; }
td { text-align: right; } img { max-width: 32rem; margin: 1rem 1rem 0 0; }</style>
</head>
<body>
<h1>Evaluation on the held-out rows</h1>
<table>
<tr><th>metric</th>$header</tr>
$rows
</table>
$images
</body>
</html>
""")


def page(metrics: dict[str, dict[str, float]], images: Sequence[str]) -> str:
    """An HTML page: the metrics table and the figures (paths relative to the page)."""
    models = list(metrics)
    header = "".join(f"<th>{escape(model)}</th>" for model in models)
    rows = "\n".join(
        f"<tr><th>{escape(name)}</th>"
        + "".join(f"<td>{metrics[model][name]:.4f}</td>" for model in models)
        + "</tr>"
        for name in metrics[models[0]]
    )
    pictures = "\n".join(f'<img src="{escape(image)}" alt="{escape(image)}">' for image in images)
    return PAGE.substitute(header=header, rows=rows, images=pictures)
