"""Open built sites and reports in a real headless browser, and say what went wrong on each page.

The generated project promises a documentation site and gate reports that open offline: nothing is
loaded from outside, nothing is missing and no script fails. Parsing the HTML (as the generated
``tests/test_docs.py`` does) catches a ``<script src="https://...">`` but not a script that fetches
at run time, a stylesheet that imports a font, a missing local file or a console error. So the
tests load every page in the system's Chromium, driven by its own chromedriver (browser downloaders
that fetch their own builds cannot work where the tests run), and report per page:

- every outside request: Chromium sends all of them to a dead proxy on the loopback interface that
  records and counts them and answers nothing (loopback itself, where the pages are served from, is
  never proxied: Chromium bypasses the proxy for it unless told ``<-loopback>``);
- every failed request and every HTTP status of 400 or more, from the browser's performance log;
- every console message of level SEVERE (errors, uncaught exceptions).

A fresh Chromium calls home by itself even with background networking off: switches and profile
preferences turn most of it off, and the two calls no switch stops (the Google account list every
profile asks for, the component updater's check) are pointed at a refused loopback port. So the
proxy sees only what pages ask for, and a clean site reports nothing.

The browser profile, its caches and the HOME, XDG folders and TMPDIR of chromedriver and Chromium
are a fresh folder under the repository's ``.cache/browser/``, removed afterwards: nothing lands in
the home folder or the system temp folder. Selenium Manager never runs (the driver's path is given),
so nothing is downloaded either.

``audit_site(folder)`` audits every HTML page of a built site in one call, one browser for all.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import socketserver
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service

import tasks

# Names the system's Chromium goes by (Debian's package installs `chromium`), and its driver.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVER_NAME = "chromedriver"
# Set by .ci/run: there a missing browser fails the browser tests instead of skipping them.
REQUIRE_VARIABLE = "REQUIRE_BROWSER"
MISSING = (
    "the browser tests need the system packages chromium and chromium-driver "
    "(`chromium` and `chromedriver` on PATH); .ci/run installs them when missing"
)
# Quiet time after a page's load event before its network log counts as complete, and the most
# time that waiting may take.
SETTLE_SECONDS = 0.5
SETTLE_LIMIT_SECONDS = 10.0
# The longest a page may take to fire its load event (everything is local; a stuck page is a fault).
PAGE_LOAD_SECONDS = 60
# Chromium features that would phone home even with background networking off.
DISABLED_FEATURES = ",".join(
    (
        "AutofillServerCommunication",
        "CertificateTransparencyComponentUpdater",
        "MediaRouter",
        "NetworkTimeServiceQuerying",
        "OptimizationHints",
        "PreconnectToSearch",
        "Translate",
    )
)
# Profile preferences: no sign-in, no predictive preconnects, and a blank start page (Debian's
# initial preferences open a search engine's start page otherwise).
PREFERENCES = {
    "signin.allowed": False,
    "signin.allowed_on_next_startup": False,
    "net.network_prediction_options": 2,
    "search.suggest_enabled": False,
    "homepage": "about:blank",
    "homepage_is_newtabpage": False,
    "session.restore_on_startup": 4,
    "session.startup_urls": ["about:blank"],
}


def find_browser() -> tuple[str, str] | None:
    """Paths of the system's Chromium and chromedriver, found on PATH, or None if either is
    missing."""
    browser = next(filter(None, map(shutil.which, BROWSER_NAMES)), None)
    driver = shutil.which(DRIVER_NAME)
    return (browser, driver) if browser and driver else None


class DeadProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on 127.0.0.1 that records each request's target (a ``CONNECT host:port`` or
    an absolute URL) and closes the connection without answering."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def record(self, target: str) -> None:
        """Count one outside request."""
        with self.lock:
            self.requests.append(target)

    def since(self, start: int) -> list[str]:
        """The targets recorded after the first ``start`` ones."""
        with self.lock:
            return self.requests[start:]


class ProxyHandler(socketserver.StreamRequestHandler):
    """Read the request line, record its target, answer nothing."""

    timeout = 5

    def handle(self) -> None:
        try:
            line = self.rfile.readline(8192).decode("latin-1").split()
        except OSError:
            line = []
        target = " ".join(line[:2]) if len(line) >= 2 else "(no request line)"
        self.server.record(target)  # type: ignore[attr-defined]


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a folder's files quietly. A browser asks every server for ``/favicon.ico`` by itself
    when a page names no icon (a standalone report names none); if the folder has no such file,
    that request is answered "204 No Content" rather than 404, since no page asked for it."""

    def do_GET(self) -> None:
        """Serve the file, or nothing for the browser's own favicon request."""
        if self.path == "/favicon.ico" and not Path(self.directory, "favicon.ico").is_file():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # pylint: disable=redefined-builtin
        """Say nothing: the browser's logs report what matters."""


@contextmanager
def running(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    """Serve in a thread for the length of the block, then stop and close the server."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A static HTTP server for ``folder`` on 127.0.0.1; yields its base URL (ending in /)."""
    handler = functools.partial(SiteHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with running(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/"


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port held bound but not listening, so connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def browser_environment(home: Path) -> dict[str, str]:
    """The environment of chromedriver and Chromium: every home, config, cache and temp folder
    inside ``home``."""
    folders = {
        name: home / name.lower()
        for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "TMPDIR")
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **{name: str(folder) for name, folder in folders.items()})
    env.update(TEMP=env["TMPDIR"], TMP=env["TMPDIR"])
    return env


def chromium_options(binary: str, home: Path, proxy: int, closed: int) -> webdriver.ChromeOptions:
    """Headless Chromium with its profile under ``home``, every outside request sent to the dead
    proxy on port ``proxy``, no background traffic, and console and network logs kept."""
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    nowhere = f"http://127.0.0.1:{closed}"
    arguments = [
        "--headless=new",
        f"--user-data-dir={home / 'profile'}",
        f"--disk-cache-dir={home / 'disk-cache'}",
        # Loopback (the pages) bypasses the proxy implicitly; everything else goes to it.
        f"--proxy-server=http://127.0.0.1:{proxy}",
        # The browser's own calls that no switch turns off (the Google account list of every
        # profile, the component updater's check) go to a refused loopback port instead of the
        # proxy, which so counts only what pages ask for.
        f"--gaia-url={nowhere}",
        f"--component-updater=url-source={nowhere}",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-breakpad",
        "--disable-crash-reporter",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        f"--disable-features={DISABLED_FEATURES}",
        "--no-pings",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--disable-gpu",
        "--window-size=1280,900",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        arguments.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    for argument in arguments:
        options.add_argument(argument)
    options.add_experimental_option("prefs", PREFERENCES)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # Selenium talks to chromedriver on loopback directly, whatever HTTP_PROXY says. The option is
    # deprecated for a client config that webdriver.Chrome does not take yet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        options.ignore_local_proxy_environment_variables()
    return options


def network_failures(entries: Iterable[dict]) -> dict[str, str]:
    """Failed requests and HTTP errors in performance-log entries: URL -> what went wrong."""
    events = [json.loads(entry["message"])["message"] for entry in entries]
    urls = {
        event["params"]["requestId"]: event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
    }
    failures = {}
    for event in events:
        params = event.get("params", {})
        if event["method"] == "Network.responseReceived" and params["response"]["status"] >= 400:
            failures[params["response"]["url"]] = f"HTTP status {params['response']['status']}"
        elif event["method"] == "Network.loadingFailed" and not params.get("canceled"):
            url = urls.get(params["requestId"], f"(request {params['requestId']})")
            reason = params.get("blockedReason") or params.get("errorText", "")
            failures[url] = f"failed request ({reason})"
    return failures


def console_problems(entries: Iterable[dict], failures: dict[str, str]) -> list[str]:
    """Console messages of level SEVERE, one line each, except the browser's "Failed to load
    resource" for a URL the network log already reported."""
    return [
        f"console error: {entry['message']}"
        for entry in entries
        if entry["level"] == "SEVERE"
        and not (entry.get("source") == "network" and entry["message"].split(" ")[0] in failures)
    ]


def outside_problems(targets: list[str]) -> list[str]:
    """The dead proxy's records, one line per target with its count."""
    return [
        f"outside request ({count}x): {target}"
        for target, count in sorted(Counter(targets).items())
    ]


class Browser:
    """One headless Chromium with its dead proxy; ``audit`` loads pages and reports problems."""

    def __init__(self, paths: tuple[str, str], home: Path) -> None:
        binary, driver = paths
        self.proxy = DeadProxy()
        self._stack = ExitStack()
        self._counted = 0  # proxy records already reported
        try:
            self._stack.enter_context(running(self.proxy))
            closed = self._stack.enter_context(closed_port())
            service = Service(executable_path=driver, env=browser_environment(home))
            options = chromium_options(binary, home, self.proxy.server_address[1], closed)
            self.driver = webdriver.Chrome(service=service, options=options)
        except BaseException:
            self._stack.close()
            raise
        self._stack.callback(self.driver.quit)  # runs first: the browser goes before the proxy
        self.driver.set_page_load_timeout(PAGE_LOAD_SECONDS)

    def close(self) -> None:
        """Quit the browser and its driver, then stop the proxy."""
        self._stack.close()

    def outside_requests(self) -> list[str]:
        """Lines for the proxy's records not reported yet (background requests between pages
        are reported with the next page)."""
        targets = self.proxy.since(self._counted)
        self._counted += len(targets)
        return outside_problems(targets)

    def _settled_log(self) -> list[dict]:
        """The performance log once no new entry has come for ``SETTLE_SECONDS``."""
        entries: list[dict] = []
        quiet_since = time.monotonic()
        deadline = quiet_since + SETTLE_LIMIT_SECONDS
        while time.monotonic() < deadline:
            new = self.driver.get_log("performance")
            entries += new
            now = time.monotonic()
            if new:
                quiet_since = now
            elif now - quiet_since >= SETTLE_SECONDS:
                break
            time.sleep(0.1)
        return entries

    def audit(self, url: str, base: str = "") -> list[str]:
        """Load ``url``, wait for its load event and its network to settle; every problem seen,
        one line each (local URLs shown relative to ``base``)."""
        self.driver.get_log("browser")  # drop what earlier pages left
        self.driver.get_log("performance")
        try:
            self.driver.get(url)
        except TimeoutException:
            stuck = [f"did not finish loading in {PAGE_LOAD_SECONDS} s"]
        else:
            stuck = []
        failures = network_failures(self._settled_log())
        network = [f"{what}: {failed.removeprefix(base)}" for failed, what in failures.items()]
        console = console_problems(self.driver.get_log("browser"), failures)
        return [*stuck, *self.outside_requests(), *network, *console]


@contextmanager
def open_browser() -> Iterator[Browser]:
    """A ``Browser`` with a fresh home under .cache/browser/, removed when the block ends; an
    error naming the packages if Chromium or chromedriver is missing."""
    paths = find_browser()
    if paths is None:
        raise RuntimeError(MISSING)
    (tasks.CACHE / "browser").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        prefix="home-", dir=tasks.CACHE / "browser", ignore_cleanup_errors=True
    ) as home:
        browser = Browser(paths, Path(home))
        try:
            yield browser
        finally:
            browser.close()


def html_pages(folder: Path) -> list[Path]:
    """Every HTML file under ``folder``, sorted."""
    return sorted(folder.rglob("*.html"))


def audit_folder(browser: Browser, folder: Path) -> list[str]:
    """Serve ``folder`` and audit each of its HTML pages; one line per problem, prefixed with the
    page's path in the folder."""
    problems = []
    with serving(folder) as base:
        for page in html_pages(folder):
            name = page.relative_to(folder).as_posix()
            problems += [f"{name}: {line}" for line in browser.audit(base + name, base)]
    return problems


def audit_site(folder: Path, browser: Browser | None = None) -> list[str]:
    """Audit every HTML page of a built site (in ``browser``, or a fresh one); one line per
    problem, none if every page loads cleanly. A folder without pages is itself a problem."""
    if not html_pages(folder):
        return [f"{folder}: no HTML pages"]
    if browser is not None:
        return audit_folder(browser, folder)
    with open_browser() as fresh:
        return audit_folder(fresh, folder)
