"""The documentation site builds strictly with no network, loads nothing from outside, and its
pipeline page follows dvc.yaml; its Reports page links the last run's reports and plots and names
those a run has not written yet; the README's stage table names the same stages; every shell block
says why the tests do not run it (the Python blocks run through the root conftest.py)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.runs import ROOT, declared_outputs

# Attributes through which a page would load something (a link to another page is fine).
LOADING = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "link": ("href",),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "use": ("href", "xlink:href"),
}
OUTSIDE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
SHELL_MARKER = re.compile(r"^<!-- shell, not run by this project's tests: \S.* -->$")
# What the site is built from, for builds in a copy of the project.
SITE_SOURCES = ("mkdocs.yml", "docs", "README.md", "dvc.yaml", "params.yaml", "src")


def load_hooks():
    """docs/hooks.py as a module (MkDocs loads it by path, so it is not a package module)."""
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Loads(HTMLParser):
    """Collects every URL a page would load, with its tag."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and name in LOADING.get(tag, ()):
                self.found += [(tag, url.split()[0]) for url in value.split(",") if url.strip()]
            if value and name == "style" and "url(" in value:
                self.found.append((tag, value))


def build(project: Path, out: Path) -> Path:
    """Build ``project``'s site into ``out`` with ``--strict``, every proxy pointing at a port
    where nothing listens."""
    dead = "http://127.0.0.1:9"
    env = dict(os.environ, HTTP_PROXY=dead, HTTPS_PROXY=dead, ALL_PROXY=dead, NO_PROXY="")
    env.update(http_proxy=dead, https_proxy=dead, all_proxy=dead, no_proxy="")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module", name="site")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's site, built strictly and offline."""
    return build(ROOT, tmp_path_factory.mktemp("site"))


def site_sources(destination: Path) -> Path:
    """A copy of what the site is built from, without any run's outputs."""
    destination.mkdir(parents=True)
    for name in SITE_SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, destination / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, destination / name)
    return destination


def test_the_site_builds_strictly_offline_with_every_page(site):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = [next(iter(entry.values())) for entry in config["nav"]]
    for page in pages:
        assert (site / page.replace(".md", ".html")).is_file(), page
    assert config["theme"]["font"] is False  # no Google Fonts
    index = site / "search" / "search_index.json"
    assert index.is_file() and "Data contracts" in index.read_text(encoding="utf-8")


def test_no_built_page_loads_anything_from_outside(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 9
    for page in pages:
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        copied = page.relative_to(site).parts[0] == "reports"  # a run's report, styles inline
        assert parser.found or copied, page  # every site page loads its local styles and scripts
        outside = [item for item in parser.found if OUTSIDE.match(item[1]) or "url(http" in item[1]]
        assert not outside, (page.name, outside)
    for sheet in [*site.rglob("*.css"), *site.rglob("*.js")]:
        text = sheet.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), sheet
        assert "@import" not in text or not re.search(r"@import\s+['\"]?(url\()?https?:", text)


def test_the_api_reference_documents_every_module(site):
    package = "{{ cookiecutter.package_name }}"
    source = ROOT / "src" / package
    modules = {
        ".".join((package, *path.relative_to(source).with_suffix("").parts))
        for path in source.rglob("*.py")
        if path.name != "__main__.py"
    }
    modules = {name.removesuffix(".__init__") for name in modules}
    listed = set(
        re.findall(r"^::: (\S+)$", (ROOT / "docs" / "reference.md").read_text(), re.MULTILINE)
    )
    assert listed == modules - {package}
    reference = (site / "reference.html").read_text(encoding="utf-8")
    for module in listed:
        assert f'id="{module}"' in reference, module


def stage_headings(html: str) -> list[str]:
    """The stage names of the pipeline page's sections, in order."""
    return re.findall(r"<h2 id=\"[^\"]*\"><code>([^<]+)</code>", html)


def test_the_pipeline_page_lists_exactly_the_stages_of_dvc_yaml(site):
    hooks = load_hooks()
    stages = list(hooks.project_stages(ROOT))
    assert "validate@raw" in stages and "validate@features" in stages
    page = (site / "pipeline.html").read_text(encoding="utf-8")
    assert stage_headings(page) == stages
    assert 'src="pipeline.svg"' in page
    drawn = (site / "pipeline.svg").read_text(encoding="utf-8")
    for stage in stages:
        assert re.search(rf">{re.escape(stage)}( \(gate\))?</text>", drawn), stage


def test_the_generator_follows_a_changed_dvc_yaml(tmp_path):
    hooks = load_hooks()
    pipeline = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
    del pipeline["stages"]["card"]
    pipeline["stages"]["explain"] = {
        "cmd": "python -m example explain",
        "deps": ["models/model.skops", "data/split/split.csv"],
        "params": ["seed", {"explain.yaml": ["depth"]}],
        "outs": [{"reports/explain.json": {"cache": False}}],
    }
    pipeline["stages"]["validate"]["foreach"]["extra"] = "data/extra.csv"
    params = hooks.top_level(ROOT)
    stages = hooks.read_stages(yaml.safe_dump(pipeline, sort_keys=False), params)
    assert "card" not in stages and "validate@extra" in stages
    assert stages["validate@extra"]["cmd"].endswith("validate extra")
    text = hooks.stages_markdown(stages, tmp_path)
    assert re.findall(r"^## `([^`]+)`$", text, re.MULTILINE) == list(stages)
    section = text[text.index("## `explain`") :]
    assert "- **Runs after:** `split`, `train`" in section
    assert "- **Params:** `seed`, `explain.yaml:depth`" in section
    assert "- **Writes:** `reports/explain.json`" in section
    assert ("train", "explain") in hooks.edges(stages)
    drawing = hooks.dag_svg(stages)
    assert b"explain" in drawing and b"validate@extra" in drawing
    assert drawing == hooks.dag_svg(stages)  # stable bytes: the site changes only with dvc.yaml
    pipeline["stages"]["validate"]["do"]["cmd"] = "python -m example validate ${unknown}"
    with pytest.raises(ValueError, match="not a foreach key or item"):
        hooks.read_stages(yaml.safe_dump(pipeline), params)


def test_a_missing_readme_section_fails_the_build_instead_of_an_empty_page():
    hooks = load_hooks()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "poetry run dvc repro" in hooks.readme_section(readme, "Quick start")
    with pytest.raises(ValueError, match="no section '## Gone'"):
        hooks.readme_section(readme, "Gone")
    badge = "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/x)"
    assert (
        hooks.readme_section(f"## A\n{badge}\n## B\n", "A") == "[Binder](https://mybinder.org/v2/x)"
    )


def test_the_readme_stage_table_names_the_stages_of_dvc_yaml():
    hooks = load_hooks()
    stages = list(hooks.project_stages(ROOT))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| Stage | Module |") :].split("\n\n")[0]
    assert sorted(re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE)) == sorted(stages)


def test_every_shell_block_says_why_the_tests_do_not_run_it():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = 0
    for page in pages:
        lines = page.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if re.fullmatch(r"```(bash|sh|shell|console)", line):
                blocks += 1
                assert number and SHELL_MARKER.match(lines[number - 1]), f"{page.name}:{number + 1}"
    assert blocks >= 8  # eleven in the README when a remote is set, twelve without


def report_links(page: str) -> list[str]:
    """The report files the Reports page links to, in order."""
    return re.findall(r'<a href="(reports/[^"]+)"', page)


def test_before_a_run_the_reports_page_builds_and_names_what_is_not_there_yet(tmp_path):
    project = site_sources(tmp_path / "project")
    site = build(project, tmp_path / "site")
    page = (site / "reports.html").read_text(encoding="utf-8")
    assert report_links(page) == [] and not (site / "reports").exists()
    missing = page[page.index("Not there yet") :]
    pages = [path for path in declared_outputs(project) if path.suffix == ".html"]
    assert len(pages) >= 3
    for path in [*pages, project / "reports" / "figures"]:
        assert f"<code>{path.relative_to(project).as_posix()}" in missing, path


@pytest.mark.pipeline
@pytest.mark.xdist_group("pipeline")
def test_after_a_run_the_reports_page_links_every_report_and_plot(pipeline_run, tmp_path):
    project = site_sources(tmp_path / "project")
    shutil.copytree(pipeline_run.root / "reports", project / "reports")
    site = build(project, tmp_path / "site")
    page = (site / "reports.html").read_text(encoding="utf-8")
    pages = [path for path in declared_outputs(project) if path.suffix == ".html"]
    plots = sorted(pipeline_run.figures.glob("*.svg"))
    assert len(plots) >= 3 and "Not there yet" not in page
    wanted = [path.relative_to(project).as_posix() for path in pages]
    wanted += [path.relative_to(pipeline_run.root).as_posix() for path in plots]
    assert report_links(page) == wanted
    for name in wanted:
        assert (site / name).read_bytes() == (pipeline_run.root / name).read_bytes(), name
    for plot in wanted[len(pages) :]:
        assert f'<img alt="{plot}" src="{plot}" />' in page
    gate = (site / "reports" / "validation" / "raw.html").read_text(encoding="utf-8")
    assert "<h2>Column <code>" in gate
