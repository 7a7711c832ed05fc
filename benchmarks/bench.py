"""Print how long the things users wait for take, as whole processes, median of several runs.

Run through ``python3 tasks.py bench [--runs N]``: it bakes the default project into a temporary
folder, installs it from the shipped lock, and times each command end to end. Figures are printed as
a Markdown table for docs/benchmarks.md; nothing here asserts a target (machines differ).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402  pylint: disable=wrong-import-position


def timed(command: list[str | Path], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one run of ``command`` takes; fails loudly if the command fails."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def median_of(runs: int, command, cwd, env, before=None) -> float:
    """Median seconds over ``runs`` runs; ``before`` resets state ahead of each run."""
    samples = []
    for _ in range(runs):
        if before:
            before()
        samples.append(timed(command, cwd, env))
    return statistics.median(samples)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    args = parser.parse_args()
    env = dict(os.environ)
    cookiecutter = tasks.venv_executable(tasks.VENV, "cookiecutter")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        out = scratch / "bake"

        def clear_bake() -> None:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()

        rows.append(
            (
                "bake the default project",
                median_of(args.runs, [cookiecutter, "--no-input", tasks.ROOT, "-o", out], scratch, env, clear_bake),
                "0.5 s",
            )
        )
        project = tasks.bake(scratch / "project", env)
        subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
        python = tasks.install_project(project, env)
        project_env = tasks.project_environment(project, env)
        rows.append(
            (
                "fresh `dvc repro` (every stage runs)",
                median_of(args.runs, [python, "-m", "dvc", "repro", "--force"], project, project_env),
                "10 s",
            )
        )
        rows.append(
            (
                "no-op `dvc repro`",
                median_of(args.runs, [python, "-m", "dvc", "repro"], project, project_env),
                "1 s",
            )
        )
        rows.append(
            (
                "generated test suite (`pytest`)",
                median_of(
                    max(1, args.runs // 2),
                    [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                    project,
                    project_env,
                ),
                "60 s",
            )
        )
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"Median of {args.runs} runs (test suite: {max(1, args.runs // 2)}), whole processes.\n")
    print("| What | Seconds | Target |")
    print("| --- | ---: | ---: |")
    for what, seconds, target in rows:
        print(f"| {what} | {seconds:.2f} | ≤ {target} |")


if __name__ == "__main__":
    main()
