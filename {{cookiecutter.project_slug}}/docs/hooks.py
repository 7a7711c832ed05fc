"""MkDocs hook: the pipeline page is written from ``dvc.yaml`` at every build, so it cannot drift.

``mkdocs.yml`` loads this file (``hooks:``). It reads the stages DVC runs (``foreach`` groups
expanded to ``validate@raw`` and so on, as ``dvc dag`` names them), links two stages when one
reads a path the other writes (or a file inside a folder it writes), and puts on the page that
contains :data:`MARKER`, in place of the marker, one section per stage: its command, what it
reads, which params and what it writes, with the first line of its module's docstring. The graph is
drawn here as an SVG file by matplotlib, with the stable bytes of the package's figures, instead of
a Mermaid diagram: Material's Mermaid support loads mermaid.js from a CDN, which an offline build
and an offline reader cannot reach. The page that contains :data:`REPORTS_MARKER` links the last
run's reports and plots, which are copied into the site; the ones a run has not written yet are
named as such, so the site builds strictly before the first run too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from {{ cookiecutter.package_name }}.config import Paths
from {{ cookiecutter.package_name }}.figures import svg_bytes

MARKER = "<!-- stages from dvc.yaml -->"
# ``<!-- README: Title -->`` on a page stands for the body of the README's ``## Title`` section:
# the README is the one source of those topics, and the site shows them without a copy to drift.
README_MARKER = re.compile(r"^<!-- README: (.+?) -->$", re.MULTILINE)
# An image from the internet (the Binder badge) would be loaded by every reader: keep its text.
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\(https?://[^)]*\)")
DAG_FILE = "pipeline.svg"
# DVC's templating in a stage: ``${key}`` and ``${item}`` in a ``foreach`` group's ``do`` block.
INTERPOLATION = re.compile(r"\$\{\s*([\w.]+)\s*\}")
# Paths every stage reads that say nothing about the data flow: the lock reruns everything.
COMMON = ("poetry.lock",)
# The Reports page: the last run's HTML reports and plots, linked where they exist.
REPORTS_MARKER = "<!-- reports of the last run -->"


def as_paths(entries: list[Any] | None) -> list[str]:
    """Paths of a ``deps`` or ``outs`` list, whose entries are strings or ``{path: options}``."""
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries or []]


def as_params(entries: list[Any] | None) -> list[str]:
    """Param keys of a ``params`` list, whose entries are keys or ``{file: [keys]}``."""
    keys: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            keys.append(entry)
        else:
            for file, names in entry.items():
                keys.extend(f"{file}:{name}" for name in names or ["(all)"])
    return keys


def substitute(value: Any, variables: dict[str, str]) -> Any:
    """``value`` with ``${key}``, ``${item}`` and top-level params (``${tables}``) replaced; any
    other template is an error, since this page would otherwise show a path DVC never sees."""

    def replace(match: re.Match) -> str:
        if match.group(1) not in variables:
            raise ValueError(
                f"dvc.yaml: {match.group()} is not a foreach key or item, nor a top-level param"
            )
        return variables[match.group(1)]

    if isinstance(value, str):
        return INTERPOLATION.sub(replace, value)
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {
            substitute(key, variables): substitute(item, variables) for key, item in value.items()
        }
    return value


def expand(raw_stages: dict[str, Any], params: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every stage DVC runs, in file order: a ``foreach`` group becomes ``group@key`` stages."""
    stages: dict[str, dict[str, Any]] = {}
    for name, stage in raw_stages.items():
        if "matrix" in stage:
            raise ValueError(f"dvc.yaml: stage {name}: matrix stages are not drawn on this page")
        if "foreach" not in stage:
            stages[name] = substitute(stage, params)
            continue
        items = stage["foreach"]
        pairs = items.items() if isinstance(items, dict) else ((item, item) for item in items)
        for key, item in pairs:
            if not isinstance(item, str | int | float):
                raise ValueError(f"dvc.yaml: stage {name}: only plain foreach values are drawn")
            variables = {**params, "key": str(key), "item": substitute(str(item), params)}
            stages[f"{name}@{key}"] = substitute(stage["do"], variables)
    return stages


def read_stages(text: str, params: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The expanded stages of a ``dvc.yaml`` text, with ``params`` (see :func:`top_level`)."""
    return expand(yaml.safe_load(text)["stages"], params)


def top_level(root: Path) -> dict[str, str]:
    """The top-level scalar values of ``params.yaml``: what DVC fills in for ``${name}``."""
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    return {key: str(value) for key, value in params.items() if isinstance(value, str | int)}


def project_stages(root: Path) -> dict[str, dict[str, Any]]:
    """The expanded stages of the project's ``dvc.yaml``."""
    return read_stages((root / "dvc.yaml").read_text(encoding="utf-8"), top_level(root))


def inside(path: str, output: str) -> bool:
    """Whether ``path`` is ``output`` or a file inside the folder ``output``."""
    return path == output or path.startswith(output.rstrip("/") + "/")


def edges(stages: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """``(writer, reader)`` for every stage that reads what another stage writes."""
    found = []
    for reader, stage in stages.items():
        for writer, other in stages.items():
            outputs = as_paths(other.get("outs"))
            reads = as_paths(stage.get("deps"))
            if writer != reader and any(inside(p, o) for p in reads for o in outputs):
                found.append((writer, reader))
    return found


def depths(stages: dict[str, dict[str, Any]], links: list[tuple[str, str]]) -> dict[str, int]:
    """Each stage's row in the drawing: the longest chain of stages that must run before it."""
    depth: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> int:
        if name in trail:
            raise ValueError(f"dvc.yaml: a cycle through {' -> '.join((*trail, name))}")
        if name not in depth:
            before = [writer for writer, reader in links if reader == name]
            depth[name] = 1 + max((visit(w, (*trail, name)) for w in before), default=-1)
        return depth[name]

    for name in stages:
        visit(name, ())
    return depth


def reduced(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The links not implied by a longer chain (the transitive reduction): drawing every link of
    a pipeline whose last stages read nearly everything would bury the order under arrows."""

    def reaches(start: str, goal: str, skip: tuple[str, str]) -> bool:
        todo, seen = [start], set()
        while todo:
            node = todo.pop()
            for writer, reader in links:
                if writer == node and (writer, reader) != skip and reader not in seen:
                    if reader == goal:
                        return True
                    seen.add(reader)
                    todo.append(reader)
        return False

    return [link for link in links if not reaches(*link, skip=link)]


def draw_boxes(axes: Any, rows: dict[int, list[str]], width: int) -> tuple[dict, dict]:
    """One labelled box per stage, row by row and centred; gates in another colour."""
    boxes, position = {}, {}
    for row, names in rows.items():
        for column, name in enumerate(names):
            position[name] = (2.4 * column + 1.2 * (width - len(names)), -row)
            gate = name.startswith("validate@")
            boxes[name] = axes.text(
                *position[name],
                name + (" (gate)" if gate else ""),
                ha="center",
                va="center",
                fontsize=10,
                zorder=2,
                bbox={
                    "boxstyle": "round,pad=0.35",
                    "facecolor": "#fff4e5" if gate else "#e8f0fe",
                    "edgecolor": "#555555",
                },
            )
    return boxes, position


def dag_svg(stages: dict[str, dict[str, Any]]) -> bytes:
    """The stage graph, top to bottom, with the arrows of :func:`reduced`: a direct one straight,
    one that passes rows bowed out to alternating sides, so arrows do not lie on each other."""
    links = edges(stages)
    depth = depths(stages, links)
    rows: dict[int, list[str]] = {}
    for name in stages:
        rows.setdefault(depth[name], []).append(name)
    width = max(len(names) for names in rows.values())
    figure = Figure(figsize=(1.4 + 2.4 * width, 0.3 + 0.62 * len(rows)))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(-1.4, 2.4 * width - 1.0)
    axes.set_ylim(-len(rows) + 0.4, 0.6)
    boxes, position = draw_boxes(axes, rows, width)
    for index, (writer, reader) in enumerate(reduced(links)):
        span = depth[reader] - depth[writer]
        bend = 0.0 if span == 1 else 0.35 * (1 if index % 2 else -1)
        axes.add_patch(
            FancyArrowPatch(
                position[writer],
                position[reader],
                arrowstyle="-|>",
                mutation_scale=14,
                connectionstyle=f"arc3,rad={bend}",
                patchA=boxes[writer].get_bbox_patch(),
                patchB=boxes[reader].get_bbox_patch(),
                color="#555555",
                linewidth=0.9,
                zorder=1,
            )
        )
    return svg_bytes(figure)


def summary_of(module: Path) -> str:
    """The first line of a stage module's docstring, with reST literals as Markdown code."""
    if not module.is_file():
        return ""
    docstring = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
    first = docstring.strip().split("\n\n")[0].replace("\n", " ")
    return first.replace("``", "`")


def code_list(paths: list[str]) -> str:
    """Paths as a comma-separated list of inline code, or a dash when there are none."""
    return ", ".join(f"`{path}`" for path in paths) or "-"


def stages_markdown(stages: dict[str, dict[str, Any]], root: Path) -> str:
    """One section per stage: command, summary, code, data and params read, outputs written."""
    links = edges(stages)
    parts = [
        f"![The stages and the order DVC runs them in]({DAG_FILE})",
        "",
        "The graph shows each stage after the stages it must wait for; an arrow that a longer",
        "chain implies is left out. *Runs after* below lists every stage whose output it reads.",
        "",
    ]
    for name, stage in stages.items():
        reads = as_paths(stage.get("deps"))
        code = [path for path in reads if path.endswith(".py")]
        data = [path for path in reads if path not in code and path not in COMMON]
        modules = [path for path in code if "/stages/" in path]
        summary = summary_of(root / modules[0]) if modules else ""
        after = [writer for writer, reader in links if reader == name]
        parts += [
            f"## `{name}`",
            "",
            *([summary, ""] if summary else []),
            f"`{stage['cmd']}`",
            "",
            f"- **Runs after:** {code_list(after)}",
            f"- **Reads data:** {code_list(data)}",
            f"- **Params:** {code_list(as_params(stage.get('params')))}",
            f"- **Writes:** {code_list(as_paths(stage.get('outs')))}",
            f"- **Code:** {code_list(code)}",
            "",
        ]
    return "\n".join(parts)


def readme_section(readme: str, title: str) -> str:
    """The body of the README's ``## title`` section, with images from the internet as text."""
    lines = readme.splitlines()
    heading = f"## {title}"
    if heading not in lines:
        raise ValueError(f"README.md has no section {heading!r}, which the docs include")
    start = end = lines.index(heading) + 1
    fenced = False
    while end < len(lines) and (fenced or not re.match(r"#{1,2} ", lines[end])):
        fenced ^= lines[end].startswith("```")
        end += 1
    return REMOTE_IMAGE.sub(r"\1", "\n".join(lines[start:end]).strip())


def report_files(root: Path) -> tuple[list[str], list[str]]:
    """Project-relative paths of the reports a run writes: every HTML output of ``dvc.yaml`` and
    the SVG plots in ``Paths.figures``; those present, then those not written yet (the plots'
    folder stands for its files until a run writes them)."""
    stages = project_stages(root)
    wanted = [p for s in stages.values() for p in as_paths(s.get("outs")) if p.endswith(".html")]
    folder = Paths(Path()).figures.as_posix()
    plots = sorted(path.relative_to(root).as_posix() for path in (root / folder).glob("*.svg"))
    wanted += plots or [f"{folder}/"]
    found = [path for path in wanted if (root / path).is_file()]
    return found, [path for path in wanted if path not in found]


def reports_markdown(found: list[str], missing: list[str]) -> str:
    """Links to the reports present, each plot shown too, and a plain list of the missing ones."""
    parts = [f"- [`{path}`]({path})" for path in found]
    parts += [f"\n![{path}]({path})" for path in found if path.endswith(".svg")]
    if missing:
        names = ", ".join(f"`{path}`" for path in missing)
        parts += ["", f"Not there yet: {names}. Run `dvc repro`, then build the site again."]
    return "\n".join(parts)


def project_root(config: Any) -> Path:
    """The project folder: the one holding ``mkdocs.yml``."""
    return Path(config["config_file_path"]).resolve().parent


def on_files(files: Any, config: Any) -> Any:
    """Add the graph of the current ``dvc.yaml`` and copies of the last run's reports to the site
    as generated files."""
    from mkdocs.structure.files import File  # pylint: disable=import-outside-toplevel

    root = project_root(config)
    files.append(File.generated(config, DAG_FILE, content=dag_svg(project_stages(root))))
    for path in report_files(root)[0]:
        files.append(File.generated(config, path, content=(root / path).read_bytes()))
    return files


def on_page_markdown(markdown: str, config: Any, **_: Any) -> str:
    """Put the stages of the current ``dvc.yaml``, the links to the last run's reports and the
    README's sections in place of their markers."""
    root = project_root(config)
    if MARKER in markdown:
        stages = project_stages(root)
        markdown = markdown.replace(MARKER, stages_markdown(stages, root))
    if REPORTS_MARKER in markdown:
        markdown = markdown.replace(REPORTS_MARKER, reports_markdown(*report_files(root)))
    if README_MARKER.search(markdown):
        readme = (root / "README.md").read_text(encoding="utf-8")
        markdown = README_MARKER.sub(lambda match: readme_section(readme, match[1]), markdown)
    return markdown
