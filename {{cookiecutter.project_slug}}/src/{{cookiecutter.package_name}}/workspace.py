"""Where a notebook finds this project's files, whatever folder its kernel started in.

DVC runs every stage in the project folder, so stages take paths relative to it. A notebook's kernel
starts wherever Jupyter, an editor or a test runner likes, so a notebook must not lean on the
working directory: it asks :func:`project_paths`, which finds the project from where this package
is installed (``poetry install`` installs it in place, from ``src/``). Every file is then named by
:class:`~.config.Paths`, the same place the stages use, so a notebook never holds a data path.
"""

from __future__ import annotations

from pathlib import Path

from .config import Paths
from .errors import DataError, PipelineError

# src/<package>/workspace.py -> the project folder, two levels above the package.
_PROJECT_LEVELS_UP = 2


def project_paths() -> Paths:
    """The project's files, found from this package's own location (not the working directory)."""
    root = Path(__file__).resolve().parents[_PROJECT_LEVELS_UP]
    if not (root / "dvc.yaml").is_file():
        raise PipelineError(
            [
                f"{__package__} is installed outside its project (no dvc.yaml in {root}); "
                "install the project in place with `poetry install` to use it from a notebook"
            ]
        )
    return Paths.of(root)


def require(*files: Path) -> None:
    """Stop with one line per pipeline output that is not there yet."""
    missing = [path for path in files if not path.exists()]
    if missing:
        raise DataError([f"{path}: not there yet; run `dvc repro` first" for path in missing])
