"""Stage ``train``: fit the candidate ``tune`` chose, and the baseline, on all training rows.

Both are seeded from ``seed``. The model is a pipeline (``models.build_model``): its imputing,
scaling and encoding are fitted here, on the training rows only. The baseline (a dummy classifier)
is the bar the model must clear; ``evaluate`` scores both on the same held-out rows.
"""

from __future__ import annotations

from ..artifacts import load_subset, read_json
from ..config import Params, Paths
from ..model_files import save_model
from ..models import build_baseline, build_model


def run(params: Params, paths: Paths) -> None:
    """Fit and save the selected model and the baseline."""
    features, labels = load_subset(paths, params.data, "train")
    chosen = read_json(paths.selection)
    model = build_model(
        chosen["family"], chosen["params"], params.preprocess, params.seed, features
    )
    save_model(model.fit(features, labels), paths.model)
    save_model(build_baseline(params.baseline, params.seed).fit(features, labels), paths.baseline)
