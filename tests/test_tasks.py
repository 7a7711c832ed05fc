"""``tasks.py`` itself: an old Python is told in one line what it needs, and the generated project's
Makefile shows its targets instead of running one when called bare."""

from __future__ import annotations

import json
import re
import shutil
import sys

import pytest

import tasks
from tests.conftest import ROOT, interpreter, run

SIMULATED_PYTHON_3_10 = (
    "import sys; sys.version_info = (3, 10, 13, 'final', 0); sys.argv = ['tasks.py', 'demo']; "
    "exec(compile(open('tasks.py', encoding='utf-8').read(), 'tasks.py', 'exec'))"
)
NEEDS = "error: tasks.py needs Python 3.11 or newer (this is 3.10)"


def test_an_old_python_gets_one_line_naming_the_version_it_needs():
    result = run([sys.executable, "-c", SIMULATED_PYTHON_3_10], ROOT)
    assert result.returncode == 1
    assert result.stderr.startswith(NEEDS) and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("task", ["demo", "test", "lock"])
def test_a_real_python_3_10_gets_the_same_line(task):
    python = interpreter("3.10")
    if python is None:
        pytest.skip("no Python 3.10 on this machine (the simulated check above still runs)")
    result = run([python, "tasks.py", task], ROOT)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(NEEDS) and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="no make here (Windows runners)")
def test_make_alone_lists_the_targets_and_runs_nothing(bake):
    project = bake()
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^([a-z]+):\s+## (.+)$", makefile, re.MULTILINE))
    result = run(["make"], project)
    assert result.returncode == 0, result.stderr
    listed = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert listed == documented and len(listed) >= 6
    assert not (project / ".venv").exists()


@pytest.mark.slow
def test_the_demo_command_runs_the_pipeline_and_prints_every_headline_score():
    existed = tasks.DEMO_DIR.exists()
    result = run([sys.executable, "tasks.py", "demo"], ROOT)
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        (metrics_file,) = tasks.DEMO_DIR.glob("*/reports/metrics.json")
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        for name in metrics["baseline"]:
            line = rf"^ +{name}: model \d\.\d{{4}}   baseline \d\.\d{{4}}$"
            assert re.search(line, result.stdout, re.MULTILINE), (name, result.stdout[-1500:])
    finally:
        if not existed:
            shutil.rmtree(tasks.DEMO_DIR, ignore_errors=True)
