"""Fixtures for the template's tests: isolated baking, one locked environment per session, and a
headless browser for the modules that open sites and reports (``tests/browser.py``).

Every tool writes under .cache/ or pytest's temporary folders (``tasks.tool_environment``), never in
the home folder. All variants share one ``poetry.lock``, so the locked environment is installed once
and each baked project adds only itself to it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

import tasks
from tests import browser as browser_support

ROOT = tasks.ROOT
DEFAULTS = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
# The context as cookiecutter builds it without input: the first value of every choice.
DEFAULT_ANSWERS = {
    key: value[0] if isinstance(value, list) and not key.startswith("_") else value
    for key, value in DEFAULTS.items()
}


# The modules that take minutes, longest first (measured on 2 cores; see docs/benchmarks.md). Each
# module runs whole on one worker (--dist loadfile); started longest first, they end close together
# instead of one long module starting last while the other worker idles. The rest follow.
HEAVIEST_FIRST = [
    "test_workflows.py",
    "test_spark_engine.py",
    "test_quickstart.py",
    "test_own_data.py",
    "test_faults.py",
    "test_generated.py",
    "test_devcontainer.py",
    "test_relock.py",
    "test_tasks.py",
    "test_remote.py",
    "test_update.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order modules longest first (pyproject.toml's --no-loadscope-reorder keeps this order)."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVIEST_FIRST.index(name) if name in HEAVIEST_FIRST else len(HEAVIEST_FIRST)

    items.sort(key=rank)  # stable: tests keep their order within a module


def pytest_configure(config: pytest.Config) -> None:  # pylint: disable=unused-argument
    """Route every tool's cache and config away from HOME before any test runs."""
    os.environ.update(tasks.tool_environment())


@pytest.fixture(scope="session")
def bake(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Bake the template with the given answers (defaults otherwise); return the project folder."""

    def _bake(output: Path | None = None, **answers: str) -> Path:
        output = output or tmp_path_factory.mktemp("bake")
        return Path(
            cookiecutter(
                str(ROOT),
                no_input=True,
                extra_context=answers,
                output_dir=str(output),
                config_file=os.environ["COOKIECUTTER_CONFIG"],
            )
        )

    return _bake


def run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None):
    """Run a command, capturing output; the caller asserts on the result."""
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def interpreter(version: str) -> Path | None:
    """A working Python ``version`` (3.x): on PATH, through the Windows launcher, or installed by
    pyenv."""
    candidates = [shutil.which(f"python{version}")]
    launcher = shutil.which("py")  # Windows: `py -3.12` runs an installed 3.12
    if launcher:
        where = [launcher, f"-{version}", "-c", "import sys; print(sys.executable)"]
        found = subprocess.run(where, capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        versions = Path(root.stdout.strip()) / "versions"
        candidates += sorted(versions.glob(f"{version}.*/bin/python{version}"), reverse=True)
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in filter(None, candidates):
        answer = subprocess.run(
            [candidate, "-c", probe], capture_output=True, text=True, check=False
        )
        if answer.returncode == 0 and answer.stdout.strip() == version:
            return Path(candidate)
    return None


class LockedEnvironment:
    """A virtual environment holding the template's locked dependencies.

    Its Python caches the bytecode of what the tests import as they import it: the lock holds far
    more than they ever import, and compiling all of it up front (``--compile``) cost a minute of
    CPU per worker. So a ``PYTHONDONTWRITEBYTECODE`` of the caller's does not reach it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.python = tasks.venv_executable(path, "python")
        self.env = dict(
            os.environ,
            VIRTUAL_ENV=str(path),
            PATH=os.pathsep.join([str(self.python.parent), os.environ["PATH"]]),
        )
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def poetry(self, project: Path, *args: str):
        """Run Poetry in ``project`` against this environment."""
        return run([tasks.venv_executable(tasks.VENV, "poetry"), *args], project, self.env)

    def install(self, project: Path) -> None:
        """Add ``project`` itself (an editable install) to the environment."""
        result = self.poetry(project, "install", "--only-root")
        package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
        check = run([self.python, "-c", f"import {package}"], project, self.env)
        assert check.returncode == 0, result.stdout + result.stderr + check.stderr

    def __call__(self, project: Path, *command: str, path: list[Path] | None = None, **env: str):
        """Run ``python -m <command>`` in ``project`` with this environment, ``path`` folders
        first on PATH and ``env`` added."""
        environment = dict(self.env, **env)
        if path:
            environment["PATH"] = os.pathsep.join([*map(str, path), environment["PATH"]])
        return run([self.python, "-m", *command], project, environment)


@pytest.fixture(scope="session")
def locked_env(tmp_path_factory: pytest.TempPathFactory, bake) -> LockedEnvironment:
    """Install the locked dependencies (main and dev) once for the whole session."""
    path = tmp_path_factory.mktemp("locked") / "venv"
    created = run([sys.executable, "-m", "venv", path], ROOT)
    assert created.returncode == 0, created.stderr
    env = LockedEnvironment(path)
    result = env.poetry(bake(), "install", "--no-root")
    assert result.returncode == 0, result.stdout + result.stderr
    return env


def require_browser() -> None:
    """Skip the calling test, saying why, when Chromium or chromedriver is missing; fail it
    instead where the browser is required (.ci/run sets REQUIRE_BROWSER=1): a developer's machine
    may lack the system packages, CI must not quietly skip what it is there to run."""
    if browser_support.find_browser() is not None:
        return
    if os.environ.get(browser_support.REQUIRE_VARIABLE):
        pytest.fail(f"error: {browser_support.MISSING}", pytrace=False)
    pytest.skip(browser_support.MISSING)


@pytest.fixture(scope="module")
def browser() -> Iterator[browser_support.Browser]:
    """One headless Chromium for the module, its profile under .cache/browser/."""
    require_browser()
    with browser_support.open_browser() as opened:
        yield opened
