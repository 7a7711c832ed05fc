"""The tolerance policy (``tolerance.yaml``): which outputs must be the same bytes everywhere and
which may carry floating-point noise from the platform's math libraries, and how much.

One tolerance serves every float the policy compares (columns of derived tables, probabilities,
metrics), so the rules cannot contradict each other: a probability that moves within it moves a
metric computed from it by about as much. Everything that is not a float (hashes of raw data and
the split, integer and label columns, strings, counts) must be equal. A run on the other engine
is held to ``engines``: the same rows and verdicts, metrics within a wider tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import problems_of
from ..errors import ParamsError

Check = Literal["exact", "table", "numbers"]


class Floats(BaseModel):
    """How far two floats may differ and still agree: ``math.isclose(a, b, rel_tol, abs_tol)``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rtol: float = Field(ge=0, le=1e-3)
    atol: float = Field(ge=0, le=1e-3)


class EngineFloats(Floats):
    """How far a metric of a Spark run may be from the pandas run's (different libraries fit the
    models, so this is far wider than :class:`Floats`)."""

    rtol: float = Field(ge=0, le=0.5)
    atol: float = Field(ge=0, le=0.5)


class Engines(BaseModel):
    """How a pandas run and a Spark run of the same params must agree: the rows and the gates'
    verdicts exactly, ``outputs`` (JSON files) within ``floats``, nothing else compared."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    floats: EngineFloats
    outputs: list[str] = Field(min_length=1)


class Policy(BaseModel):
    """The whole ``tolerance.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    floats: Floats
    outputs: dict[str, Check] = Field(min_length=1)
    engines: Engines


def load_policy(path: Path) -> Policy:
    """The policy in ``path``, validated with one line per problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Policy.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ParamsError(
            [f"{path.name}: cannot be read ({' '.join(str(error).split())})"]
        ) from None
    except ValidationError as error:
        raise ParamsError(problems_of(error, path.name)) from None
