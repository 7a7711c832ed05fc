#!/usr/bin/env python3
"""Every maintainer command of this template, runnable on a fresh machine with only Python 3.11+.

    python3 tasks.py demo      bake the default project into build/demo/ and run its DVC pipeline
    python3 tasks.py test      run the template's tests (--fast skips the end-to-end ones;
                               other arguments go to pytest)
    python3 tasks.py lint      check the template's own code and workflows
    python3 tasks.py docs      build the template's documentation site (--strict) into build/site/
    python3 tasks.py lock      lock the generated project's dependencies (its poetry.lock), keeping
                               locked versions (--upgrade re-resolves everything)
    python3 tasks.py refresh   regenerate the project's params.schema.json and reference scores,
                               and the reference run (tests/reference-run/)
    python3 tasks.py bench     print timing figures (see docs/benchmarks.md)
    python3 tasks.py bench-engines
                               the data stages (--training: and training) on pandas and on
                               Spark, time and peak memory by row count (see docs/benchmarks.md)
    python3 tasks.py faults    apply each fault patch (tests/faults.py) to a baked project and
                               print whether the generated tests catch it
    python3 tasks.py workflows bake a project (key=value answers), or take one (--project DIR),
                               and run its GitHub workflows' steps here, one by one
    python3 tasks.py relock-report
                               re-lock to the newest allowed versions, run the pipeline and
                               compare it with the committed reference run (report only)

Each command first creates .venv/ with the pinned tools of requirements/dev.txt (again only when
that file changes) and keeps every tool cache and temporary file under .cache/, never in your home
folder or the system temp folder. Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import sys

# Checked before anything else, in syntax every Python 3 parses, so an old Python gets one line.
if sys.version_info < (3, 11):
    sys.exit(
        "error: tasks.py needs Python 3.11 or newer (this is %d.%d); run it as python3.11 tasks.py"
        " or with any newer Python" % sys.version_info[:2]
    )

# pylint: disable=wrong-import-position
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CACHE = ROOT / ".cache"
# Every temporary file of every tool and test goes here (TMPDIR), and is removed after a green run.
SCRATCH = CACHE / "tmp"
REQUIREMENTS = ROOT / "requirements" / "dev.txt"
PROJECT_TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
DEMO_DIR = ROOT / "build" / "demo"
# A run of the default project from the shipped lock, collected: what `relock-report` compares with.
REFERENCE_RUN = ROOT / "tests" / "reference-run"
# The template's own Python code and GitHub files, checked by `lint`.
OWN_CODE = ["tasks.py", "local_extensions.py", "tests", "benchmarks", "tools", "docs"]
OWN_WORKFLOWS = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob(".github/workflows/*.yml"))


def venv_executable(venv: Path, name: str) -> Path:
    """Path of an executable inside a virtual environment, on any OS."""
    if os.name == "nt":
        return venv / "Scripts" / f"{name}.exe"
    return venv / "bin" / name


def tool(name: str) -> Path:
    """A command-line tool installed in .venv/ from requirements/dev.txt."""
    return venv_executable(VENV, name)


def run(command: list[str | Path], **kwargs) -> None:
    """Echo and run a command; stop with its exit code if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], check=False, **kwargs)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_tools() -> None:
    """Create or refresh .venv/ with the pinned template tools."""
    stamp = VENV / ".requirements-sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == digest:
        return
    SCRATCH.mkdir(parents=True, exist_ok=True)  # venv's and pip's temporary files stay in .cache/
    scratch = str(SCRATCH)
    env = dict(
        os.environ, PIP_CACHE_DIR=str(CACHE / "pip"), TMPDIR=scratch, TEMP=scratch, TMP=scratch
    )
    run([sys.executable, "-m", "venv", "--clear", VENV], env=env)
    python = tool("python")
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], env=env)
    run([python, "-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], env=env)
    stamp.write_text(digest, encoding="utf-8")


def pip_index_url() -> str:
    """The simple index pip uses here; Poetry reads packages through it (see README)."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    python = tool("python")
    return subprocess.run(
        [str(python), "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def tool_environment() -> dict[str, str]:
    """Environment for every tool: caches, config and temporary files under .cache/, analytics
    off, tools on PATH."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    # A test run's own folder under SCRATCH (set by `test`) is kept for every tool it starts.
    inherited = os.environ.get("TMPDIR", "")
    scratch = Path(inherited) if Path(inherited).is_relative_to(SCRATCH) else SCRATCH
    cookiecutter_config = CACHE / "cookiecutter.yaml"
    cookiecutter_config.write_text(
        f"cookiecutters_dir: {json.dumps(str(CACHE / 'cookiecutters'))}\n"
        f"replay_dir: {json.dumps(str(CACHE / 'cookiecutter-replay'))}\n",
        encoding="utf-8",
    )
    env = dict(os.environ)
    env.update(
        TMPDIR=str(scratch),
        TEMP=str(scratch),
        TMP=str(scratch),
        # Tools that follow the XDG layout (pip, black, pylint, virtualenv, pre-commit, ...).
        XDG_CACHE_HOME=str(CACHE / "xdg" / "cache"),
        XDG_CONFIG_HOME=str(CACHE / "xdg" / "config"),
        XDG_DATA_HOME=str(CACHE / "xdg" / "data"),
        PIP_CACHE_DIR=str(CACHE / "pip"),
        PYLINTHOME=str(CACHE / "pylint"),
        VIRTUALENV_OVERRIDE_APP_DATA=str(CACHE / "virtualenv"),
        PRE_COMMIT_HOME=str(CACHE / "pre-commit"),
        # Jupyter, IPython and Matplotlib (the generated project's notebook tests).
        IPYTHONDIR=str(CACHE / "ipython"),
        JUPYTER_CONFIG_DIR=str(CACHE / "jupyter" / "config"),
        JUPYTER_DATA_DIR=str(CACHE / "jupyter" / "data"),
        JUPYTER_RUNTIME_DIR=str(CACHE / "jupyter" / "runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        MPLCONFIGDIR=str(CACHE / "matplotlib"),
        COOKIECUTTER_CONFIG=str(cookiecutter_config),
        POETRY_CACHE_DIR=str(CACHE / "poetry" / "cache"),
        POETRY_CONFIG_DIR=str(CACHE / "poetry" / "config"),
        POETRY_DATA_DIR=str(CACHE / "poetry" / "data"),
        POETRY_VIRTUALENVS_IN_PROJECT="true",
        DVC_NO_ANALYTICS="1",
        DVC_SITE_CACHE_DIR=str(CACHE / "dvc-site"),
        # Selenium (the browser tests): its driver manager offline and its cache here, should
        # anything start it; the tests give it the system's chromedriver, so it never runs.
        SE_OFFLINE="true",
        SE_CACHE_PATH=str(CACHE / "selenium"),
        PATH=os.pathsep.join([str(tool("python").parent), env.get("PATH", "")]),
    )
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("POETRY_PYPI_MIRROR_URL", pip_index_url())
    return env


def bake(output_dir: Path, env: dict[str, str], *extra: str) -> Path:
    """Bake the template with default answers (plus ``key=value`` overrides) into ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    before = set(output_dir.iterdir())
    run(
        [tool("cookiecutter"), "--no-input", ROOT, "-o", output_dir, *extra],
        env=env,
    )
    (project,) = set(output_dir.iterdir()) - before
    return project


def install_project(project: Path, env: dict[str, str]) -> Path:
    """Install the project's locked environment into project/.venv with this Python. Nothing is
    compiled up front: run with :func:`project_environment`, Python caches the bytecode of what the
    pipeline imports, a fraction of what the lock holds."""
    run([sys.executable, "-m", "venv", project / ".venv"])
    run([tool("poetry"), "install"], cwd=project, env=env)
    return venv_executable(project / ".venv", "python")


def project_environment(project: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with the project's own environment first on PATH, as ``poetry run`` would set it,
    and no ``PYTHONDONTWRITEBYTECODE``: Python caches bytecode in that environment as it imports
    (without it every stage would compile its imports from source, seconds each)."""
    bin_dir = venv_executable(project / ".venv", "python").parent
    environment = dict(env, PATH=os.pathsep.join([str(bin_dir), env["PATH"]]))
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def demo(_: argparse.Namespace) -> None:
    """Bake the default project, install it, run its pipeline and show the metrics."""
    ensure_tools()
    env = tool_environment()
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    project = bake(DEMO_DIR, env)
    run(["git", "init", "--quiet"], cwd=project)
    python = install_project(project, env)
    project_env = project_environment(project, env)
    run([python, "-m", "dvc", "repro"], cwd=project, env=project_env)
    show = [python, "-m", "dvc", "metrics", "show", "reports/metrics.json"]
    run(show, cwd=project, env=project_env)
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    model, baseline = metrics["model"], metrics["baseline"]
    print(f"\nProject: {project.relative_to(ROOT)}")
    for name in sorted(baseline):  # the headline scores both models have
        print(f"  {name:>17}: model {model[name]:.4f}   baseline {baseline[name]:.4f}")
    if not all(model[name] > baseline[name] for name in baseline):
        sys.exit("The model did not beat the baseline.")


def system_temp_entries() -> set[str]:
    """Names in the system temp folder (the one tools would use without TMPDIR)."""
    return set(os.listdir(tempfile.gettempdir()))


def test(args: argparse.Namespace) -> None:
    """Run the template's test suite; fail if it left anything in the system temp folder."""
    ensure_tools()
    env = tool_environment()
    scratch = Path(tempfile.mkdtemp(prefix="test-", dir=SCRATCH))  # this run's own temp folder
    env.update(TMPDIR=str(scratch), TEMP=str(scratch), TMP=str(scratch))
    before = system_temp_entries()
    selection = ["-m", "not slow"] if args.fast else []
    basetemp = f"--basetemp={scratch / 'pytest'}"
    command = [tool("python"), "-m", "pytest", basetemp, *selection, *args.extra]
    print("+", " ".join(str(part) for part in command), flush=True)
    code = subprocess.run(
        [str(part) for part in command], cwd=ROOT, env=env, check=False
    ).returncode
    leaked = sorted(system_temp_entries() - before)
    for name in leaked:
        print(f"error: the tests left {Path(tempfile.gettempdir(), name)}", file=sys.stderr)
    if code == 0 and not leaked:
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"Temporary files of this run kept for inspection: {scratch}", file=sys.stderr)
    sys.exit(code or int(bool(leaked)))


def lint(_: argparse.Namespace) -> None:
    """Check the template's own code (black, isort, flake8) and GitHub files (zizmor, actionlint
    and the GitHub schemas), as CI does; the generated project's code is checked by the tests."""
    ensure_tools()
    env = tool_environment()
    schema = [tool("check-jsonschema"), "--builtin-schema"]
    for command in (
        [tool("black"), "--check", *OWN_CODE],
        [tool("isort"), "--check-only", *OWN_CODE],
        [tool("flake8")],
        [tool("zizmor"), "--offline", "--persona", "pedantic", ".github"],
        [tool("actionlint"), *OWN_WORKFLOWS],
        [*schema, "vendor.github-workflows", *OWN_WORKFLOWS],
        [*schema, "vendor.dependabot", ".github/dependabot.yml"],
    ):
        run(command, cwd=ROOT, env=env)


def docs(args: argparse.Namespace) -> None:
    """Build the template's own site strictly into build/site/ (mkdocs.yml names the folder);
    other arguments go to `mkdocs build`."""
    ensure_tools()
    run([tool("mkdocs"), "build", "--strict", *args.extra], cwd=ROOT, env=tool_environment())
    print("Open build/site/index.html (or the --site-dir you gave) in a browser.")


def lock(args: argparse.Namespace) -> None:
    """Lock the generated project's dependencies and store the lock in the template: keep every
    locked version that still fits (after a dependency edit), or re-resolve all with --upgrade."""
    ensure_tools()
    env = tool_environment()
    with tempfile.TemporaryDirectory(dir=SCRATCH) as scratch:
        project = bake(Path(scratch), env)
        regenerate = ["--regenerate"] if args.upgrade else []
        run([tool("poetry"), "lock", *regenerate], cwd=project, env=env)
        shutil.copyfile(project / "poetry.lock", PROJECT_TEMPLATE / "poetry.lock")
    print("Updated", (PROJECT_TEMPLATE / "poetry.lock").relative_to(ROOT))


def refresh(_: argparse.Namespace) -> None:
    """Regenerate files derived from the project's code: params schema and reference metrics."""
    ensure_tools()
    env = tool_environment()
    with tempfile.TemporaryDirectory(dir=SCRATCH) as scratch:
        project = bake(Path(scratch), env)
        run(["git", "init", "--quiet"], cwd=project)
        python = install_project(project, env)
        package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
        schema = subprocess.run(
            [str(python), "-m", package, "schema"], check=True, capture_output=True, text=True
        ).stdout
        (PROJECT_TEMPLATE / "params.schema.json").write_text(schema, encoding="utf-8")
        project_env = project_environment(project, env)
        run([python, "-m", "dvc", "repro"], cwd=project, env=project_env)
        for name in ("metrics.json", "scores.json"):
            shutil.copyfile(
                project / "reports" / name, PROJECT_TEMPLATE / "tests" / "reference" / name
            )
        shutil.rmtree(REFERENCE_RUN, ignore_errors=True)
        run([python, "-m", package, "collect", REFERENCE_RUN], cwd=project, env=project_env)
    print("Updated params.schema.json, the project's tests/reference/ and tests/reference-run/")


def script(path: str) -> Callable[[argparse.Namespace], None]:
    """A task that runs a script of this repository with the tools' Python (they need PyYAML)."""

    def task(args: argparse.Namespace) -> None:
        ensure_tools()
        run([tool("python"), ROOT / path, *args.extra], cwd=ROOT, env=tool_environment())

    task.__doc__ = f"Run {path}."
    return task


def faults(_: argparse.Namespace) -> None:
    """Apply each fault patch to a baked, installed project; print what caught it."""
    ensure_tools()
    env = tool_environment()
    sys.path.insert(0, str(ROOT))
    from tests import faults as catalogue  # pylint: disable=import-outside-toplevel

    with tempfile.TemporaryDirectory(dir=SCRATCH) as scratch:
        project = bake(Path(scratch), env)
        python = install_project(project, env)
        results = catalogue.run_faults(project, python, project_environment(project, env))
    guarantees = {fault.name: fault.breaks for fault in catalogue.FAULTS}
    print("\n| Fault | Guarantee it breaks | Caught by |\n| --- | --- | --- |")
    for result in results:
        print(f"| `{result.name}` | {guarantees[result.name]} | {result.by or 'NOT CAUGHT'} |")
    caught = sum(result.caught for result in results)
    print(f"\n{caught} of {len(results)} faults caught")
    if caught < len(results):
        sys.exit(1)


def main() -> None:
    """Parse the command line and run one task."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    tasks = parser.add_subparsers(dest="task", required=True)
    tasks.add_parser("demo", help="bake the default project and run its pipeline").set_defaults(
        func=demo
    )
    test_parser = tasks.add_parser("test", help="run the template's tests")
    test_parser.add_argument("--fast", action="store_true", help="skip the slow end-to-end tests")
    test_parser.set_defaults(func=test, passthrough=True)
    tasks.add_parser("lint", help="check the template's code and workflows").set_defaults(func=lint)
    tasks.add_parser("docs", help="build the template's documentation site").set_defaults(
        func=docs, passthrough=True
    )
    lock_parser = tasks.add_parser("lock", help="lock the generated project's dependencies")
    lock_parser.add_argument(
        "--upgrade", action="store_true", help="re-resolve every version, not only new ones"
    )
    lock_parser.set_defaults(func=lock)
    tasks.add_parser("refresh", help="regenerate schema and reference metrics").set_defaults(
        func=refresh
    )
    tasks.add_parser("bench", help="print benchmark figures").set_defaults(
        func=script("benchmarks/bench.py"), passthrough=True
    )
    tasks.add_parser("bench-engines", help="print pandas and Spark figures").set_defaults(
        func=script("benchmarks/engines.py"), passthrough=True
    )
    tasks.add_parser("workflows", help="run a baked project's workflow steps here").set_defaults(
        func=script("tools/run_workflows.py"), passthrough=True
    )
    tasks.add_parser("relock-report", help="report what a fresh lock changes").set_defaults(
        func=script("tools/relock_report.py"), passthrough=True
    )
    tasks.add_parser(
        "faults", help="check that the generated tests catch every fault"
    ).set_defaults(func=faults)
    args, extra = parser.parse_known_args()
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    args.func(args)


if __name__ == "__main__":
    main()
