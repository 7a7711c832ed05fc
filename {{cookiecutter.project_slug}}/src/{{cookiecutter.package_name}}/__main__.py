"""Run the command-line interface with ``python -m <package>``."""

import sys

from .cli import main

sys.exit(main())
