"""MkDocs hook for the template's own site: the options table is written from cookiecutter.json.

``mkdocs.yml`` loads this file (``hooks:``). On the page that holds :data:`OPTIONS_MARKER`, the
marker becomes a table of every option (name, prompt, default, choices) read from
``cookiecutter.json`` and its ``__prompts__`` at each build, so the table cannot drift; an option
without its own ``## `name` `` section on that page, or a section for an option that no longer
exists, is a warning, which fails the build (``strict: true``). ``<!-- README: Title -->`` stands
for the body of the root README's ``## Title`` section, so the site shows it without a copy
(its ``docs/<page>`` links pointing at the page beside it).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

OPTIONS_MARKER = "<!-- options from cookiecutter.json -->"
README_MARKER = re.compile(r"^<!-- README: (.+?) -->$", re.MULTILINE)
SECTION = re.compile(r"^## `([^`]+)`$", re.MULTILINE)
LOG = logging.getLogger("mkdocs.hooks.options")


def options(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Every question cookiecutter asks, in order: name, prompt, default and choices (a list of
    ``(value, label)``, empty for free text)."""
    prompts = context.get("__prompts__", {})
    found = []
    for name, value in context.items():
        if name.startswith("_"):
            continue
        prompt = prompts.get(name, "")
        labels = prompt if isinstance(prompt, dict) else {}
        values = value if isinstance(value, list) else []
        choices = [(str(item), str(labels.get(item, item))) for item in values]
        found.append(
            {
                "name": name,
                "prompt": labels.get("__prompt__", "") if labels else prompt,
                "default": choices[0][0] if choices else value,
                "choices": choices,
            }
        )
    return found


def cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: str) -> str:
    """Inline code, or "(empty)"; a pipe inside a code span does not end a table cell."""
    return f"`{text}`" if text else "(empty)"


def options_table(found: list[dict[str, Any]]) -> str:
    """The Markdown table of :func:`options`, each name linking to its section."""
    rows = ["| Option | Prompt | Default | Choices |", "| --- | --- | --- | --- |"]
    for option in found:
        if option["choices"]:
            choices = "; ".join(
                f"`{value}`" + ("" if label == value else f": {cell(label)}")
                for value, label in option["choices"]
            )
        else:
            choices = "free text"
        default = option["default"]
        shown = f"derived: {code(default)}" if "{{" in default else code(default)
        rows.append(
            f"| [`{option['name']}`](#{option['name']}) | {cell(option['prompt'])} "
            f"| {shown} | {choices} |"
        )
    return "\n".join(rows)


def undocumented(found: list[dict[str, Any]], page: str) -> tuple[list[str], list[str]]:
    """Options without a ``## `name` `` section on ``page``, and sections naming no option."""
    names = [option["name"] for option in found]
    sections = SECTION.findall(page)
    return [n for n in names if n not in sections], [s for s in sections if s not in names]


def readme_section(readme: str, title: str) -> str:
    """The body of the README's ``## title`` section (up to the next heading of level 1 or 2)."""
    lines = readme.splitlines()
    heading = f"## {title}"
    if heading not in lines:
        raise ValueError(f"README.md has no section {heading!r}, which the docs include")
    start = end = lines.index(heading) + 1
    fenced = False
    while end < len(lines) and (fenced or not re.match(r"#{1,2} ", lines[end])):
        fenced ^= lines[end].startswith("```")
        end += 1
    # The README links pages of this site as docs/<page>; on the site they sit side by side.
    return "\n".join(lines[start:end]).strip().replace("](docs/", "](")


def root_of(config: Any) -> Path:
    """The template's folder: the one holding ``mkdocs.yml``."""
    return Path(config["config_file_path"]).resolve().parent


def on_page_markdown(markdown: str, config: Any, **_: Any) -> str:
    """Put the options table and the README's sections in place of their markers."""
    root = root_of(config)
    if OPTIONS_MARKER in markdown:
        context = json.loads((root / "cookiecutter.json").read_text(encoding="utf-8"))
        found = options(context)
        missing, stale = undocumented(found, markdown)
        for name in missing:
            LOG.warning("option %s of cookiecutter.json has no '## `%s`' section", name, name)
        for name in stale:
            LOG.warning("section '## `%s`' names no option of cookiecutter.json", name)
        markdown = markdown.replace(OPTIONS_MARKER, options_table(found))
    if README_MARKER.search(markdown):
        readme = (root / "README.md").read_text(encoding="utf-8")
        markdown = README_MARKER.sub(lambda match: readme_section(readme, match[1]), markdown)
    return markdown
