"""Report what re-locking the generated project to the newest versions it allows would change.

Run through ``python3 tasks.py relock-report`` (weekly in the template's CI, with read-only
permissions). It bakes the default project into build/relock/, re-resolves its poetry.lock from
scratch, installs it, runs every stage (``python -m <package> reproduce``) and compares the run with
the reference run committed in tests/reference-run/ (made from the shipped lock by
``python3 tasks.py refresh``) through the project's own compare tool. The report, on stdout and in
``$GITHUB_STEP_SUMMARY`` when set, lists the packages whose versions changed and the comparison. It
only reports: a person decides whether to take the new lock (``python3 tasks.py lock --upgrade``).
Exit 0 whatever the verdict; 1 only if the new lock cannot be installed or run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402  pylint: disable=wrong-import-position


def locked_versions(lock: Path) -> dict[str, set[str]]:
    """Package name -> the versions a lock pins (one per Python where they differ)."""
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads(lock.read_text(encoding="utf-8"))["package"]:
        versions.setdefault(package["name"], set()).add(package["version"])
    return versions


def lock_changes(old: dict[str, set[str]], new: dict[str, set[str]]) -> list[str]:
    """Markdown table rows of the packages whose locked versions changed."""
    return [
        f"| `{name}` | {', '.join(sorted(old.get(name, []))) or 'new'} | "
        f"{', '.join(sorted(new.get(name, []))) or 'removed'} |"
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]


def step(command: list, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run one command in the project, echoed; stop with exit code 1 if it fails."""
    print("+", " ".join(map(str, command)), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=project, env=env, check=False)
    if result.returncode:
        sys.exit(f"error: `{' '.join(map(str, command))}` failed with the new lock")
    return result


def main() -> None:
    """Bake, relock, install, run, compare, report."""
    env = tasks.tool_environment()
    out = ROOT / "build" / "relock"
    shutil.rmtree(out, ignore_errors=True)
    project = tasks.bake(out, env)
    package = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    package = package["package_name"]
    old = locked_versions(project / "poetry.lock")
    step([tasks.tool("poetry"), "lock", "--regenerate"], project, env)
    new = locked_versions(project / "poetry.lock")
    step(["git", "init", "--quiet"], project, env)
    step([sys.executable, "-m", "venv", project / ".venv"], project, env)
    step([tasks.tool("poetry"), "install", "--only", "main"], project, env)
    python = tasks.venv_executable(project / ".venv", "python")
    env = tasks.project_environment(project, env)  # stages run `python -m ...` from PATH
    runs = out / "runs"
    shutil.copytree(tasks.REFERENCE_RUN, runs / "shipped-lock")
    step([python, "-m", package, "reproduce", runs / "new-lock"], project, env)
    comparison = out / "comparison.md"
    compare = [python, "-m", package, "compare", runs / "shipped-lock", runs / "new-lock"]
    subprocess.run(
        [str(part) for part in [*compare, "--markdown", comparison]],
        cwd=project,
        env=env,
        capture_output=True,
        check=False,
    )
    changed = lock_changes(old, new)
    report = [
        "# Weekly relock: what the newest allowed versions change",
        "",
        f"{len(changed)} locked packages change." if changed else "No locked version changes.",
        "",
    ]
    if changed:
        report += ["| Package | Shipped lock | New lock |", "| --- | --- | --- |", *changed, ""]
    report.append(comparison.read_text(encoding="utf-8"))
    report.append(
        "This job only reports. To take the new lock: `python3 tasks.py lock --upgrade`, then "
        "`python3 tasks.py refresh` if the results moved on purpose."
    )
    text = "\n".join(report) + "\n"
    print(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
