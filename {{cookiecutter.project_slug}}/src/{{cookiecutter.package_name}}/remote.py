"""Commands ``pull`` and ``push``: move data between this clone and the DVC remote, or say in one
line per problem why not, before anything is written.

Plain ``dvc pull`` reports a file missing from the remote as a warning with a bare md5, a checkout
error and a link, after writing whatever it could; ``dvc push`` to an unmounted folder quietly
creates that folder on the local disk. These commands check first (a default remote, that it can
be reached, that every file to move exists somewhere) and only then run DVC itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .config import Paths
from .errors import RemoteError

CREDENTIALS = ".dvc/config.local (`dvc remote modify --local`)"


def dvc(paths: Paths, *args: str, capture: bool = True) -> subprocess.CompletedProcess[str]:
    """Run DVC in the project with this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=paths.root,
        capture_output=capture,
        text=True,
        check=False,
    )


def dvc_error(result: subprocess.CompletedProcess[str]) -> str:
    """DVC's own error line, without its prefix and links."""
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR")]
    return (errors or lines or [f"exit code {result.returncode}"])[0]


def default_remote(paths: Paths) -> tuple[str, str]:
    """Name and URL of the default remote (a folder resolved as DVC resolves it)."""
    # pylint: disable=import-outside-toplevel  # DVC's API costs a second; only these commands
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(str(paths.root)) as repo:
            config = repo.config
    except DvcException as error:
        raise RemoteError([f"cannot read the DVC configuration: {error}"]) from None
    name = config["core"].get("remote")
    if not name:
        raise RemoteError(
            [
                "no default DVC remote: add one with `dvc remote add -d storage <url>` and commit "
                ".dvc/config (credentials go in .dvc/config.local)"
            ]
        )
    if name not in config["remote"]:
        raise RemoteError([f"the default DVC remote '{name}' is not defined in .dvc/config"])
    return name, str(config["remote"][name]["url"])


def check_reachable(name: str, url: str) -> None:
    """A folder remote must exist: DVC would create a missing one (an unmounted share) silently."""
    if "://" not in url and not Path(url).is_dir():
        raise RemoteError(
            [
                f"remote '{name}' ({url}): folder not found; mount it, create it if it is new, or "
                f"point to another with `dvc remote modify {name} url <folder>`"
            ]
        )


def cloud_status(paths: Paths, name: str, url: str) -> dict[str, str]:
    """Each cached output's state against the remote (DVC's ``status --cloud``)."""
    result = dvc(paths, "status", "--cloud", "--json")
    if result.returncode:
        raise RemoteError(
            [
                f"remote '{name}' ({url}) cannot be reached: {dvc_error(result)}; check the URL, "
                f"the network and the credentials in {CREDENTIALS}"
            ]
        )
    status: dict[str, str] = json.loads(result.stdout or "{}")
    return status


def recorded_in(paths: Paths, output: str) -> str:
    """The file that records ``output``'s hash: its ``.dvc`` file, or ``dvc.lock``."""
    tracker = f"{output}.dvc"
    return tracker if (paths / tracker).is_file() else "dvc.lock"


def missing_everywhere(paths: Paths) -> tuple[str, str, list[str]]:
    """The default remote's name and URL (checked reachable), and the recorded files that are
    neither on it nor in the local cache."""
    name, url = default_remote(paths)
    check_reachable(name, url)
    status = cloud_status(paths, name, url)
    return name, url, sorted(output for output, state in status.items() if state == "missing")


def pull(paths: Paths) -> None:
    """Check that every recorded file is on the remote or in the cache, then ``dvc pull`` it."""
    name, url, missing = missing_everywhere(paths)
    if missing:
        raise RemoteError(
            [
                f"{output}: recorded in {recorded_in(paths, output)} but neither on remote "
                f"'{name}' ({url}) nor in the local cache; in the clone that made it, run "
                f"`python -m {__package__} push`"
                for output in missing
            ]
        )
    # Checked above: whatever is still absent is an output of a stage never run (no hash in
    # dvc.lock yet), which `dvc repro` makes; plain `dvc pull` would fail on it.
    if dvc(paths, "pull", "--allow-missing", capture=False).returncode:
        raise RemoteError(["`dvc pull` failed (its messages are above)"])


def push(paths: Paths) -> None:
    """Check that every recorded file is in the local cache, then ``dvc push``."""
    name, _, missing = missing_everywhere(paths)
    if missing:
        raise RemoteError(
            [
                f"{output}: recorded in {recorded_in(paths, output)} but not in the local cache "
                f"(nor on remote '{name}'); run `dvc repro` (or `dvc add` it) before pushing"
                for output in missing
            ]
        )
    if dvc(paths, "push", capture=False).returncode:
        raise RemoteError(["`dvc push` failed (its messages are above)"])


def fork_notice(paths: Paths) -> str:
    """Why a fork's pull request skips the jobs that need the data (for the job summary): GitHub
    gives such runs no secrets and no OIDC token for the remote."""
    name, url = default_remote(paths)
    return (
        "## Jobs that need the data were skipped\n\n"
        "This pull request comes from a fork. GitHub gives a fork's workflow runs no secrets and "
        f"no OIDC token, so they cannot pull from the DVC remote '{name}' ({url}). The tests and "
        "reproduction legs were skipped, not failed. A maintainer can run them by pushing the "
        "branch to this repository, or locally: `python -m "
        f"{__package__} pull`, then `dvc repro` and `pytest`.\n"
    )
