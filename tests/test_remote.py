"""A DVC remote that colleagues pull from, proved with a folder remote (real DVC, no cloud).

Clone A runs the pipeline on a user's own CSV (``dvc add``-ed, ``data.source: file``) and pushes
data, intermediate outputs and models with the project's ``push`` command. Clone B, a fresh
``git clone`` elsewhere with an empty cache, pulls with the project's ``pull`` command (the step
the generated workflows run) and reproduces: no stage runs, the status is clean and every output is
byte-identical to A's. Both sides type the generated README's command blocks, in order.
``dvc repro --pull`` from an empty cache gives the same bytes, and a changed param reruns only the
stages that read it. An unreachable remote, a file missing from the remote
and a ``.dvc`` file whose data were never pushed each end with one ``error:`` line naming the file
and what to do, and nothing is written.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import run
from tests.test_quickstart import bash_block

pytestmark = pytest.mark.slow
IDENTITY = ["-c", "user.name=Remote Tests", "-c", "user.email=remote.tests@example.com"]
OUTPUT_FOLDERS = ("data", "models", "reports")


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder``; fail the test if it fails."""
    result = run(["git", *IDENTITY, *args], folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def ok(result) -> str:
    """The output of a command that must succeed."""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def outputs(project: Path) -> dict[str, bytes]:
    """Every file under the output folders that Git does not track (DVC's), by relative path."""
    tracked = set(git(project, "ls-files").splitlines())
    files = {
        path.relative_to(project).as_posix(): path
        for folder in OUTPUT_FOLDERS
        for path in sorted((project / folder).rglob("*"))
        if path.is_file()
    }
    return {name: path.read_bytes() for name, path in files.items() if name not in tracked}


def ran_stages(output: str) -> set[str]:
    """Stages `dvc repro` ran (not skipped)."""
    return set(re.findall(r"Running stage '([^']+)'", output))


def errors_of(result) -> list[str]:
    """The ``error:`` lines of a failed project command; it must print no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def type_in(folder: Path, line: str, locked_env) -> str:
    """Run one command line of the README as typed: ``poetry run`` in the locked environment
    (which stands in for ``poetry install``), git with a test identity; return its output."""
    words = shlex.split(line)
    if words[:2] == ["poetry", "run"]:
        command = words[4:] if words[2:4] == ["python", "-m"] else words[2:]
        return ok(locked_env(folder, *command))
    assert words[0] == "git", line
    return git(folder, *words[1:])


@pytest.fixture(scope="module")
def shared(bake, locked_env, tmp_path_factory):
    """Clone A, pipeline run on a user's CSV and pushed to a folder remote by the generated
    README's commands, typed in order; the remote folder."""
    root = tmp_path_factory.mktemp("remote")
    storage = root / "storage"
    storage.mkdir()
    project = bake(root / "a", project_name="Shared Data", dvc_remote=storage.as_posix())
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    locked_env.install(project)
    git(project, "init", "--quiet")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Start from the template")
    # The user's own file (the bundled data's columns) and `data.source: file`.
    user_csv = (
        "from {0}.stages.ingest import breast_cancer; breast_cancer().to_csv({1!r}, index=False)"
    )
    code = user_csv.format(package, "data/external/dataset.csv")
    ok(run([locked_env.python, "-c", code], project, locked_env.env))
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    params["data"]["source"] = "file"
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    readme = (project / "README.md").read_text(encoding="utf-8")
    loop = bash_block(readme, "The whole loop, in order")
    assert loop[0] == "poetry run dvc add data/external/dataset.csv", loop
    assert loop[-1] == f"poetry run python -m {package} push", loop
    for line in loop:
        type_in(project, line, locked_env)
    assert git(project, "status", "--porcelain") == ""
    return project, package, storage


def fresh_clone(shared, destination: Path) -> Path:
    """A `git clone` of A elsewhere on disk: no DVC cache, no outputs. (The locked environment
    has A's package installed: the same code.)"""
    project = shared[0]
    git(destination.parent, "clone", "--quiet", str(project), str(destination))
    assert not (destination / ".dvc" / "cache").exists()
    return destination


def pull_step(project: Path) -> str:
    """The data step of the generated ci.yml, which the reproduce legs share."""
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    steps = [step for step in workflow["jobs"]["tests"]["steps"] if "pull" in step.get("run", "")]
    assert len(steps) == 1, workflow["jobs"]["tests"]["steps"]
    return steps[0]["run"]


def test_a_fresh_clone_pulls_and_reproduces_nothing_with_identical_bytes(
    shared, locked_env, tmp_path
):
    project, package, storage = shared
    assert sorted(path.name for path in storage.iterdir()) == ["files"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    colleague = bash_block(readme, "A colleague then clones and pulls")
    assert colleague[:3] == ["git clone <repository-url>", f"cd {project.name}", "poetry install"]
    clone = fresh_clone(shared, tmp_path / "b")
    pull, repro, status = colleague[3:]
    assert pull == pull_step(clone), "the README and ci.yml pull the same way"
    type_in(clone, pull, locked_env)
    ran = type_in(clone, repro, locked_env)
    assert ran_stages(ran) == set(), ran
    assert "Data and pipelines are up to date." in type_in(clone, status, locked_env)
    expected = outputs(project)
    assert {"data/external/dataset.csv", "models/model.skops", "data/raw/dataset.csv"} <= set(
        expected
    )
    assert outputs(clone) == expected
    # A Nox leg's clean copy (Git's files only) takes the pulled data along.
    copy = tmp_path / "nox-copy"
    code = (
        "import pathlib, sys, noxfile\n"
        "class Session:\n"
        "    def error(self, message): sys.exit(message)\n"
        "noxfile.clean_copy(Session(), pathlib.Path(sys.argv[1]))\n"
    )
    ok(run([locked_env.python, "-c", code, str(copy)], clone, locked_env.env))
    copied = copy / "data" / "external" / "dataset.csv"
    assert copied.read_bytes() == expected["data/external/dataset.csv"]
    assert not (copy / "models").exists() and not (copy / ".dvc" / "cache").exists()


def test_repro_pull_from_an_empty_cache_gives_the_same_bytes(shared, locked_env, tmp_path):
    project, _, _ = shared
    clone = fresh_clone(shared, tmp_path / "c")
    ok(locked_env(clone, "dvc", "repro", "--pull"))
    assert outputs(clone) == outputs(project)


def test_a_changed_param_reruns_only_the_stages_that_read_it(shared, locked_env, tmp_path):
    project, package, _ = shared
    clone = fresh_clone(shared, tmp_path / "d")
    ok(locked_env(clone, package, "pull"))
    params = yaml.safe_load((clone / "params.yaml").read_text(encoding="utf-8"))
    params["evaluate"]["threshold"] = 0.6
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    stages = yaml.safe_load((clone / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    readers = {name for name, stage in stages.items() if "evaluate" in stage.get("params", [])}
    assert readers and "train" not in readers
    repro = ok(locked_env(clone, "dvc", "repro"))
    # The card reads the manifest, which records the params: it follows the manifest.
    assert ran_stages(repro) == readers | {"card"}, repro
    assert outputs(clone)["models/model.skops"] == outputs(project)["models/model.skops"]
    metrics = "reports/metrics.json"
    assert (clone / metrics).read_bytes() != (project / metrics).read_bytes()
    report = ok(locked_env(clone, package, "pr-report", "origin/HEAD"))
    assert "| `evaluate.threshold` | `0.5` | `0.6` |" in report, report
    assert "| `model." in report.split("### Metrics", 1)[1], report


def point_remote_at(clone: Path, folder: Path, locked_env) -> None:
    """Use another folder as the default remote, in this clone only (.dvc/config.local)."""
    ok(locked_env(clone, "dvc", "remote", "modify", "--local", "storage", "url", str(folder)))


def test_an_unreachable_remote_is_one_error_line_and_nothing_is_written(
    shared, locked_env, tmp_path
):
    _, package, _ = shared
    clone = fresh_clone(shared, tmp_path / "e")
    unmounted = tmp_path / "unmounted" / "storage"
    point_remote_at(clone, unmounted, locked_env)
    for command in ("pull", "push"):
        result = locked_env(clone, package, command)
        assert result.returncode == 4, result.stdout + result.stderr
        (line,) = errors_of(result)
        assert f"({unmounted.as_posix()}): folder not found; mount it" in line, line
    assert not unmounted.exists() and not (clone / "data" / "external" / "dataset.csv").exists()


def test_a_file_missing_from_the_remote_names_it_and_nothing_is_written(
    shared, locked_env, tmp_path
):
    project, package, storage = shared
    partial = tmp_path / "partial"
    shutil.copytree(storage, partial)
    recorded = yaml.safe_load((project / "data/external/dataset.csv.dvc").read_text())
    md5 = recorded["outs"][0]["md5"]
    (partial / "files" / "md5" / md5[:2] / md5[2:]).unlink()
    clone = fresh_clone(shared, tmp_path / "f")
    point_remote_at(clone, partial, locked_env)
    result = locked_env(clone, package, "pull")
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = errors_of(result)
    assert line.startswith(
        "error: data/external/dataset.csv: recorded in data/external/dataset.csv.dvc but neither "
        "on remote 'storage'"
    ), line
    assert f"run `python -m {package} push`" in line
    assert outputs(clone) == {}


def test_a_dvc_file_whose_data_were_never_pushed_names_it(shared, locked_env, tmp_path):
    _, package, _ = shared
    author = fresh_clone(shared, tmp_path / "g")
    (author / "data" / "external" / "extra.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    ok(locked_env(author, "dvc", "add", "data/external/extra.csv"))
    git(author, "add", "-A")
    git(author, "commit", "--quiet", "-m", "More data, not pushed")
    colleague = tmp_path / "h"
    git(tmp_path, "clone", "--quiet", str(author), str(colleague))
    result = locked_env(colleague, package, "pull")
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = errors_of(result)
    assert line.startswith(
        "error: data/external/extra.csv: recorded in data/external/extra.csv.dvc but neither"
    ), line
    assert outputs(colleague) == {}
