"""Run the Python examples in README.md and docs/*.md as tests, so the docs cannot drift from the
code. pytest finds them through ``testpaths`` in pyproject.toml; other READMEs (data/external/)
hold no examples."""

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["README.md", "docs/*.md"],
    excludes=["*/README.md"],
).pytest()
