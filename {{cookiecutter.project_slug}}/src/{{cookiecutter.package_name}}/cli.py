"""The command line: ``python -m <package> <stage>`` runs one pipeline stage.

DVC calls it once per stage (see ``dvc.yaml``). It stays thin: it validates ``params.yaml``, seeds,
limits thread pools, imports only the stage it runs and calls that module's ``run``. A
:class:`~.errors.PipelineError` becomes one ``error:`` line per
problem on stderr and an exit code (1: bad data, 2: bad params, 3: broken expectation suite),
never a traceback wall.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from threadpoolctl import threadpool_limits

from .config import Paths, load_params, params_schema
from .errors import PipelineError
from .seeding import seed_everything, thread_limit

# Stage name (as in dvc.yaml and the module file name) -> one-line help. Modules load on demand.
STAGES = {
    "ingest": "write the raw dataset from the configured source",
    "validate": "check a dataset (raw or features) against its expectation suite",
    "featurize": "turn raw data into model-ready features",
    "split": "fix the stratified train/test split",
    "tune": "choose the model by cross-validation on the training rows",
    "train": "fit the chosen model and the baseline",
    "evaluate": "score both on the test rows; write metrics and plots",
    "manifest": "record where and how this run happened",
    "card": "write the model card of this run",
}


def build_parser() -> argparse.ArgumentParser:
    """One sub-command per stage, plus ``schema``."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Run one stage of the DVC pipeline (normally through `dvc repro`).",
    )
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="project folder holding dvc.yaml (default: .)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for stage, summary in STAGES.items():
        command = commands.add_parser(stage, help=summary)
        if stage == "validate":
            command.add_argument("dataset", choices=("raw", "features"))
    commands.add_parser("schema", help="print the JSON Schema of params.yaml")
    collect = commands.add_parser("collect", help="copy this run's manifest and compared outputs")
    collect.add_argument("destination", type=Path)
    reproduce = commands.add_parser(
        "reproduce", help="run every stage from scratch, then collect the run (one leg)"
    )
    reproduce.add_argument("destination", type=Path)
    compare = commands.add_parser("compare", help="judge runs from several environments")
    compare.add_argument(
        "runs", type=Path, nargs="+", help="run folders; the first is the reference"
    )
    compare.add_argument("--markdown", type=Path, help="append the Markdown report to this file")
    compare.add_argument("--json", type=Path, help="write the JSON report to this file")
    expectations = commands.add_parser("expectations", help="work with expectation suites")
    actions = expectations.add_subparsers(dest="action", required=True, metavar="ACTION")
    drafting = actions.add_parser("draft", help="print a suite drafted from a table, to review")
    drafting.add_argument(
        "table", type=Path, help="your CSV (raw) or data/features/features.<tables>"
    )
    drafting.add_argument("--dataset", choices=("raw", "features"), default="raw")
    predict = commands.add_parser("predict", help="apply the trained model to new rows")
    predict.add_argument("rows", type=Path, help="CSV of new rows (the label column may be absent)")
    predict.add_argument("output", type=Path, help="CSV to write: row id, predicted, probability")
    commands.add_parser("pull", help="fetch the recorded data and outputs from the DVC remote")
    commands.add_parser("push", help="send the recorded data and outputs to the DVC remote")
    notice = commands.add_parser("fork-notice", help="say why a fork's pull request skips jobs")
    notice.add_argument("--markdown", type=Path, help="append the notice here (default: stdout)")
    report = commands.add_parser("pr-report", help="params, metrics and verdict against a base")
    report.add_argument("base", help="the Git revision to compare with (e.g. origin/main)")
    report.add_argument("--compare", type=Path, help="a JSON report written by `compare --json`")
    report.add_argument("--markdown", type=Path, help="append the report here (default: stdout)")
    for command in (collect, reproduce, compare):
        command.add_argument(
            "--policy", type=Path, help="tolerance policy (default: tolerance.yaml)"
        )
    return parser


def run_stage(stage: str, paths: Paths, *arguments: str) -> None:
    """Validate params, seed, and run ``stage`` under the pinned thread limit."""
    params = load_params(paths.params)
    module = importlib.import_module(f"{__package__}.stages.{stage}")
    seed_everything(params.seed)
    with threadpool_limits(limits=thread_limit()):
        module.run(params, replace(paths, engine=params.engine), *arguments)


def data_command(args: argparse.Namespace, paths: Paths) -> None:
    """``expectations draft`` and ``predict``: the pipeline's pieces on a table of your choice."""
    from . import commands  # pylint: disable=import-outside-toplevel  # loads every stage

    params = load_params(paths.params)
    paths = replace(paths, engine=params.engine)
    if args.command == "predict":
        with threadpool_limits(limits=thread_limit()):
            commands.predict(params, paths, args.rows, args.output)
    else:
        sys.stdout.write(commands.draft_suite(params, args.table, args.dataset))


def sharing_command(args: argparse.Namespace, paths: Paths) -> None:
    """``pull``, ``push``, ``fork-notice`` and ``pr-report``: data and results shared through the
    DVC remote and pull requests."""
    from . import pr_report, remote  # pylint: disable=import-outside-toplevel  # not stages

    if args.command in ("pull", "push"):
        getattr(remote, args.command)(paths)
        return
    if args.command == "pr-report":
        text = pr_report.report(paths, args.base, args.compare)
    else:
        text = remote.fork_notice(paths)
    if args.markdown is None:
        sys.stdout.write(text)
    else:  # a job summary, say: append
        with args.markdown.open("a", encoding="utf-8") as handle:
            handle.write(text)


def compare_command(args: argparse.Namespace, paths: Paths) -> int:
    """``collect``, ``reproduce`` and ``compare``: one leg's run, and the verdict across legs."""
    from . import compare  # pylint: disable=import-outside-toplevel  # not a stage

    policy = compare.load_policy(args.policy or paths.tolerance)
    if args.command == "compare":
        return compare.main(args.runs, policy, args.markdown, args.json)
    (compare.reproduce if args.command == "reproduce" else compare.collect)(
        paths, args.destination, policy
    )
    return 0


def run_command(args: argparse.Namespace, paths: Paths) -> int:
    """Run one parsed command; returns its exit code."""
    if args.command == "schema":
        print(json.dumps(params_schema(), indent=2, sort_keys=True))
    elif args.command in ("expectations", "predict"):
        data_command(args, paths)
    elif args.command in ("pull", "push", "fork-notice", "pr-report"):
        sharing_command(args, paths)
    elif args.command in ("collect", "reproduce", "compare"):
        return compare_command(args, paths)
    else:
        run_stage(args.command, paths, *([args.dataset] if args.command == "validate" else []))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return run_command(args, Paths(args.root))
    except PipelineError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return error.exit_code
