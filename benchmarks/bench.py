"""Print how long the things users wait for take, as whole processes, median of several runs.

Run through ``python3 tasks.py bench [--runs N]``: it bakes the default project into a temporary
folder, installs it from the shipped lock, and times each command end to end. Figures are printed as
a Markdown table for docs/benchmarks.md; nothing here asserts a target (machines differ).
"""

from __future__ import annotations

import argparse
import json
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


def execute(command: list[str | Path], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    """Seconds one run of ``command`` takes, and its stderr; fails loudly if the command fails."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stderr


def timed(command: list[str | Path], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one run of ``command`` takes."""
    return execute(command, cwd, env)[0]


PEAK_RSS = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def timed_with_memory(
    command: list[str | Path], cwd: Path, env: dict[str, str]
) -> tuple[float, float]:
    """Seconds and peak resident memory (MB, largest process of the tree) of one run (Linux)."""
    elapsed, stderr = execute([sys.executable, "-c", PEAK_RSS, *command], cwd, env)
    return elapsed, int(stderr.strip().splitlines()[-1]) / 1024


def use_synthetic_rows(project: Path, rows: int) -> None:
    """Point the project's params at ``rows`` synthetic rows."""
    params = project / "params.yaml"
    text = params.read_text(encoding="utf-8")
    text = text.replace("source: breast_cancer", "source: synthetic")
    lines = [
        (
            f"  n_rows: {rows}  # rows drawn when source is synthetic"
            if line.startswith("  n_rows:")
            else line
        )
        for line in text.splitlines()
    ]
    params.write_text("\n".join(lines) + "\n", encoding="utf-8")


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
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[100, 100_000, 1_000_000],
        help="synthetic row counts for the scale figures (default: 100 100000 1000000; at "
        "least n_splits training rows per class)",
    )
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
                median_of(
                    args.runs,
                    [cookiecutter, "--no-input", tasks.ROOT, "-o", out],
                    scratch,
                    env,
                    clear_bake,
                ),
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
                median_of(
                    args.runs, [python, "-m", "dvc", "repro", "--force"], project, project_env
                ),
                "10 s",
            )
        )
        package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
        rows.append(
            (
                "`tune` alone (default search, one process: its share of a fresh run)",
                median_of(args.runs, [python, "-m", package, "tune"], project, project_env),
                "8.9 s (a fresh run within 1.5 x its 17.7 s before `tune`)",
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
        scale = []
        for n_rows in args.sizes:
            use_synthetic_rows(project, n_rows)
            runs = 1 if n_rows >= 1_000_000 else min(args.runs, 3)
            end_to_end = [
                timed_with_memory([python, "-m", "dvc", "repro", "--force"], project, project_env)
                for _ in range(runs)
            ]
            gates = [
                timed_with_memory([python, "-m", package, "validate", name], project, project_env)
                for name in ("raw", "features")
                for _ in range(runs)
            ]
            scale.append(
                (
                    n_rows,
                    statistics.median(seconds for seconds, _ in end_to_end),
                    max(memory for _, memory in end_to_end),
                    statistics.median(seconds for seconds, _ in gates),
                    max(memory for _, memory in gates),
                )
            )
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"Median of {args.runs} runs (test suite: {max(1, args.runs // 2)}), whole processes.\n")
    print("| What | Seconds | Target |")
    print("| --- | ---: | ---: |")
    for what, seconds, target in rows:
        print(f"| {what} | {seconds:.2f} | ≤ {target} |")
    print(
        "\nSynthetic rows (`data.source: synthetic`), gates included. Target at 1M rows: end to end"
    )
    print(
        "≤ 60 s, peak RSS ≤ 2 GB. Gate: one `validate` stage as a whole process (median of both).\n"
    )
    print("| Rows | End to end (s) | Peak RSS (MB) | One gate (s) | Gate peak RSS (MB) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n_rows, seconds, memory, gate_seconds, gate_memory in scale:
        print(
            f"| {n_rows:,} | {seconds:.1f} | {memory:.0f} "
            f"| {gate_seconds:.1f} | {gate_memory:.0f} |"
        )


if __name__ == "__main__":
    main()
