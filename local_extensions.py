"""Jinja filters the template needs beyond cookiecutter's defaults.

``quoted`` turns a free-text answer (a name, a description) into a double-quoted string literal
that is valid TOML, YAML and Python at once, so answers with quotes, backslashes or non-ASCII
letters bake into files that still parse. The pre-generation hook has already rejected control
characters.
"""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(value):
    """Return ``value`` as a double-quoted literal with only ``"`` and ``\\`` escaped."""
    return json.dumps(str(value), ensure_ascii=False)
