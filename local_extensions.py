"""Jinja filters the template needs beyond cookiecutter's defaults.

``quoted`` turns a free-text answer (a name, a description) into a double-quoted string literal
that is valid TOML, YAML and Python at once, so answers with quotes, backslashes or non-ASCII
letters bake into files that still parse. The pre-generation hook has already rejected control
characters.

``remote_group`` names the optional Poetry group holding the DVC plugin a remote URL needs
(``s3``, ``gs``, ``azure`` or ``ssh``; empty for a folder or no remote), so the README and the
workflows install exactly that group.

``python_image`` names the pinned Python image for a ``python_version`` answer, one place for the
Dockerfile and the dev container, so both start from the same base.
"""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(value):
    """Return ``value`` as a double-quoted literal with only ``"`` and ``\\`` escaped."""
    return json.dumps(str(value), ensure_ascii=False)


@simple_filter
def remote_group(url):
    """The Poetry group of the DVC storage plugin for ``url`` ("" for a folder or no remote)."""
    scheme = str(url).partition("://")[0].lower() if "://" in str(url) else ""
    return scheme if scheme in ("s3", "gs", "azure", "ssh") else ""


# The official slim image of each supported Python, pinned to a patch release (Dependabot's docker
# ecosystem in a generated project proposes newer ones).
PYTHON_IMAGES = {"3.11": "3.11.14", "3.12": "3.12.12", "3.13": "3.13.9"}


@simple_filter
def python_image(version):
    """The pinned ``python:<patch>-slim-bookworm`` image for a Python ``major.minor``."""
    return f"python:{PYTHON_IMAGES[str(version)]}-slim-bookworm"
