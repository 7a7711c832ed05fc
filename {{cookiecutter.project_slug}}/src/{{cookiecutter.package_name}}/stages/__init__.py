"""The pipeline's stages: one module per DVC stage, named as in ``dvc.yaml`` and the CLI.

Each module has a ``run(params, paths, ...)`` that reads its inputs from ``config.Paths`` and writes
its outputs there, nothing else. DVC decides the order and what to rerun; a stage never calls
another stage's ``run``. Support code (config, canonical writers, model files, figures, reports)
lives in the package above, and nothing there imports a stage.
"""
