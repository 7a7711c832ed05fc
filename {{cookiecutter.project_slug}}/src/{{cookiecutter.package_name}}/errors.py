"""Errors a person can act on, each carrying one line per problem and the exit code the CLI returns.

The exit code tells apart what went wrong: bad data (1), bad params (2), a broken expectation
suite (3), a DVC remote that cannot give or take the data (4).
"""

from __future__ import annotations


class PipelineError(Exception):
    """A failure to report without a traceback: one line per problem."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class DataError(PipelineError):
    """Input data that a stage cannot use."""

    exit_code = 1


class ParamsError(PipelineError):
    """``params.yaml`` breaks its schema."""

    exit_code = 2


class SuiteError(PipelineError):
    """An expectation suite that cannot be used: unknown expectation, bad arguments, no notes."""

    exit_code = 3


class RemoteError(PipelineError):
    """The DVC remote cannot give or take the data: not configured, unreachable or missing files."""

    exit_code = 4
