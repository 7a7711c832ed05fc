"""Bad answers are rejected before anything is written; odd but valid ones bake cleanly.

The pre-generation hook prints one ``error:`` line per problem; cookiecutter then removes the
project folder it had started, so nothing half-written is left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
import yaml
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from cookiecutter.hooks import run_script_with_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DEFAULT_ANSWERS, ROOT

BAD_ANSWERS = [
    (
        {"package_name": "my-package"},
        "package_name 'my-package' is not a lowercase Python identifier",
    ),
    (
        {"package_name": "1st_model"},
        "package_name '1st_model' is not a lowercase Python identifier",
    ),
    ({"package_name": "class"}, "package_name 'class' is a Python keyword"),
    ({"package_name": "match"}, "package_name 'match' is a Python keyword"),
    ({"package_name": "json"}, "package_name 'json' would shadow the standard-library module"),
    ({"package_name": "sklearn"}, "package_name 'sklearn' would shadow a dependency"),
    ({"package_name": "a" * 41}, "package_name 'aaaa"),
    ({"project_slug": "my project", "package_name": "ok"}, "project_slug 'my project' is not a"),
    ({"project_slug": "-lead", "package_name": "ok"}, "project_slug '-lead' is not a valid"),
    ({"project_slug": "../escape", "package_name": "ok"}, "project_slug '../escape' is not a"),
    ({"author_email": "nobody.example.com"}, "author_email 'nobody.example.com' is not an e-mail"),
    ({"author_email": "a@b@c"}, "author_email 'a@b@c' is not an e-mail"),
    ({"github_owner": "bad--owner"}, "github_owner 'bad--owner' is not a GitHub user"),
    ({"project_name": "   "}, "project_name must not be empty"),
    (
        {"author_name": "Tab\there"},
        "author_name contains control or unprintable characters (U+0009)",
    ),
    (
        {"description": "two\nlines"},
        "description contains control or unprintable characters (U+000A)",
    ),
    (
        {"dvc_remote": "https://example.com/dvc"},
        "dvc_remote 'https://example.com/dvc' uses the unsupported scheme 'https://'",
    ),
    (
        {"dvc_remote": "s3://AKIAEXAMPLE:secret@bucket/data"},
        "dvc_remote 's3://AKIAEXAMPLE:secret@bucket/data' carries credentials; put them in "
        ".dvc/config.local",
    ),
    (
        {"dvc_remote": "ssh://dvc:hunter2@host/srv/dvc"},
        "dvc_remote 'ssh://dvc:hunter2@host/srv/dvc' carries credentials",
    ),
    (
        {"dvc_remote": "azure://container/data?sig=abc123"},
        "dvc_remote 'azure://container/data?sig=abc123' carries credentials in its query",
    ),
    ({"dvc_remote": "s3://"}, "dvc_remote 's3://' names no bucket, container or host"),
    ({"dvc_remote": "host:/srv/dvc"}, "dvc_remote 'host:/srv/dvc' is not a URL DVC can use"),
    ({"dvc_remote": "/mnt/my share"}, "dvc_remote '/mnt/my share' contains spaces"),
]
GOOD_REMOTES = [
    "",
    "s3://bucket/path",
    "gs://bucket/path",
    "azure://container/path",
    "ssh://dvc@host:2222/srv/dvc",
    "/mnt/nfs/dvc-storage",
    "../dvc-storage",
    "C:/dvc-storage",
]


def bake_outcome(bake, answers, output):
    """Bake into ``output``; return the project folder, or the exception that stopped the bake."""
    try:
        return bake(output, **answers)
    except CookiecutterException as error:
        assert list(output.iterdir()) == [], "a rejected bake left files behind"
        return error


@pytest.mark.parametrize(
    ("answers", "message"), BAD_ANSWERS, ids=[next(iter(a)) for a, _ in BAD_ANSWERS]
)
def test_bad_answer_is_rejected_with_its_message_and_leaves_nothing(
    answers, message, tmp_path, bake, capfd
):
    outcome = bake_outcome(bake, answers, tmp_path)
    assert isinstance(outcome, FailedHookException)
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {message}")
    assert not (tmp_path.parent / "escape").exists()


def run_hook(capfd, **answers):
    """Render and run the pre-generation hook directly, as cruft does with stored answers that
    bypass cookiecutter's own choice checks; return its ``error:`` lines."""
    context = {"cookiecutter": dict(DEFAULT_ANSWERS, **answers)}
    try:
        run_script_with_context(str(ROOT / "hooks" / "pre_gen_project.py"), str(ROOT), context)
    except FailedHookException:
        pass
    return [line for line in capfd.readouterr().err.splitlines() if line.startswith("error:")]


def test_hook_accepts_the_defaults(capfd):
    assert run_hook(capfd, project_slug="default-slug", package_name="default_slug") == []


@pytest.mark.parametrize("remote", GOOD_REMOTES)
def test_hook_accepts_every_offered_kind_of_remote(capfd, remote):
    errors = run_hook(capfd, project_slug="ok", package_name="ok", dvc_remote=remote)
    assert errors == []


def test_unsupported_choices_that_bypass_cookiecutter_are_rejected(capfd):
    errors = run_hook(
        capfd, project_slug="ok", package_name="ok", python_version="3.10", license="GPL"
    )
    assert errors == [
        "error: python_version '3.10' is not supported (choose one of 3.11, 3.12, 3.13)",
        "error: license 'GPL' is not offered "
        "(choose one of MIT, BSD-3-Clause, Apache-2.0, Proprietary)",
    ]


def test_every_problem_is_reported_at_once(bake, capfd, tmp_path):
    answers = {"package_name": "class", "author_email": "nobody", "github_owner": "-x"}
    outcome = bake_outcome(bake, answers, tmp_path)
    assert isinstance(outcome, FailedHookException)
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error:")]
    assert [line.split()[1] for line in errors] == ["package_name", "author_email", "github_owner"]


FREE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=24
) | st.sampled_from(
    ['"quoted"', "back\\slash", "it's", "key: value", "# hash", "[toml]", "{{ jinja }}", "ünï ☃ 𝔘"]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=FREE_TEXT, description=FREE_TEXT, author=FREE_TEXT)
def test_any_answer_bakes_a_parseable_importable_project_or_is_rejected(
    bake, tmp_path_factory, name, description, author
):
    answers = {"project_name": name, "description": description, "author_name": author}
    outcome = bake_outcome(bake, answers, tmp_path_factory.mktemp("answers"))
    if isinstance(outcome, CookiecutterException):
        return
    project = outcome
    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata["description"] == description
    assert metadata["authors"][0]["name"] == author
    assert (
        json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))["project_name"]
        == name
    )
    yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    package = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))[
        "package_name"
    ]
    imported = subprocess.run(
        [sys.executable, "-c", f"import {package}"],
        cwd=project / "src",
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
