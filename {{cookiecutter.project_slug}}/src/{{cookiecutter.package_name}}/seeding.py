"""The one place where numerics are pinned and randomness is seeded.

Thread counts must be fixed before numpy loads its BLAS, so :func:`pin_threads` runs when this
package is imported (``python -m <package> ...`` always imports it first). Values
already set in the environment win, so ``OMP_NUM_THREADS=4 dvc repro`` still works and is recorded.
Python fixes its string-hash seed at start-up, so :func:`rerun_with_fixed_hash_seed` re-runs a
command once under ``PYTHONHASHSEED=0`` when the variable is unset.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

THREADS = "1"
HASH_SEED = "0"
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "BLIS_NUM_THREADS",
)


def pin_threads() -> None:
    """Default every BLAS/OpenMP thread variable to one thread unless already set."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, THREADS)


def thread_limit() -> int:
    """The thread count stages run with: the first number in ``OMP_NUM_THREADS`` (which may list
    nested levels, ``"4,2"``), 1 when unset, empty or unreadable."""
    first = os.environ.get("OMP_NUM_THREADS", THREADS).split(",")[0].strip()
    return max(1, int(first)) if first.isdigit() else 1


def process_count() -> int:
    """Processes ``tune`` fits candidates in: ``TUNE_PROCESSES`` when it is a positive number,
    else 1 (starting workers costs more than the default search saves). Not a param: results
    are the same bytes for any count, so changing it must not rerun anything."""
    value = os.environ.get("TUNE_PROCESSES", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else 1


def seed_everything(seed: int) -> None:
    """Seed the global generators, for any library code that draws from them implicitly.

    Project code never relies on this: it passes ``seed`` explicitly to every random choice.
    """
    import numpy  # pylint: disable=import-outside-toplevel  # numpy must load after pin_threads

    random.seed(seed)
    numpy.random.seed(seed)


def rerun_with_fixed_hash_seed(package: str) -> int | None:
    """Run ``python -m package <same arguments>`` under ``PYTHONHASHSEED=0`` and return its exit
    code, unless a hash seed is already set (then return None and carry on in this process)."""
    if os.environ.get("PYTHONHASHSEED"):
        return None
    command = [sys.executable, "-m", package, *sys.argv[1:]]
    return subprocess.run(
        command, env=dict(os.environ, PYTHONHASHSEED=HASH_SEED), check=False
    ).returncode
