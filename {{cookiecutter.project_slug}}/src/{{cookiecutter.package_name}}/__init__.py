"""A reproducible machine-learning pipeline run by DVC, one module per stage.

Importing the package pins BLAS/OpenMP thread counts before numpy is loaded (see ``seeding``).
"""

from .seeding import pin_threads

pin_threads()
