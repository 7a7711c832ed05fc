"""Nox sessions: reproduce the pipeline under every supported Python and compare the results.

    nox -s reproduce                          one leg per Python 3.11-3.13 found here, then compare
    nox -s reproduce-3.11 reproduce-3.12      chosen legs (at least two), then compare
    nox -s tests lint                         the test suite per Python, and the pre-commit hooks

Run Nox from this project's environment (`poetry run nox ...`); Poetry must be on PATH.

A leg installs poetry.lock into its own virtualenv, copies the project (a Git repository, without
ignored files, so without DVC's cache and run-cache, plus the data your `.dvc` files track, as
`dvc add` or `python -m <package> pull` left them here) into a temporary folder, runs every stage
there with `python -m <package> reproduce` (every stage from scratch, then the manifest and
compared outputs collected; the command every reproduction leg runs) into
build/reproduce/legs/python-<version>. The `compare` session judges the waiting legs against
tolerance.yaml (the first is the reference), writes report.md and report.json, and moves the legs
to build/reproduce/compared/, so every comparison sees only fresh legs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nox
import yaml

PYTHONS = ["3.11", "3.12", "3.13"]
PACKAGE = "{{ cookiecutter.package_name }}"
ROOT = Path(__file__).resolve().parent
LEGS = ROOT / "build" / "reproduce" / "legs"
COMPARED = ROOT / "build" / "reproduce" / "compared"
# Numerics pinned for every leg (the package pins the same defaults; set here so they are explicit).
PINNED = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# A session's Python caches the bytecode of what it imports, in its own virtualenv, even where the
# shell sets PYTHONDONTWRITEBYTECODE (which would make every stage compile its imports from source).
CACHE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}

# The dev group's floor in pyproject.toml (it has per-session `default=`, used below); an older Nox
# stops with a clear message instead of misreading this file.
nox.needs_version = ">=2024.10.9"
# The standard library's venv: nothing else to install and no seed cache in the home folder (as
# virtualenv keeps); every session fills its environment with `poetry sync` anyway.
nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = False  # a Python that is not installed is skipped


def install_locked(session: nox.Session, *options: str) -> None:
    """Install exactly what poetry.lock pins (plus this project) into the session's virtualenv.
    Nothing is compiled up front: the session's own Python caches the bytecode of what it imports
    (see CACHE_BYTECODE), a fraction of the lock, and no Python runs bytecode another one made."""
    env = {"VIRTUAL_ENV": session.virtualenv.location, "POETRY_VIRTUALENVS_CREATE": "false"}
    session.run_install("poetry", "sync", *options, external=True, env=env)


def project_files() -> list[Path]:
    """What Git would commit (tracked and new files, ignored ones left out), plus .git itself."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [Path(name) for name in listed.split("\0") if name and (ROOT / name).is_file()]


def tracked_data(files: list[Path]) -> list[Path]:
    """The data that committed `.dvc` files track (your own files in data/external/)."""
    return [
        tracker.parent / out["path"]
        for tracker in files
        if tracker.suffix == ".dvc"
        for out in yaml.safe_load((ROOT / tracker).read_text(encoding="utf-8")).get("outs", [])
    ]


def clean_copy(session: nox.Session, destination: Path) -> None:
    """Copy the working tree without outputs, caches or virtualenvs, with the tracked data."""
    files = project_files()
    missing = [str(name) for name in tracked_data(files) if not (ROOT / name).exists()]
    if missing:
        session.error(
            f"{', '.join(missing)}: not in this workspace; run `python -m {PACKAGE} pull` first"
        )
    for name in files + tracked_data(files):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target)
        else:
            shutil.copy2(ROOT / name, target)
    shutil.copytree(ROOT / ".git", destination / ".git")


# `nox` alone runs the default sessions (tests, lint); reproduce and compare run when named.
@nox.session(python=PYTHONS, default=False)
def reproduce(session: nox.Session) -> None:
    """Run the whole pipeline from scratch with this Python; collect outputs and manifest."""
    install_locked(session, "--only", "main")
    leg = LEGS / f"python-{session.python}"
    shutil.rmtree(leg, ignore_errors=True)
    env = dict(PINNED, **CACHE_BYTECODE, DVC_NO_ANALYTICS="1")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "project"
        clean_copy(session, copy)
        with session.chdir(copy):
            session.run("python", "-m", PACKAGE, "reproduce", str(leg), env=env)
    session.notify("compare")


@nox.session(python=False, default=False)
def compare(session: nox.Session) -> None:
    """Judge the waiting legs against tolerance.yaml; fail unless all agree. Runs with the
    interpreter that runs Nox (`poetry run nox ...` gives it this project's environment)."""
    legs = sorted(path for path in LEGS.iterdir() if path.is_dir()) if LEGS.is_dir() else []
    if len(legs) < 2:
        session.error(
            f"{len(legs)} leg(s) waiting in {LEGS}: a comparison needs two. Run two or more "
            "reproduce sessions (`nox -s reproduce` runs one per Python found)."
        )
    shutil.rmtree(COMPARED, ignore_errors=True)
    COMPARED.mkdir(parents=True)
    try:
        session.run(
            sys.executable,
            "-m",
            PACKAGE,
            "compare",
            *map(str, legs),
            "--markdown",
            str(COMPARED / "report.md"),
            "--json",
            str(COMPARED / "report.json"),
        )
    finally:
        for leg in legs:
            shutil.move(leg, COMPARED / leg.name)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the locked environment."""
    install_locked(session, "--with", "dev")
    session.run("python", "-m", "pytest", *session.posargs, env={**PINNED, **CACHE_BYTECODE})


@nox.session(python=PYTHONS[-1])
def lint(session: nox.Session) -> None:
    """Run every pre-commit hook on every file."""
    install_locked(session, "--with", "dev")
    session.run("pre-commit", "run", "--all-files", "--show-diff-on-failure", env=CACHE_BYTECODE)
