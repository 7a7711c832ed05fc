"""Commands ``collect`` and ``reproduce``: package one run for comparison with runs made elsewhere.

``collect DEST`` copies the manifest and every output the policy compares by content into a new
folder, after checking that each is the file the manifest describes (DVC's md5), so a stale manifest
can never vouch for other files. ``reproduce DEST`` runs every stage from scratch first
(``dvc repro --force --no-run-cache``): the one command every reproduction leg runs, whether in Nox,
in a GitHub Actions leg or in Docker.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from ..config import Paths
from ..errors import DataError
from .policy import Policy

MANIFEST = "manifest.json"


def md5_of(path: Path) -> str:
    """The md5 DVC records for a file (of its raw bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect(paths: Paths, destination: Path, policy: Policy) -> None:
    """Copy the manifest and the outputs compared by content into ``destination``."""
    if destination.exists() and any(destination.iterdir()):
        raise DataError([f"{destination}: not empty; collect each run into a new folder"])
    if not paths.manifest.is_file():
        raise DataError([f"{paths.manifest}: missing; run `dvc repro` first"])
    recorded = json.loads(paths.manifest.read_text(encoding="utf-8")).get("outputs", {})
    problems = []
    for name in policy.outputs:
        if not (paths / name).is_file():
            problems.append(f"{name}: missing; run `dvc repro` first")
        elif recorded.get(name) != md5_of(paths / name):
            problems.append(f"{name}: differs from the manifest's record; run `dvc repro`")
    if problems:
        raise DataError(problems)
    copies = {MANIFEST: paths.manifest}
    copies.update(
        {name: paths / name for name, check in policy.outputs.items() if check != "exact"}
    )
    for name, source in copies.items():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def reproduce(paths: Paths, destination: Path, policy: Policy) -> None:
    """Run every stage from scratch, then collect the run into ``destination``."""
    command = [sys.executable, "-m", "dvc", "repro", "--force", "--no-run-cache"]
    if subprocess.run(command, cwd=paths.root, check=False).returncode != 0:
        raise DataError(["reproduce: `dvc repro` failed (its messages are above)"])
    collect(paths, destination, policy)
