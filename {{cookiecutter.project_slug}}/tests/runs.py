"""Run the pipeline in a temporary copy of the project and fingerprint what it wrote.

Tests use this to prove reruns are byte-identical without touching this checkout's data, models or
DVC cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# What a pipeline run needs from the checkout: definition, params, code and the input folder.
PIPELINE_FILES = (
    "dvc.yaml",
    "params.yaml",
    "tolerance.yaml",
    "model_card.yaml",
    "poetry.lock",
    ".dvcignore",
    ".dvc/config",
    "src",
    "expectations",
    "data/external",
)


def python_module(project: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m <module> <args>`` in ``project`` with this interpreter's environment first
    on PATH and DVC's analytics off."""
    env = dict(os.environ, DVC_NO_ANALYTICS="1")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("DVC_SITE_CACHE_DIR", str(project / ".dvc" / "site-cache"))
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def dvc(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``dvc`` in ``project``."""
    return python_module(project, "dvc", *args)


def project_command(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python -m {{ cookiecutter.package_name }} <args>`` in ``project``."""
    return python_module(project, "{{ cookiecutter.package_name }}", *args)


def copy_pipeline(destination: Path) -> Path:
    """Copy what the pipeline needs into ``destination``, set up to run without Git."""
    for name in PIPELINE_FILES:
        source, target = ROOT / name, destination / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (destination / ".dvc" / "config.local").write_text("[core]\n    no_scm = true\n")
    return destination


def pipeline_stages(project: Path) -> dict[str, dict]:
    """The stages of ``dvc.yaml``, ``foreach`` stages expanded and named as DVC names them
    (``validate@raw``), with ``${tables}`` from ``params.yaml``."""
    text = (project / "dvc.yaml").read_text(encoding="utf-8")
    tables = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))["tables"]
    stages = yaml.safe_load(text.replace("${tables}", tables))["stages"]
    expanded = {}
    for name, stage in stages.items():
        for key, item in stage.get("foreach", {}).items():
            text = json.dumps(stage["do"]).replace("${key}", key).replace("${item}", item)
            expanded[f"{name}@{key}"] = json.loads(text)
        if "foreach" not in stage:
            expanded[name] = stage
    return expanded


def declared_outputs(project: Path) -> list[Path]:
    """Every output path ``dvc.yaml`` declares, in file order."""
    stages = pipeline_stages(project)
    outs = [out for stage in stages.values() for out in stage.get("outs", [])]
    return [project / (next(iter(out)) if isinstance(out, dict) else out) for out in outs]


def output_hashes(project: Path) -> dict[str, str]:
    """SHA-256 of every file under every declared output, keyed by project-relative path."""
    hashes = {}
    for out in declared_outputs(project):
        files = sorted(out.rglob("*")) if out.is_dir() else [out]
        for path in files:
            if path.is_file():
                hashes[path.relative_to(project).as_posix()] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return hashes


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Outputs whose bytes differ between two fingerprints, or that only one of them has."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
