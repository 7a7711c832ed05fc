"""Run a baked project's GitHub workflows here, step by step, as GitHub would run them.

Run through ``python3 tasks.py workflows [key=value ...]``: it bakes the project (default answers,
or the given ones) into build/workflows/, or takes an existing one (``--project DIR``, a Git
repository with everything committed, as a checkout would see it), and runs every ``run:`` step of
``ci.yml`` (lint, tests), ``reproduce.yml`` (leg, docker, compare) and ``docs.yml`` (build; its
deploy job runs only on a push), in order, with the workflow's environment, for this machine's OS
and Python.
What only GitHub can provide is stood in for, and said so:

* ``uses:`` steps: the bake is the checkout, this Python is ``setup-python``, caches are empty, and
  artifacts stay in the project folder, where the next job finds them;
* ``pipx install "poetry==X"``: the Poetry of ``requirements/dev.txt`` (with the PyPI mirror
  plugin), which must be the same version X;
* ``docker ...``: no Docker engine runs here (the tests lint the Dockerfile instead);
* the compare step: the legs of other operating systems and Pythons did not run here, so it must
  fail in exactly one way: every leg that ran here agrees and every other leg is ``missing``;
* the event: a pull request from a branch of the same repository (not a fork, not Dependabot)
  into ``main``, whose ``origin/main`` is the baked commit (or ``--base``, default ``HEAD``);
  ``if:`` conditions are evaluated for that event, term by term, and a condition this runner does
  not know is an error.

A step with more than one command line, or with a ``${{ }}`` expression in its command, is an
error: workflows hold no logic, only commands that run anywhere.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402  pylint: disable=wrong-import-position

JOBS = [
    ("ci.yml", "lint"),
    ("ci.yml", "tests"),
    ("ci.yml", "fork-notice"),
    *(("reproduce.yml", job) for job in ("leg", "docker", "compare", "fork-notice")),
    ("docs.yml", "build"),
    ("docs.yml", "deploy"),
]
# The value of each term of an ``if:`` condition for a same-repository pull request run here.
CONDITION_TERMS = {
    "!cancelled()": True,
    "always()": True,
    "github.event_name == 'pull_request'": True,
    "github.event_name == 'push'": False,
    "github.event.pull_request.head.repo.fork": False,
    "!github.event.pull_request.head.repo.fork": True,
    "github.event.pull_request.user.login == 'dependabot[bot]'": False,
    "github.event.pull_request.user.login != 'dependabot[bot]'": True,
}
BASE_BRANCH = "main"
RUNNERS = {"Linux": "ubuntu-latest", "Darwin": "macos-latest", "Windows": "windows-latest"}
RUNNER_OS = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
CHAINING = re.compile(r"&&|\|\||;|\n")


def single_command(command: str) -> str | None:
    """Why ``command`` is not one plain command line, or None when it is."""
    if CHAINING.search(command.strip()):
        return "more than one command (a newline, ;, && or ||)"
    if "${{" in command:
        return "a ${{ }} expression in the command (use env:)"
    return None


def substitute(value: str, context: dict[str, str]) -> str:
    """Replace ``${{ matrix.x }}``, ``${{ env.X }}`` and ``${{ runner.x }}`` in an env value."""

    def replace(match: re.Match) -> str:
        if match.group(1) not in context:
            raise SystemExit(f"error: unsupported expression {match.group()} in {value!r}")
        return context[match.group(1)]

    return EXPRESSION.sub(replace, str(value))


def condition_holds(condition: str | bool | None) -> bool:
    """Whether an ``if:`` condition (terms joined by ``&&``) holds for the event run here."""
    if condition is None or condition is True:
        return True
    text = str(condition).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    values = []
    for term in (part.strip() for part in text.split("&&")):
        if term not in CONDITION_TERMS:
            raise SystemExit(f"error: unsupported condition term {term!r} in {condition!r}")
        values.append(CONDITION_TERMS[term])
    return all(values)


def poetry_version() -> str:
    """The Poetry version requirements/dev.txt pins."""
    pins = (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    return re.search(r"^poetry==(\S+)$", pins, re.MULTILINE).group(1)


def stand_in(command: str, env: dict[str, str]) -> str | None:
    """What stands in for a step that cannot run here, or None to run it."""
    if command.startswith("pipx install"):
        wanted = env.get("POETRY_VERSION")
        if command != 'pipx install "poetry==${POETRY_VERSION}"' or wanted != poetry_version():
            raise SystemExit(
                f"error: {command!r} with POETRY_VERSION={wanted} is not the pinned Poetry"
            )
        return f"Poetry {wanted} from requirements/dev.txt, with the PyPI mirror plugin"
    if command.startswith("docker "):
        return "no Docker engine here; the tests lint the Dockerfile with hadolint"
    return None


def legs_ran_here(project: Path) -> set[str]:
    """Run folders the leg job collected here."""
    runs = project / "runs"
    return {path.name for path in runs.iterdir() if path.is_dir()} if runs.is_dir() else set()


def check_partial_comparison(project: Path, ran: set[str]) -> str:
    """The compare step failed: accept it only if every leg that ran agrees and every other leg
    is missing."""
    report = json.loads((project / "compare.json").read_text(encoding="utf-8"))
    problems = []
    for output, cells in report["outputs"].items():
        for leg, cell in cells.items():
            expected = ("identical", "equivalent") if leg in ran else ("missing",)
            if cell["verdict"] not in expected:
                problems.append(f"{output} of {leg}: {cell['verdict']} ({cell['detail']})")
    if problems:
        raise SystemExit("error: the comparison failed for another reason:\n" + "\n".join(problems))
    return f"legs that ran here agree; {len(report['runs']) - len(ran)} others missing, as expected"


def run_job(project: Path, workflow: dict, job_name: str, context: dict, env: dict) -> list[str]:
    """Run one job's steps; return one line per step saying what happened."""
    job = workflow["jobs"].get(job_name)
    if job is None:
        return []
    if not condition_holds(job.get("if")):
        return [f"{job_name}: skipped: its condition is false for this event"]
    matrix = job.get("strategy", {}).get("matrix", {})
    if any(context[f"matrix.{key}"] not in values for key, values in matrix.items()):
        return [f"{job_name}: this OS or Python is not in the job's matrix; skipped"]
    for source in (workflow.get("env", {}), job.get("env", {})):
        env.update({key: substitute(value, context) for key, value in source.items()})
        context.update({f"env.{key}": str(value) for key, value in env.items()})
    lines = []
    for step in job["steps"]:
        name = step.get("name") or step.get("uses", "").split("@")[0]
        if not condition_holds(step.get("if")):
            lines.append(f"{job_name}: {name}: skipped: its condition is false for this event")
            continue
        if "uses" in step:
            lines.append(f"{job_name}: {name}: provided here (checkout, Python, cache or artifact)")
            continue
        command = step["run"].strip()
        problem = single_command(command)
        if problem:
            raise SystemExit(f"error: {job_name}: {name}: {problem}")
        step_env = dict(
            env, **{key: substitute(value, context) for key, value in step.get("env", {}).items()}
        )
        replacement = stand_in(command, step_env)
        if replacement:
            lines.append(f"{job_name}: {name}: stood in for: {replacement}")
            continue
        print(f"\n== {job_name}: {name}\n+ {command}", flush=True)
        ran = legs_ran_here(project)
        started = time.monotonic()
        result = subprocess.run(["bash", "-c", command], cwd=project, env=step_env, check=False)
        took = f"({time.monotonic() - started:.0f} s)"
        if result.returncode == 0:
            lines.append(f"{job_name}: {name}: ran {took}")
        elif " compare " in f" {command} ":
            verdict = check_partial_comparison(project, ran)
            lines.append(f"{job_name}: {name}: ran {took}; {verdict}")
        else:
            raise SystemExit(f"error: {job_name}: {name}: `{command}` exited {result.returncode}")
    return lines


def arguments() -> argparse.Namespace:
    """The answers to bake with, or the existing project to run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("answers", nargs="*", help="key=value answers for the bake")
    parser.add_argument(
        "--project", type=Path, help="run this project (everything committed) instead of a bake"
    )
    parser.add_argument("--base", default="HEAD", help="the pull request's base (with --project)")
    args = parser.parse_args()
    if args.project and args.answers:
        parser.error("give answers to bake with, or --project, not both")
    return args


def checkout(project: Path, base: str, env: dict[str, str]) -> None:
    """What a checkout gives every job: a repository whose files are all committed, and the base
    branch of the pull request, as a full checkout fetches it."""
    git = ["git", "-c", "user.name=Runner", "-c", "user.email=runner@example.com"]
    if not (project / ".git").is_dir():
        for command in (["init", "--quiet"], ["add", "-A"], ["commit", "--quiet", "-m", "Baked"]):
            subprocess.run([*git, *command], cwd=project, env=env, check=True)
    status = subprocess.run(
        [*git, "status", "--porcelain"], cwd=project, env=env, capture_output=True, text=True
    )
    if status.returncode != 0 or status.stdout.strip():
        raise SystemExit(f"error: {project}: not a Git repository with everything committed")
    ref = ["update-ref", f"refs/remotes/origin/{BASE_BRANCH}", base]
    subprocess.run([*git, *ref], cwd=project, env=env, check=True)


def main() -> None:
    """Bake (or take the given project), then run every job's steps in order; print what ran and
    what stood in."""
    args = arguments()
    python = "%d.%d" % sys.version_info[:2]
    env = tasks.tool_environment()
    out = ROOT / "build" / "workflows"
    scratch = out / "runner"
    if args.project:
        project = args.project.resolve()
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        answers = list(args.answers)
        if not any(answer.startswith("python_version=") for answer in answers):
            answers.append(f"python_version={python}")  # the reference leg is the one run here
        shutil.rmtree(out, ignore_errors=True)
        project = tasks.bake(out, env, *answers)
    (scratch / "temp").mkdir(parents=True)
    # A GitHub runner's environment: no virtualenv of ours, and Python free to cache bytecode.
    env = {
        key: value
        for key, value in env.items()
        if key not in ("VIRTUAL_ENV", "POETRY_VIRTUALENVS_IN_PROJECT", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        GITHUB_STEP_SUMMARY=str(scratch / "summary.md"),
        GIT_CONFIG_GLOBAL=str(scratch / "gitconfig"),
        CI="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_BASE_REF=BASE_BRANCH,
    )
    system = platform.system()
    context = {
        "matrix.os": RUNNERS[system],
        "matrix.python": python,
        "runner.temp": str(scratch / "temp"),
        "runner.os": RUNNER_OS[system],
    }
    checkout(project, args.base, env)
    lines = []
    for file, job in JOBS:
        workflow = yaml.safe_load(
            (project / ".github" / "workflows" / file).read_text(encoding="utf-8")
        )
        lines += run_job(project, workflow, job, dict(context), dict(env))
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
