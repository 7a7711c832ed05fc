"""Print the stages' time and peak memory on pandas and on Spark, side by side, by row count.

Run through ``python3 tasks.py bench-engines [--sizes N ...] [--budget MB]``: it bakes the default
project into a temporary folder, installs it with the spark group, switches it to the synthetic
source and times each data stage (``ingest``, both gates, ``featurize``, ``split``) as a whole
process, once per engine and size, Spark in local mode on every core. Memory is the peak of the
summed resident memory of the stage's process tree (the JVM and Python workers included), sampled
every 0.2 s. pandas stops at the first size where a stage exceeds the memory budget; Spark goes
on. With ``--training``, ``tune``, ``train`` and ``evaluate`` are timed too, on one candidate (a
logistic regression, three folds), so the figures show each engine's cost, not the grid's.
``--engines spark`` measures one engine only. A stage that fails is marked ``failed`` in its row,
its error printed, and the run goes on with the next engine or size: a long run keeps its figures.
Figures are printed as Markdown for docs/benchmarks.md; nothing here asserts a target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tasks  # noqa: E402  pylint: disable=wrong-import-position

STAGES = [
    ["ingest"],
    ["validate", "raw"],
    ["featurize"],
    ["validate", "features"],
    ["split"],
]
TRAINING = [["tune"], ["train"], ["evaluate"]]
# --training: the search pinned to one candidate, so a fit's cost is measured, not the grid's.
ONE_CANDIDATE = {
    "  families:": "  families: [logistic_regression]",
    "  n_splits:": "  n_splits: 3",
    "      C:": "      C: [1.0]",
}
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process below it (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    resident: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[1])
        resident[int(entry.name)] = int(stat[21]) * PAGE
    tree, pending = set(), [root]
    while pending:
        current = pending.pop()
        tree.add(current)
        pending += [pid for pid, parent in parents.items() if parent == current]
    return sum(resident.get(pid, 0) for pid in tree)


def measured(
    command: list[str | Path], cwd: Path, env: dict[str, str]
) -> tuple[float, float] | None:
    """Seconds and peak resident memory (MB, whole process tree) of one run; None if it failed,
    its error printed to stderr."""
    start = time.perf_counter()
    process = subprocess.Popen(  # pylint: disable=consider-using-with  # polled below
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    output, _ = process.communicate()
    sampler.join()
    elapsed = time.perf_counter() - start
    if process.returncode:
        # Without the JVM's stack frames, which a stopped session prints after Python's error.
        lines = [line for line in output.splitlines() if not line.startswith(("\tat ", "\t..."))]
        print(
            f"{' '.join(map(str, command))} failed:\n" + "\n".join(lines)[-6000:], file=sys.stderr
        )
        return None
    return elapsed, peak[0] / 2**20


def configure(project: Path, engine: str, rows: int) -> None:
    """Point params.yaml at ``rows`` synthetic rows on ``engine`` (the lines users edit), with
    the search pinned to :data:`ONE_CANDIDATE`."""
    params = project / "params.yaml"
    lines = []
    for line in params.read_text(encoding="utf-8").splitlines():
        start = next((key for key in ONE_CANDIDATE if line.startswith(key)), None)
        if start:
            line = ONE_CANDIDATE[start]
        if line.startswith("engine:"):
            line = f"engine: {engine}"
        elif line.startswith("tables:"):
            line = f"tables: {'parquet' if engine == 'spark' else 'csv'}"
        elif line.startswith("  source:"):
            line = "  source: synthetic"
        elif line.startswith("  n_rows:"):
            line = f"  n_rows: {rows}"
        lines.append(line)
    params.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_stages(
    stages: list[list[str]], command: list[str | Path], project: Path, env: dict[str, str]
) -> tuple[list[str], float]:
    """The table cells of one engine at one size (each stage's figures, then the total) and the
    largest peak in MB. A stage that fails is marked so, and the stages after it, which read its
    outputs, are not run."""
    cells: list[str] = []
    total = peak = 0.0
    for stage in stages:
        figures = measured([*command, *stage], project, env)
        if figures is None:
            return cells + ["failed"] + ["-"] * (len(stages) - len(cells)), peak
        cells.append(f"{figures[0]:.1f} / {figures[1]:.0f}")
        total, peak = total + figures[0], max(peak, figures[1])
    return cells + [f"{total:.1f}"], peak


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[100_000, 1_000_000, 3_000_000],
        help="synthetic row counts (default: 100000 1000000 3000000)",
    )
    parser.add_argument(
        "--budget", type=float, default=4096, help="pandas' memory budget in MB (default 4096)"
    )
    parser.add_argument(
        "--training", action="store_true", help="time tune, train and evaluate too (one candidate)"
    )
    parser.add_argument(
        "--engines",
        nargs="*",
        choices=["pandas", "spark"],
        default=["pandas", "spark"],
        help="the engines to measure (default: both)",
    )
    args = parser.parse_args()
    env = dict(os.environ)
    stages = STAGES + (TRAINING if args.training else [])
    names = [" ".join(stage) for stage in stages]
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {memory_total()} GB memory, ")
    print(f"Python {platform.python_version()}; Spark in local mode on every core.")
    print(f"pandas' memory budget: {args.budget:.0f} MB (it stops at the first size over it).\n")
    print(
        "| Rows | Engine | " + " | ".join(f"{name} (s / MB)" for name in names) + " | Total (s) |"
    )
    print("| ---: | --- | " + " | ".join("---:" for _ in names) + " | ---: |", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        project = tasks.bake(Path(scratch) / "project", env)
        subprocess.run(["git", "init", "--quiet"], cwd=project, check=True)
        python = tasks.install_project(project, env)
        tasks.run([tasks.tool("poetry"), "install", "--with", "spark"], cwd=project, env=env)
        project_env = tasks.project_environment(project, env)
        package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
        over_budget = False
        for rows in args.sizes:
            for engine in args.engines:
                if engine == "pandas" and over_budget:
                    cells = ["over budget"] * len(names) + ["-"]
                else:
                    configure(project, engine, rows)
                    cells, peak = run_stages(stages, [python, "-m", package], project, project_env)
                    over_budget |= engine == "pandas" and peak > args.budget
                # Each row as soon as it is measured: a long run stopped early keeps its figures.
                print(f"| {rows:,} | {engine} | " + " | ".join(cells) + " |", flush=True)


def memory_total() -> str:
    """The machine's memory in GB (Linux), for the table's caption."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 2**20:.0f}"
    return "?"


if __name__ == "__main__":
    main()
