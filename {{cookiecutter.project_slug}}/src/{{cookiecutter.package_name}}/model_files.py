"""Model files: skops format, re-packed so the same model always gives the same bytes (the
Spark engine writes JSON descriptions instead, read by ``portable``).

skops stores estimators as JSON plus numpy arrays and, unlike pickle, refuses on load any type it
was not told to trust, so a model file from elsewhere cannot run code. skops embeds object ids and
zip timestamps that change every run; :func:`model_bytes` renumbers and zeroes them, which lets DVC
see an unchanged model as unchanged.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io

from . import portable
from .artifacts import atomic_path

# Types skops does not trust by default but our model choices need. Loading refuses anything else.
TRUSTED_MODEL_TYPES = [
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
]
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def model_bytes(model: Any) -> bytes:
    """Serialise ``model`` with skops, then renumber ids and fix timestamps so bytes are stable."""
    with zipfile.ZipFile(io.BytesIO(skops.io.dumps(model))) as packed:
        members = {name: packed.read(name) for name in packed.namelist()}
    schema = json.loads(members.pop("schema.json"))
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def renumber(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "__id__":
                    node[key] = ids.setdefault(value, len(ids))
                elif key == "file" and isinstance(value, str):
                    node[key] = files.setdefault(value, f"{len(files)}.npy")
                else:
                    renumber(value)
        elif isinstance(node, list):
            for value in node:
                renumber(value)

    renumber(schema)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as repacked:
        entries = [("schema.json", json.dumps(schema).encode())]
        entries += [(new, members.pop(old)) for old, new in files.items()]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            repacked.writestr(info, data)
    if members:
        raise ValueError(f"skops archive has members the schema does not name: {sorted(members)}")
    return buffer.getvalue()


def save_model(model: Any, path: Path) -> None:
    """Write ``model`` to ``path`` in canonical skops format."""
    data = model_bytes(model)
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def load_model(path: Path) -> Any:
    """Load a model saved by :func:`save_model`, trusting only known scikit-learn types, or a
    Spark run's model description (``.json``, see ``portable``)."""
    if path.suffix == ".json":
        return portable.load(path)
    return skops.io.load(path, trusted=TRUSTED_MODEL_TYPES)
