"""Stage ``card``: the model card of this run, ``reports/model_card.md``, written last.

Everything a run knows goes in from its own outputs: the data version (the hashes DVC recorded),
rows and classes, the model ``tune`` chose and the reason, the test scores beside the baseline's
and the cross-validated ones, the environment from the manifest and the commands that reproduce
the run. What only a person can say (intended use, limitations, data source, licence, personal
data) comes from ``model_card.yaml``; an empty answer shows as MISSING until someone fills it in.
The card holds no times or host names: the same run on the same machine gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..artifacts import atomic_path, read_json, read_table
from ..config import Params, Paths, problems_of
from ..errors import ParamsError

MISSING = "**MISSING**: to be filled in `model_card.yaml`"
DATA_FILES = ("data/raw/dataset.csv", "data/features/features.csv", "data/split/split.csv")


class CardFacts(BaseModel):
    """The answers in ``model_card.yaml``; every key present, text only."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    intended_use: str = Field(description="Who may use the model, for what, and for what not")
    limitations: str = Field(description="Where it is known to fail or was never tested")
    data_source: str = Field(description="Where the data come from and how they were collected")
    licence: str = Field(description="Licence of the data and of the model")
    personal_data: str = Field(description="Whether the data hold personal data, and how kept")


def read_facts(paths: Paths) -> CardFacts:
    """Read and check ``model_card.yaml``; one line per problem."""
    name = paths.card_facts.name
    try:
        raw = yaml.safe_load(paths.card_facts.read_text(encoding="utf-8"))
        return CardFacts.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ParamsError([f"{name}: cannot be read: {' '.join(str(error).split())}"]) from None
    except ValidationError as error:
        raise ParamsError(problems_of(error, name)) from None


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def number(value: Any) -> str:
    """Scores with four decimals; anything else as it is."""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def environment(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """The parts of the manifest that can change numbers."""
    libraries = ", ".join(
        f"{pool['internal_api']} {pool['version']} ({pool['num_threads']} thread"
        f"{'s' if pool['num_threads'] != 1 else ''})"
        for pool in manifest["blas"]
    )
    git = manifest["git"]
    return [
        ("Python", f"{manifest['python']['implementation']} {manifest['python']['version']}"),
        ("OS", f"{manifest['os']['system']} {manifest['os']['release']}"),
        (
            "CPU",
            f"{manifest['cpu']['model']} ({manifest['cpu']['architecture']}, "
            f"{manifest['cpu']['count']} CPUs)",
        ),
        ("BLAS and thread pools", libraries or "none found"),
        ("GPUs", ", ".join(manifest["gpus"]) or "none"),
        ("Container", "yes" if manifest["container"] else "no"),
        ("Packages", ", ".join(f"{name} {v}" for name, v in manifest["packages"].items() if v)),
        ("poetry.lock (SHA-256)", f"`{manifest['poetry_lock_sha256']}`"),
        (
            "Code (Git commit)",
            f"`{git['commit']}`" + (" with uncommitted changes" if git["dirty"] else ""),
        ),
    ]


def card_text(params: Params, paths: Paths, facts: CardFacts) -> str:
    """The card as Markdown."""
    manifest, selection = read_json(paths.manifest), read_json(paths.selection)
    metrics, scores = read_json(paths.metrics), read_json(paths.scores)
    baseline = {**metrics["baseline"], f"cv_{selection['metric']}": selection["baseline"]["mean"]}
    subsets = read_table(paths.split, params.data)["subset"].value_counts()
    arguments = ", ".join(
        f"{key}={json.dumps(value)}" for key, value in selection["params"].items()
    )
    lines = [
        "# Model card",
        "",
        "Written by the pipeline's last stage (`card`) from this run's outputs; the answers under",
        '"What a person must say" come from `model_card.yaml`.',
        "",
        "## Model",
        "",
        f"- **Family and hyperparameters**: {selection['family']} ({arguments})",
        f"- **Why**: {selection['reason']}",
        f"- **Label**: `{params.data.label}`; task: {scores['task']}; classes: "
        + ", ".join(f"`{label}`" for label in scores["classes"]),
        "",
        "## Data",
        "",
        f"Source: `{params.data.source}`"
        + (f" (`data/external/{params.data.file}`)" if params.data.source == "file" else "")
        + f"; {int(subsets.sum())} rows: {int(subsets.get('train', 0))} to train and choose on, "
        f"{int(subsets.get('test', 0))} held out and scored once.",
        "",
        *table(
            ("file", "md5 (as DVC records it)"),
            [
                (f"`{name}`", f"`{manifest['outputs'].get(name, 'not recorded')}`")
                for name in DATA_FILES
            ],
        ),
        "",
        "## Scores",
        "",
        f"Test rows scored once; `cv_` scores are the mean over {selection['n_splits']} folds of "
        "the training rows, the score the model was chosen by.",
        "",
        *table(
            ("score", "model", "baseline"),
            [
                (name, number(value), number(baseline.get(name)))
                for name, value in sorted(metrics["model"].items())
            ],
        ),
        "",
        "## Environment",
        "",
        *table(("", ""), environment(manifest)),
        "",
        "## Reproduce",
        "",
        "```bash",
        f"git checkout {manifest['git']['commit'] or '<commit>'}",
        "poetry install",
        "dvc pull  # when the project has a DVC remote",
        "dvc repro",
        "```",
        "",
        "## What a person must say",
        "",
    ]
    for name, field in CardFacts.model_fields.items():
        answer = " ".join(getattr(facts, name).split())
        lines.append(
            f"- **{name.replace('_', ' ').capitalize()}** ({field.description}): "
            f"{answer or MISSING}"
        )
    return "\n".join(lines) + "\n"


def run(params: Params, paths: Paths) -> None:
    """Write ``reports/model_card.md``."""
    text = card_text(params, paths, read_facts(paths))
    with atomic_path(paths.card) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="\n")
