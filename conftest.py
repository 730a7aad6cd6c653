"""Runs the Python code blocks of README.md and docs/*.md (Sybil): the docs cannot drift.

Each page's blocks run in order in one namespace, so a page reads as one session.
"""

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["README.md", "docs/*.md"],
).pytest()
