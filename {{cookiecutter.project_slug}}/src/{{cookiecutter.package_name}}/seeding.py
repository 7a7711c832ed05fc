"""The one place where numerics are pinned and randomness is seeded.

Thread counts must be fixed before numpy loads its BLAS, so :func:`pin_threads` runs when this
package is imported (``python -m <package> ...`` always imports it first). Values
already set in the environment win, so ``OMP_NUM_THREADS=4 dvc repro`` still works and is recorded.
"""

from __future__ import annotations

import os
import random

THREADS = "1"
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
    """The thread count stages run with (``OMP_NUM_THREADS``)."""
    return max(1, int(os.environ.get("OMP_NUM_THREADS", THREADS)))


def seed_everything(seed: int) -> None:
    """Seed the global generators, for any library code that draws from them implicitly.

    Project code never relies on this: it passes ``seed`` explicitly to every random choice.
    """
    import numpy  # pylint: disable=import-outside-toplevel  # numpy must load after pin_threads

    random.seed(seed)
    numpy.random.seed(seed)
