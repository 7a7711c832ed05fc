"""A new user's first hour, typed literally: the generated README's quick start, then experiments.

A fresh bake, a plain shell (Poetry on PATH, the project's virtualenv not; Git configured with a
name and e-mail, as the README asks), and every command of the README's quick start and experiments
blocks run in order as written. Then what the README promises of them is checked: `.venv/` in the
project, commit hooks that ran from that shell, a repository whose second commit holds `dvc.lock`
and the reports, a manifest naming the commit whose code ran, a documentation site built with the
README's command which, with the gate reports, opens in a headless browser (``tests/browser.py``)
with no outside request, failed request or console error, and readable experiment tables.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

import tasks
from tests import browser as browser_support
from tests.conftest import run

pytestmark = pytest.mark.slow
WIDTH = 120
NARROW_VIEW = 130
# The scores `dvc metrics show` and `dvc exp show` compare (the rest are in reports/scores.json).
HEADLINE = ["balanced_accuracy", "f1", "roc_auc"]


def bash_block(readme: str, heading: str) -> list[str]:
    """The command lines of the first ``bash`` block after ``heading``, comments removed."""
    section = readme[readme.index(heading) :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, f"no bash block under {heading!r}"
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def plain_shell(tmp_path: Path) -> dict[str, str]:
    """A user's shell: Poetry on PATH but no project environment, and a configured Git."""
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = New User\n\temail = new.user@example.com\n")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "POETRY_VIRTUALENVS_IN_PROJECT", "PYTHONDONTWRITEBYTECODE"}
    }
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1")
    return env


def type_in(project: Path, commands: list[str], env: dict[str, str]) -> dict[str, str]:
    """Run each command in bash, in order, as a user would; stop at the first failure."""
    outputs = {}
    for command in commands:
        result = run(["bash", "-c", command], project, env)
        assert (
            result.returncode == 0
        ), f"{command}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        outputs[command] = result.stdout
    return outputs


@pytest.fixture(scope="module")
def first_hour(bake, tmp_path_factory):
    """A fresh bake after the quick start and the experiments block, with what they printed."""
    project = bake()
    env = plain_shell(tmp_path_factory.mktemp("shell"))
    assert not (project / ".venv").exists()
    assert str(project / ".venv") not in env["PATH"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    quick_start = bash_block(readme, "## Quick start")
    experiments = bash_block(readme, "## Changing params and rerunning")
    outputs = type_in(project, quick_start + experiments, env)
    return project, env, quick_start, experiments, outputs


def git(project: Path, *args: str) -> str:
    """Output of a git command in the project."""
    result = run(["git", *args], project)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_quick_start_leaves_a_committed_project_with_its_environment_inside(first_hour):
    project, _, quick_start, _, _ = first_hour
    assert quick_start[:2] == ["git init", "poetry install"]
    assert tasks.venv_executable(project / ".venv", "python").is_file()
    subjects = git(project, "log", "--format=%s").splitlines()
    assert subjects == ["Run the pipeline", "Start from the template"]
    recorded = git(project, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert {"dvc.lock", "reports/metrics.json", "reports/manifest.json"} <= set(recorded)


def test_the_commit_hooks_ran_from_the_plain_shell(first_hour):
    project, _, _, _, _ = first_hour
    hook = (project / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    assert "pre-commit" in hook
    configured = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    tools = configured.count("- id:") - configured.count("language: fail")
    assert configured.count("entry: poetry run ") == tools > 0


def test_the_manifest_names_the_commit_whose_code_ran(first_hour):
    project, _, _, _, _ = first_hour
    committed = json.loads(git(project, "show", "HEAD:reports/manifest.json"))
    assert committed["git"] == {"commit": git(project, "rev-parse", "HEAD~1"), "dirty": False}


def test_the_site_and_the_gate_reports_open_in_a_browser_with_nothing_from_outside(
    first_hour, browser
):
    project, env, _, _, _ = first_hour
    readme = (project / "README.md").read_text(encoding="utf-8")
    build = bash_block(readme, "## Documentation")[-1]
    assert build == "poetry run mkdocs build --strict", build
    type_in(project, [build], env)
    site, reports = project / "site", project / "reports"
    assert len(browser_support.html_pages(site)) >= 9
    assert {"raw.html", "features.html"} <= {
        path.name for path in (reports / "validation").iterdir()
    }
    # Every page of the site, then every page the pipeline wrote (the gate reports among them),
    # in one browser: no outside request, no failed request, no console error.
    problems = [
        *browser_support.audit_site(site, browser),
        *browser_support.audit_site(reports, browser),
    ]
    assert not problems, "\n".join(problems)
    assert browser.proxy.since(0) == []


def header(table: str) -> list[str]:
    """Column names of a DVC table."""
    line = next(line for line in table.splitlines() if "Experiment" in line or "Path" in line)
    return re.split(r"\s{2,}", line.strip())


def test_metrics_show_holds_the_headline_scores_only(first_hour):
    _, _, _, _, outputs = first_hour
    shown = outputs["poetry run dvc metrics show"]
    model = sorted([*HEADLINE, "cv_roc_auc"])  # the score tune chose by, beside the test scores
    headline = [f"baseline.{score}" for score in HEADLINE] + [f"model.{score}" for score in model]
    assert header(shown) == ["Path", *headline], shown


def test_changed_params_and_scores_fit_in_the_first_120_columns(first_hour):
    project, _, _, experiments, outputs = first_hour
    assert experiments == [
        "poetry run dvc exp run -S seed=1",
        "poetry run dvc exp show --only-changed",
    ]
    table = outputs[experiments[1]]
    line = next(line for line in table.splitlines() if "Experiment" in line)
    # Params and scores, no files: paths, or outputs such as the models/ folder.
    changed = [name for name in header(table) if "/" not in name and not (project / name).exists()]
    assert "seed" in changed and any(name.startswith("model.") for name in changed), table
    # DVC puts scores and params before file hashes: a terminal, or less's first screen, shows
    # them; the hashes after them collapse to "…" or scroll.
    assert all(line.index(name) + len(name) <= WIDTH for name in changed), line


def test_the_documented_experiment_views_work(first_hour):
    project, env, _, _, _ = first_hour
    readme = (project / "README.md").read_text(encoding="utf-8")
    drop, keep = re.findall(r"`(--drop '[^']+')`", readme), re.findall(
        r"`(--keep '[^']+')`", readme
    )
    sort = re.findall(r"`(--sort-by \S+ --sort-order desc)`", readme)
    assert len(drop) == len(keep) == len(sort) == 1
    views = type_in(
        project,
        [
            f"poetry run dvc exp show --only-changed {drop[0]} {keep[0]}",
            f"poetry run dvc exp show --only-changed {sort[0]}",
        ],
        env,
    )
    narrow, by_score = views.values()
    assert "data/split/split.csv" not in narrow and "tune.rule" in narrow, narrow
    # The experiment name, the changed scores, seed and tune.rule.
    assert max(map(len, narrow.splitlines())) <= NARROW_VIEW, narrow
    assert "model.cv_roc_auc" in by_score


def queue_finished(project: Path, env: dict[str, str]) -> str:
    """``dvc queue status`` once no experiment is queued or running and no worker is left."""
    status = ""
    for _ in range(120):
        result = run(["poetry", "run", "dvc", "queue", "status"], project, env)
        status = result.stdout
        busy = re.search(r"\b(Queued|Running)\b", status) or not re.search(
            r"Worker status: 0 active, 0 idle", status
        )
        if result.returncode == 0 and not busy:
            return status
        time.sleep(5)
    raise AssertionError(f"the queue did not finish in 10 minutes:\n{status}")


def test_a_queued_two_point_experiment_runs_and_the_best_by_cross_validation_is_applied(
    first_hour,
):
    project, env, _, _, _ = first_hour
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("Queue several runs") :]
    queue, start, status, show, apply = bash_block(section, "Queue several runs")
    assert status == "poetry run dvc queue status" and apply == "poetry run dvc exp apply <name>"
    try:
        queued = re.findall(r"Queued experiment '([\w-]+)'", type_in(project, [queue], env)[queue])
        type_in(project, [start], env)
        assert re.findall(r"\bSuccess\b", queue_finished(project, env)) == ["Success"] * 2
        table = type_in(project, [show], env)[show]
    finally:
        run(["poetry", "run", "dvc", "queue", "stop", "--kill"], project, env)
        queue_finished(project, env)
    assert len(queued) == 2, queued
    score, rule = (header(table).index(name) for name in ("model.cv_roc_auc", "tune.rule"))
    rows = {  # queued name -> (cv score, rule), in the order the sorted table lists them
        name: (float(cells[score]), cells[rule])
        for cells in (re.split(r"\s{2,}", line.strip()) for line in table.splitlines())
        for name in re.findall(r"\[([\w-]+)\]", cells[0])
        if name in queued
    }
    assert sorted(rows) == sorted(queued), table
    best = next(iter(rows))
    type_in(project, [apply.replace("<name>", best)], env)
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    scores = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert params["tune"]["rule"] == rows[best][1]
    assert scores["model"]["cv_roc_auc"] == max(score for score, _ in rows.values()), table
    # best_mean takes the best mean by definition; the other rule can only tie it.
    assert rows[best][0] == next(score for score, rule in rows.values() if rule == "best_mean")


def local_json(url: str, token: str) -> dict | None:
    """A JSON answer from a local server (no proxy), or None while it does not answer yet."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with opener.open(request, timeout=5) as response:
            return json.load(response)
    except OSError:
        return None


def test_the_notebooks_block_installs_jupyterlab_which_opens_the_script_as_a_notebook(
    first_hour, tmp_path
):
    project, env, _, _, _ = first_hour
    readme = (project / "README.md").read_text(encoding="utf-8")
    install, lab, execute = bash_block(readme, "## Notebooks")
    assert (install, lab) == ("poetry install --with notebooks", "poetry run jupyter lab")
    type_in(project, [install], env)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    headless = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port}"
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        headless += " --allow-root"
    log = (tmp_path / "lab.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # the README's command, with what a browserless run needs
        ["bash", "-c", f"exec {lab} {headless} --IdentityProvider.token={token}"],
        cwd=project,
        env=dict(env, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime")),
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/notebooks/explore.py?type=notebook"
        model = None
        for _ in range(120):
            model = model or local_json(url, token)
            if model or server.poll() is not None:
                break
            time.sleep(1)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    assert model, (tmp_path / "lab.log").read_text(encoding="utf-8")[-3000:]
    assert model["type"] == "notebook"
    sources = [cell["source"] for cell in model["content"]["cells"]]
    assert any("project_paths()" in source for source in sources)
    assert "passed" in type_in(project, [execute], env)[execute]


def test_a_notebook_saved_with_outputs_is_committed_without_them(first_hour):
    project, env, _, _, _ = first_hour
    paired = project / "notebooks" / "explore.ipynb"
    type_in(project, ["poetry run jupytext --to ipynb notebooks/explore.py"], env)
    notebook = json.loads(paired.read_text(encoding="utf-8"))
    code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    code["execution_count"] = 1
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1000 rows\n"]}]
    paired.write_text(json.dumps(notebook), encoding="utf-8")
    commit = ["git add notebooks/explore.ipynb", "git commit -m 'Pair the notebook'"]
    refused = run(["bash", "-c", " && ".join(commit)], project, env)
    hooks_said = refused.stdout + refused.stderr  # Git sends a hook's output to stderr
    assert refused.returncode != 0, hooks_said
    assert re.search(r"strip notebook outputs\.+Failed", hooks_said), hooks_said
    type_in(project, commit, env)  # the hook stripped the file; the second commit takes it
    stored = json.loads(git(project, "show", "HEAD:notebooks/explore.ipynb"))
    code_cells = [cell for cell in stored["cells"] if cell["cell_type"] == "code"]
    assert code_cells and all(
        cell["outputs"] == [] and cell["execution_count"] is None for cell in code_cells
    )
