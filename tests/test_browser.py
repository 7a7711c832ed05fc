"""The browser audit can fail: a tiny site with one fault per page (a script from outside, a fetch
at run time, a missing local image, a console error) is reported page by page, and a clean page
reports nothing. This stands in for a fault patch of the sites and reports the other tests open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tasks
from tests import browser as browser_support
from tests.conftest import require_browser

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
    '<rect width="8" height="8"/></svg>'
)
# One page per fault, and a clean page with a local image, style and script that all exist.
PAGES = {
    "clean.html": '<img src="dot.svg" alt=""><link rel="stylesheet" href="style.css">'
    '<script src="ok.js"></script>',
    "outside.html": '<script src="https://cdn.example.com/lib.js"></script>',
    "fetch.html": "<script>fetch('http://fonts.example.org/font.css').catch(() => {});</script>",
    "missing.html": '<img src="images/gone.png" alt="">',
    "console.html": "<script>console.error('broken on purpose');</script>",
}


def page(body: str) -> str:
    """A minimal valid HTML page around ``body``."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page</title></head>'
        f"<body><p>Text.</p>{body}</body></html>\n"
    )


@pytest.fixture(name="site")
def faulty_site(tmp_path: Path) -> Path:
    """A folder with the pages of ``PAGES`` and the local files the clean one loads."""
    for name, body in PAGES.items():
        (tmp_path / name).write_text(page(body), encoding="utf-8")
    (tmp_path / "dot.svg").write_text(SVG, encoding="utf-8")
    (tmp_path / "style.css").write_text("p { color: #333; }\n", encoding="utf-8")
    (tmp_path / "ok.js").write_text("document.title = 'Loaded';\n", encoding="utf-8")
    return tmp_path


def audit_one(browser, site: Path, name: str) -> list[str]:
    """The audit of one page of ``site``, served as a site."""
    with browser_support.serving(site) as base:
        return browser.audit(base + name, base)


def test_a_clean_page_reports_nothing(browser, site):
    assert audit_one(browser, site, "clean.html") == []
    assert browser.driver.title == "Loaded"  # its local script ran


def test_a_script_from_outside_reaches_only_the_dead_proxy_and_is_reported(browser, site):
    before = len(browser.proxy.since(0))
    problems = audit_one(browser, site, "outside.html")
    assert browser.proxy.since(before) and all(
        target == "CONNECT cdn.example.com:443" for target in browser.proxy.since(before)
    )
    assert (
        problems[0].startswith("outside request (") and "CONNECT cdn.example.com:443" in problems[0]
    )
    assert any(
        "failed request" in line and "https://cdn.example.com/lib.js" in line for line in problems
    )


def test_a_fetch_at_run_time_is_caught_though_no_tag_names_it(browser, site):
    problems = audit_one(browser, site, "fetch.html")
    assert any("GET http://fonts.example.org/font.css" in line for line in problems), problems


def test_a_missing_local_image_is_reported_once(browser, site):
    assert audit_one(browser, site, "missing.html") == ["HTTP status 404: images/gone.png"]


def test_a_console_error_is_reported(browser, site):
    (problem,) = audit_one(browser, site, "console.html")
    assert problem.startswith("console error: ") and "broken on purpose" in problem


def test_a_whole_folder_is_audited_page_by_page_with_each_fault_named(browser, site):
    problems = browser_support.audit_site(site, browser)
    pages = {line.split(":", 1)[0] for line in problems}
    assert pages == set(PAGES) - {"clean.html"}, problems
    assert sum(line.startswith("missing.html:") for line in problems) == 1


def test_a_folder_without_pages_is_itself_a_problem(tmp_path):
    assert browser_support.audit_site(tmp_path) == [f"{tmp_path}: no HTML pages"]


def test_the_system_browser_runs_with_its_profile_under_the_cache_folder(browser):
    _, driver = browser_support.find_browser()
    assert browser.driver.service.path == driver  # given, so Selenium Manager never runs
    browser.driver.get("chrome://version")
    profile = Path(browser.driver.find_element("id", "profile_path").text)
    assert profile.is_relative_to(tasks.CACHE / "browser"), profile


def test_a_missing_browser_skips_here_but_fails_where_it_is_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv(browser_support.REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium-driver"):
        require_browser()
    monkeypatch.setenv(browser_support.REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match="^error: .*chromium-driver"):
        require_browser()
