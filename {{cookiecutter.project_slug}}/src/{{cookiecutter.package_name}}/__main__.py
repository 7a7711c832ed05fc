"""Run the command-line interface with ``python -m <package>``, always under a fixed hash seed."""

import sys

from .seeding import rerun_with_fixed_hash_seed

EXIT_CODE = rerun_with_fixed_hash_seed(__package__)
if EXIT_CODE is None:
    from .cli import main  # pylint: disable=wrong-import-position

    EXIT_CODE = main()
sys.exit(EXIT_CODE)
