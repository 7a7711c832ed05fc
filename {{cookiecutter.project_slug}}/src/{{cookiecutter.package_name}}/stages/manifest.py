"""Stage ``manifest``: record where and how this run happened, so a difference can be explained.

Once every other output exists (only the model card, which reads it, comes later), each run
writes ``reports/manifest.json``: the Git commit (and whether the tree had other changes), the
hash of ``poetry.lock``, the output hashes DVC recorded in ``dvc.lock``, the params, and the
environment that can change numbers: Python, OS, CPU, BLAS and thread pools (threadpoolctl),
versions of the key packages, the thread and hash-seed variables, GPUs, and whether it ran in a
container. It holds no times, host names or absolute paths, so rerunning on the same machine and
commit writes the same bytes. ``compare`` reads manifests to name what differs
between environments; manifests themselves are never compared for equality.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from ..artifacts import write_json
from ..config import Params, Paths

PACKAGES = (
    "dvc",
    "great-expectations",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "scikit-learn",
    "scipy",
    "skops",
    "threadpoolctl",
)
# Variables that change numerical results or their reproducibility.
NUMERIC_VARIABLES = (
    "BLIS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_NUM_THREADS",
    "PYTHONHASHSEED",
    "VECLIB_MAXIMUM_THREADS",
)
BLAS_FIELDS = ("user_api", "internal_api", "prefix", "version", "threading_layer", "architecture")


def _git(root: Path, *args: str) -> str | None:
    """Output of a git command in ``root``, or None without Git or a repository."""
    if shutil.which("git") is None:
        return None
    result = subprocess.run(
        ["git", *args],
        cwd=root,
        capture_output=True,
        encoding="utf-8",
        errors="surrogateescape",
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def git_state(root: Path, outputs: list[str]) -> dict[str, Any]:
    """Commit and dirty flag: changed or new files the commit does not hold. Pipeline outputs and
    ``dvc.lock`` change during a run, so they are not counted."""
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    if commit is None or status is None:
        return {"commit": commit and commit.strip(), "dirty": None}
    ignored = {"dvc.lock", *outputs}
    changed = [entry[3:] for entry in status.split("\0") if entry]
    dirty = any(path not in ignored and not path.startswith(tuple(ignored)) for path in changed)
    return {"commit": commit.strip(), "dirty": dirty}


def recorded_outputs(root: Path) -> dict[str, dict[str, str]]:
    """``path -> md5`` of the outputs in ``dvc.lock``, as DVC hashed them: ``before`` this stage
    (recorded), and ``after`` it (this stage and those that read the manifest, such as the model
    card: they change after it runs, so it can neither record nor count them)."""
    lock_file = root / "dvc.lock"
    if not lock_file.is_file():
        return {"before": {}, "after": {}}
    stages = yaml.safe_load(lock_file.read_text(encoding="utf-8")).get("stages", {})
    manifest = "reports/manifest.json"
    found: dict[str, dict[str, str]] = {"before": {}, "after": {}}
    for name, stage in sorted(stages.items()):
        reads_manifest = any(dep["path"] == manifest for dep in stage.get("deps", []))
        side = "after" if name == "manifest" or reads_manifest else "before"
        found[side].update({out["path"]: out.get("md5", "") for out in stage.get("outs", [])})
    return found


def cpu_model() -> str:
    """The CPU's marketing name where the OS tells it, else the architecture."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    if sys.platform == "darwin":
        brand = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"],
            capture_output=True,
            text=True,
            check=False,
        )
        if brand.returncode == 0:
            return brand.stdout.strip()
    return platform.processor() or platform.machine()


def gpus() -> list[str]:
    """NVIDIA GPUs and driver, if ``nvidia-smi`` is present; an empty list otherwise."""
    if shutil.which("nvidia-smi") is None:
        return []
    query = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"]
    try:
        result = subprocess.run(query, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ["nvidia-smi present but not answering"]
    if result.returncode != 0:
        return ["nvidia-smi present but no usable driver"]
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def in_container() -> bool:
    """Whether this process runs in a container (Docker, Podman, Kubernetes)."""
    if Path("/.dockerenv").exists() or Path("/run/.containerenv").exists():
        return True
    cgroup = Path("/proc/1/cgroup")
    text = cgroup.read_text(encoding="utf-8", errors="replace") if cgroup.is_file() else ""
    return any(word in text for word in ("docker", "containerd", "kubepods", "libpod"))


def blas() -> list[dict[str, Any]]:
    """Thread pools and BLAS libraries numpy, scipy and scikit-learn load (no file paths)."""
    # pylint: disable=import-outside-toplevel,unused-import
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    import sklearn  # noqa: F401
    from threadpoolctl import threadpool_info

    pools = [
        {field: pool.get(field) for field in (*BLAS_FIELDS, "num_threads")}
        for pool in threadpool_info()
    ]
    # Every field in the key: libraries load in any order, the manifest lists them in one.
    return sorted(pools, key=lambda pool: [str(pool[field]) for field in sorted(pool)])


def version(package: str) -> str | None:
    """Installed version of ``package``, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def build(params: Params, paths: Paths) -> dict[str, Any]:
    """The manifest of the run in ``paths.root``."""
    outputs = recorded_outputs(paths.root)
    written = [paths.manifest, paths.card]  # also before their first run, absent from dvc.lock
    lock = paths.root / "poetry.lock"
    return {
        "git": git_state(
            paths.root,
            [
                *outputs["before"],
                *outputs["after"],
                *(path.relative_to(paths.root).as_posix() for path in written),
            ],
        ),
        "poetry_lock_sha256": (
            hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None
        ),
        "outputs": outputs["before"],
        "seed": params.seed,
        "params": params.model_dump(mode="json"),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "os": {"system": platform.system(), "release": platform.release()},
        "cpu": {"model": cpu_model(), "architecture": platform.machine(), "count": os.cpu_count()},
        "blas": blas(),
        "packages": {package: version(package) for package in PACKAGES},
        "variables": {name: os.environ.get(name) for name in NUMERIC_VARIABLES},
        "hash_randomization": bool(sys.flags.hash_randomization),
        "gpus": gpus(),
        "container": in_container(),
    }


def run(params: Params, paths: Paths) -> None:
    """Write ``reports/manifest.json``."""
    write_json(build(params, paths), paths.manifest)
