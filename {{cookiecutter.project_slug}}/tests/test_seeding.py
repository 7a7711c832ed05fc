"""Numerics are pinned and every random choice comes from ``params.seed``.

Threads: importing the package pins the BLAS/OpenMP thread variables before numpy loads (checked in
a fresh interpreter started without them), and the CLI limits every thread pool around each stage.
``python -m <package>`` runs a stage under ``PYTHONHASHSEED=0``.

Seeds: the CLI also seeds the global generators, which in a real run would hide a stage that ignores
its seed. So each seeded stage runs here with the global generators seeded identically and must
still change its output when only ``params.seed`` changes, and keep it when only the global seed
changes.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from {{ cookiecutter.package_name }} import cli, seeding
from {{ cookiecutter.package_name }}.stages import ingest, split, train, tune
from tests.runs import ROOT
from tests.stages import select, tiny_project, variant

PACKAGE = cli.__package__
# Imports the package (argument 1) first, as `python -m` does; prints the thread variables named
# after argument 2 and, if that is "pools", the distinct thread counts of every thread pool.
PROBE = """
import importlib, json, os, sys
importlib.import_module(sys.argv[1])
variables = {name: os.environ.get(name) for name in sys.argv[3:]}
threads = set()
if sys.argv[2] == "pools":
    import numpy, scipy.linalg, sklearn.ensemble, threadpoolctl
    threads = {pool["num_threads"] for pool in threadpoolctl.threadpool_info()}
print(json.dumps([variables, sorted(threads)]))
"""
PINNED = dict.fromkeys(seeding.THREAD_VARIABLES, "1")


def python(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run this interpreter with no thread or hash-seed variables set, except ``env``."""
    unset = {*seeding.THREAD_VARIABLES, "PYTHONHASHSEED"}
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment["GIT_CEILING_DIRECTORIES"] = str(cwd.parent)  # no Git lookup above the test
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def probe(tmp_path: Path, what: str, **env: str) -> tuple[dict[str, str | None], list[int]]:
    """Thread variables after importing the package, and the thread counts of every pool."""
    result = python("-c", PROBE, PACKAGE, what, *seeding.THREAD_VARIABLES, cwd=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    variables, threads = json.loads(result.stdout)
    return variables, threads


@pytest.mark.parametrize("threads", [None, "2"])
def test_importing_the_package_pins_thread_variables_unless_already_set(tmp_path, threads):
    env = {"OMP_NUM_THREADS": threads} if threads else {}
    assert probe(tmp_path, "variables", **env) == ({**PINNED, **env}, [])


@pytest.mark.parametrize(
    ("value", "limit"), [("4", 4), ("4,2", 4), (" 3 ,1", 3), ("", 1), ("0", 1), ("many", 1)]
)
def test_stages_take_their_thread_limit_from_the_first_omp_level(monkeypatch, value, limit):
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    assert seeding.thread_limit() == limit


@pytest.mark.parametrize(("value", "count"), [("2", 2), (" 4 ", 4), ("", 1), ("0", 1), ("all", 1)])
def test_tune_takes_its_process_count_from_the_environment(monkeypatch, value, count):
    monkeypatch.setenv("TUNE_PROCESSES", value)
    assert seeding.process_count() == count


@pytest.mark.parametrize("stage", list(cli.STAGES))
def test_the_cli_runs_every_stage_inside_the_thread_limit(stage, tmp_path, monkeypatch):
    shutil.copyfile(ROOT / "params.yaml", tmp_path / "params.yaml")
    seen = []

    def record_thread_counts(*_: object) -> None:
        seen.append({pool["num_threads"] for pool in threadpool_info()})

    monkeypatch.setattr(
        importlib.import_module(f"{PACKAGE}.stages.{stage}"), "run", record_thread_counts
    )
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    arguments = ["--root", str(tmp_path), stage] + (["raw"] if stage == "validate" else [])
    with threadpool_limits(limits=3):
        assert cli.main(arguments) == 0
    assert seen == [{2}]


# Stage -> params it needs to draw at random, and the outputs that must follow the seed.
SEEDED = {
    "ingest": (
        ingest,
        {
            "data.source": "synthetic",
            "data.n_rows": 200,
            "data.label": ingest.LABEL,
            "data.id": None,
        },
        ["raw"],
    ),
    "split": (split, {}, ["split"]),
    "tune": (
        tune,
        {
            "tune.families": ["random_forest"],
            "tune.n_splits": 2,
            "tune.random_forest.grid.n_estimators": [5],
            "tune.random_forest.grid.max_depth": [2],
            "tune.random_forest.sample": None,
        },
        ["candidates"],
    ),
    "train": (train, {}, ["model", "baseline"]),
}


@pytest.mark.parametrize("stage", list(SEEDED))
def test_a_seeded_stage_output_follows_params_seed_alone(stage, params, tmp_path):
    module, changes, outputs = SEEDED[stage]

    def run(seed: int, global_seed: int) -> list[bytes]:
        settings = variant(params, {**changes, "seed": seed})
        paths = tiny_project(tmp_path / f"seed-{seed}-global-{global_seed}", settings)
        select(paths, "random_forest", {"n_estimators": 5, "max_depth": 2, "min_samples_leaf": 1})
        seeding.seed_everything(global_seed)
        module.run(settings, paths)
        return [getattr(paths, output).read_bytes() for output in outputs]

    reference = run(seed=0, global_seed=7)
    other_seed = run(seed=1, global_seed=7)
    for output, before, after in zip(outputs, reference, other_seed):
        assert before != after, f"{stage} writes the same {output} whatever params.seed is"
    assert run(seed=0, global_seed=8) == reference, f"{stage} draws from the global generators"


def test_python_m_runs_a_stage_under_a_fixed_hash_seed_with_threads_pinned(tmp_path):
    shutil.copyfile(ROOT / "params.yaml", tmp_path / "params.yaml")
    result = python("-m", PACKAGE, "--root", str(tmp_path), "manifest", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "reports" / "manifest.json").read_text(encoding="utf-8"))
    assert record["variables"]["PYTHONHASHSEED"] == "0"
    assert record["hash_randomization"] is False
    assert {name: record["variables"][name] for name in seeding.THREAD_VARIABLES} == PINNED
    assert {pool["num_threads"] for pool in record["blas"]} == {1}


def test_importing_the_package_pins_every_thread_pool_to_one_thread(tmp_path):
    assert probe(tmp_path, "pools") == (PINNED, [1])
