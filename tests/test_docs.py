"""The template's own site (root mkdocs.yml and docs/): `python tasks.py docs` builds it strictly
with every proxy pointing nowhere, and no page loads anything from outside; every option of
cookiecutter.json has its row (written at build time) and its own section, and an undocumented one
fails the build; every path the design page names exists in a default bake, the template or the
outputs dvc.yaml declares; Python blocks run (Sybil); each shell block says why it does not; the
docs tools are pinned at the versions the generated project's poetry.lock holds; and every page,
opened in headless Chromium, makes no outside request, no failed request and no console error."""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

import tasks
from tests import browser as browser_support
from tests.conftest import ROOT, run

DOCS = ROOT / "docs"
DEAD = "http://127.0.0.1:9"  # a port where nothing listens
SHELL_MARKER = re.compile(r"^<!-- shell, not run by the template's docs tests: \S.* -->$")
LOADING = {"script": "src", "img": "src", "link": "href", "iframe": "src", "source": "src"}
OUTSIDE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
FILE_SUFFIXES = (".py", ".json", ".yaml", ".yml", ".toml", ".lock", ".md", ".csv", ".txt")
FILE_NAMES = {"Makefile", "Dockerfile", "LICENSE", "postBuild"}
DOCS_TOOLS = {"mkdocs", "mkdocs-material", "pymdown-extensions", "sybil"}
SYBIL = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()], patterns=["*.md"], path="../docs")


def load_hooks():
    """docs/hooks.py as a module (MkDocs loads it by path, so it is not a package module)."""
    spec = importlib.util.spec_from_file_location("template_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(folder: Path, site: Path, *command: str | Path):
    """Run a site build in ``folder`` into ``site`` with every proxy pointing at a dead port."""
    env = dict(os.environ, HTTP_PROXY=DEAD, HTTPS_PROXY=DEAD, ALL_PROXY=DEAD, NO_PROXY="")
    env.update(http_proxy=DEAD, https_proxy=DEAD, all_proxy=DEAD, no_proxy="")
    return run([*command, "--site-dir", site], folder, env)


@pytest.fixture(scope="module", name="site")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `python tasks.py docs` builds it (CI's command), into a temporary folder."""
    site = tmp_path_factory.mktemp("site")
    result = build(ROOT, site, sys.executable, "tasks.py", "docs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mkdocs build --strict" in result.stdout
    return site


class Loads(HTMLParser):
    """Collects every URL a page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if value and LOADING.get(tag) == name]
        self.found += [value for name, value in attrs if name == "style" and "url(" in str(value)]


def test_the_site_builds_strictly_offline_with_every_page(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = [next(iter(entry.values())) for entry in config["nav"]]
    assert sorted(pages) == sorted(path.name for path in DOCS.glob("*.md"))
    for page in pages:
        assert (site / page.replace(".md", ".html")).is_file(), page
    assert config["theme"]["font"] is False and config["use_directory_urls"] is False
    assert config["strict"] is True and config["site_dir"].startswith("build/")
    assert "Options" in (site / "search" / "search_index.json").read_text(encoding="utf-8")
    # The README section included on the home page, its docs/ link pointing beside it.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "A DVC pipeline of atomic stages" in home and 'href="repo-review.html"' in home


def test_no_built_page_loads_anything_from_outside(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found, page  # every page loads its local styles and scripts
        assert not [url for url in parser.found if OUTSIDE.match(url) or "url(http" in url], page
    for sheet in [*site.rglob("*.css"), *site.rglob("*.js")]:
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", sheet.read_text(encoding="utf-8"))


def test_every_page_opens_in_a_browser_with_nothing_from_outside(site, browser):
    problems = browser_support.audit_site(site, browser)
    assert not problems, "\n".join(problems)
    assert browser.proxy.since(0) == []


def test_the_options_table_shows_every_option_with_prompt_default_and_choices(site):
    context = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    page = (site / "options.html").read_text(encoding="utf-8")
    table = page[page.index("<table>") : page.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    names = [re.search(r"<code>(\w+)</code>", row)[1] for row in rows]
    assert names == [name for name in context if not name.startswith("_")]
    for name, row in zip(names, rows):
        prompt = context["__prompts__"][name]
        prompt = prompt["__prompt__"] if isinstance(prompt, dict) else prompt
        assert html.escape(prompt, quote=False) in row, name
        values = context[name] if isinstance(context[name], list) else []
        assert all(f"<code>{value}</code>" in row for value in values), name
        assert f'id="{name}"' in page, name  # its own section, which the row links to
    assert "derived: <code>{{ cookiecutter.project_name | slugify" in table


def test_every_option_has_a_section_and_every_section_an_option():
    hooks = load_hooks()
    context = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    page = (DOCS / "options.md").read_text(encoding="utf-8")
    found = hooks.options(context)
    assert len(found) == 11 and hooks.undocumented(found, page) == ([], [])
    without_license = page.replace("## `license`\n", "## License\n")
    assert hooks.undocumented(found, without_license) == (["license"], [])
    assert hooks.undocumented(found, page + "\n## `gone`\n") == ([], ["gone"])


def test_an_undocumented_option_fails_the_strict_build(tmp_path):
    copy = tmp_path / "template"
    shutil.copytree(DOCS, copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    context = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    context["use_gpu"] = ["no", "yes"]
    (copy / "cookiecutter.json").write_text(json.dumps(context), encoding="utf-8")
    mkdocs = tasks.venv_executable(tasks.VENV, "mkdocs")
    result = build(copy, tmp_path / "site", mkdocs, "build", "--strict")
    assert result.returncode != 0
    assert "option use_gpu of cookiecutter.json has no '## `use_gpu`' section" in result.stderr


def test_a_missing_readme_section_stops_the_build_instead_of_an_empty_page():
    hooks = load_hooks()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 tasks.py demo" in hooks.readme_section(
        readme, "Two commands on a fresh machine"
    )
    with pytest.raises(ValueError, match="no section '## Gone'"):
        hooks.readme_section(readme, "Gone")


def named_paths(text: str) -> set[str]:
    """Code spans of a page that name a file or folder (no spaces; a slash, a known suffix, a
    leading dot or a known file name)."""
    spans = set(re.findall(r"`([^`\s]+)`", text))
    return {
        span
        for span in spans
        if (
            "/" in span
            or span.endswith(FILE_SUFFIXES)
            or span.startswith(".")
            or span in FILE_NAMES
        )
        and "://" not in span
    }


def declared_outputs(project: Path) -> set[str]:
    """Every output, metric and plot path of the project's dvc.yaml (stages without ``foreach``),
    tables named as the project's params.yaml names them."""
    tables = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["tables"]
    text = (project / "dvc.yaml").read_text(encoding="utf-8").replace("${tables}", tables)
    pipeline = yaml.safe_load(text)
    entries = [out for stage in pipeline["stages"].values() for out in stage.get("outs", [])]
    entries += pipeline.get("metrics", []) + pipeline.get("plots", [])
    return {entry if isinstance(entry, str) else next(iter(entry)) for entry in entries}


def missing_paths(text: str, project: Path) -> list[str]:
    """Paths named in ``text`` that the project, the template and dvc.yaml's outputs all lack."""
    outputs = declared_outputs(project)
    missing = []
    for named in sorted(named_paths(text)):
        path = named.replace("<package>", package_of(project))
        kind = Path.is_dir if path.endswith("/") else Path.exists
        if not (kind(project / path) or kind(ROOT / path) or path in outputs):
            missing.append(named)
    return missing


def package_of(project: Path) -> str:
    """The package name a project was baked with."""
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))["package_name"]


def test_every_path_on_the_design_page_exists(bake):
    project = bake()
    text = (DOCS / "design.md").read_text(encoding="utf-8")
    assert len(named_paths(text)) >= 40
    assert missing_paths(text, project) == []


def test_the_path_check_reports_a_path_nothing_holds(bake):
    project = bake()
    text = "`src/<package>/stages/split.py`, `reports/metrics.json`, `src/<package>/stages/gone.py`"
    assert missing_paths(text, project) == ["src/<package>/stages/gone.py"]
    assert missing_paths("`tests/faults.py` `tests/` `Makefile/`", project) == ["Makefile/"]


PYTHON_PAGES = sorted(path.name for path in DOCS.glob("*.md") if "```python" in path.read_text())


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_the_python_blocks_of_a_page_run(page, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # the blocks bake "." : the template's folder
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # their mkdtemp() folders land here
    examples = list(SYBIL.parse(DOCS / page))
    assert examples, page
    for example in examples:
        example.evaluate()


def test_the_python_blocks_are_found():
    assert "options.md" in PYTHON_PAGES
    assert len(list(SYBIL.parse(DOCS / "options.md"))) == 2


def test_every_shell_block_says_why_the_docs_tests_do_not_run_it():
    blocks = 0
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if re.fullmatch(r"```(bash|sh|shell|console)", line):
                blocks += 1
                where = f"{page.name}:{number + 1}"
                assert number and SHELL_MARKER.match(lines[number - 1]), where
    assert blocks >= 5


def test_the_docs_tools_are_pinned_at_the_versions_the_project_lock_holds():
    lock = tomllib.loads((tasks.PROJECT_TEMPLATE / "poetry.lock").read_text(encoding="utf-8"))
    locked = {
        (package["name"], package["version"], package.get("markers"))
        for package in lock["package"]
        if package["name"] in DOCS_TOOLS
    }
    pinned = set()
    for line in tasks.REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        if name.lower() in DOCS_TOOLS:
            pinned.add((name.lower(), version, marker.strip() or None))
    assert {name for name, _, _ in locked} == DOCS_TOOLS
    assert pinned == locked
