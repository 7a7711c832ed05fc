"""The fault patches of ``tests/faults.py`` keep the generated tests honest.

Fast: every fault has a unique name, names a test that exists and applies cleanly to a fresh default
bake (its old text occurs exactly once, its new text differs), and a patch that no longer matches is
refused. Slow: with the default project installed in the locked environment, the test each fault
names fails under it, so a test weakened later is caught the day it is weakened.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from tests import faults

IDS = [fault.name for fault in faults.FAULTS]
# Every fault, those of the Spark engine among them (run by tests/test_spark_engine.py).
EVERY = [*faults.FAULTS, *faults.SPARK_FAULTS]


def fingerprint(project: Path) -> dict[str, str]:
    """SHA-256 of every file a fault may patch."""
    files = {faults.resolved(fault, faults.package_of(project))[0] for fault in EVERY}
    return {name: hashlib.sha256((project / name).read_bytes()).hexdigest() for name in files}


@pytest.fixture(scope="module", name="project")
def fixture_project(bake) -> Path:
    """A fresh bake with the default answers."""
    return bake()


def test_fault_names_are_unique_slugs_and_each_names_what_it_breaks():
    assert len({fault.name for fault in EVERY}) == len(EVERY) >= 15
    for fault in EVERY:
        assert fault.name.replace("-", "").isalnum() and fault.name.islower(), fault.name
        assert fault.breaks.endswith(".") and fault.module.startswith("tests/test_"), fault.name
        assert fault.function.startswith("test_"), fault.name


@pytest.mark.parametrize("fault", EVERY, ids=[fault.name for fault in EVERY])
def test_each_fault_applies_cleanly_to_a_fresh_bake(fault, project):
    before = fingerprint(project)
    # The test named to catch it exists (a renamed test would send the fault to the whole suite).
    assert f"\ndef {fault.function}(" in (project / fault.module).read_text(encoding="utf-8")
    with faults.applied(fault, project) as path:
        changed = {name for name, digest in fingerprint(project).items() if before[name] != digest}
        assert changed == {path.relative_to(project).as_posix()}
    assert fingerprint(project) == before


def test_a_fault_whose_old_text_is_gone_is_refused(project):
    stale = dataclasses.replace(faults.FAULTS[0], old="text no project contains")
    before = fingerprint(project)
    with pytest.raises(ValueError, match="occurs 0 times"):
        faults.apply(stale, project)
    assert fingerprint(project) == before


@pytest.mark.slow
def test_the_generated_suite_catches_every_fault(bake, locked_env):
    project = bake()
    locked_env.install(project)
    before = fingerprint(project)
    results = faults.run_faults(project, locked_env.python, locked_env.env)
    assert fingerprint(project) == before
    assert [result.name for result in results] == IDS
    missed = [f"{result.name}:\n{result.output}" for result in results if not result.caught]
    assert not missed, "\n\n".join(missed)
    assert {result.name: result.by for result in results} == {
        fault.name: fault.caught_by for fault in faults.FAULTS
    }


def test_the_benchmarks_page_lists_every_fault_and_the_count():
    page = (Path(__file__).parents[1] / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", page, re.MULTILINE)
    assert listed == [fault.name for fault in EVERY]
    assert f"**{len(IDS)} of {len(IDS)} caught**" in page
    spark = len(faults.SPARK_FAULTS)
    assert f"**{spark} of {spark} Spark faults caught**" in page
