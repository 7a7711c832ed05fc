"""A baked project fails exactly the sp-repo-review checks that docs/repo-review.md explains.

sp-repo-review (pinned in requirements/dev.txt) only reads files, so it runs offline and fast. A
new failure, or a documented one that now passes, fails here until the page says so.
"""

from __future__ import annotations

import json
import re

import tasks
from tests.conftest import run

PAGE = tasks.ROOT / "docs" / "repo-review.md"


def documented_failures() -> set[str]:
    """The check ids in the first column of the page's table."""
    text = PAGE.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([A-Z]+\d+)` \|", text, re.MULTILINE))


def test_the_page_names_the_pinned_versions():
    text = PAGE.read_text(encoding="utf-8")
    pins = dict(  # a pin may carry an environment marker after ";"
        line.split(";")[0].split("==")
        for line in tasks.REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert f"sp-repo-review {pins['sp-repo-review']}" in text
    assert f"repo-review {pins['repo-review']}" in text


def test_every_failing_check_is_documented_and_every_documented_one_fails(bake):
    project = bake()
    result = run(
        [tasks.venv_executable(tasks.VENV, "sp-repo-review"), "--format", "json", "."], project
    )
    checks = json.loads(result.stdout)["checks"]
    failing = {name for name, check in checks.items() if check["result"] is False}
    documented = documented_failures()
    assert failing == documented, (
        f"failing but not in {PAGE.name}: {sorted(failing - documented)}; "
        f"in {PAGE.name} but passing: {sorted(documented - failing)}"
    )
    # The settings this issue added are among the passing ones.
    for name in ("MY101", "PP302", "PP304", "PP305", "NOX101", "NOX102", "NOX103"):
        assert checks[name]["result"] is True, name
