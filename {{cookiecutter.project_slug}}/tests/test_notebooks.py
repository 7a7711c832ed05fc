"""The notebooks stay honest: each runs top to bottom in a fresh kernel on a pipeline run's outputs,
started from a folder outside the project (so hidden state, the working directory or a stale path
fails here); none is stored with outputs; none types a data path instead of asking the project.

Mark ``notebooks``; the kernel and the tools come from the dev group, so CI's tests job runs them
with the rest.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from {{ cookiecutter.package_name }}.artifacts import read_table
from {{ cookiecutter.package_name }}.workspace import project_paths
from tests.runs import ROOT

NOTEBOOKS = ROOT / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.rglob("*.py"))
# A string without spaces that holds a path separator or ends like a data or model file.
SUFFIXES = "csv|tsv|parquet|feather|arrow|jsonl?|ya?ml|txt|xlsx?|pkl|pickle|joblib|skops|npz?|h5"
TYPED_PATH = re.compile(rf"^\S*([/\\]\S*|\.({SUFFIXES}))$", re.IGNORECASE)


def stored_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """One line per code cell that carries outputs or an execution count."""
    return [
        f"cell {number}: outputs or an execution count stored"
        for number, cell in enumerate(notebook.cells, start=1)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def typed_paths(code: str) -> list[str]:
    """One line per string literal in ``code`` that looks like a file path."""
    return [
        f"line {node.lineno}: {node.value!r} looks like a file path; use project_paths()"
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and TYPED_PATH.match(node.value)
    ]


def code_of(notebook: nbformat.NotebookNode) -> str:
    """The notebook's Python, magics and shell escapes left out."""
    cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    lines = "\n".join(cells).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def committed_notebooks() -> dict[str, str]:
    """Every ``.ipynb`` under notebooks/ as the next commit would store it (Git's index), or as on
    disk when the project is not a Git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "notebooks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        return {
            path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
            for path in NOTEBOOKS.rglob("*.ipynb")
        }
    names = [name for name in listed.stdout.split("\0") if name.endswith(".ipynb")]
    return {
        name: subprocess.run(
            ["git", "show", f":{name}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        for name in names
    }


def test_there_is_a_notebook_to_start_from():
    assert NOTEBOOKS / "explore.py" in SCRIPTS


def test_no_committed_notebook_stores_outputs():
    problems = [
        f"{name}: {problem}"
        for name, text in committed_notebooks().items()
        for problem in stored_outputs(nbformat.reads(text, as_version=4))
    ]
    assert problems == []


def test_a_notebook_with_outputs_is_named_cell_by_cell():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"})]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    assert stored_outputs(notebook) == ["cell 2: outputs or an execution count stored"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_notebooks_type_no_data_paths(script):
    assert typed_paths(code_of(jupytext.read(script))) == []


@pytest.mark.parametrize(
    "literal",
    ["../../data.csv", "data/raw/dataset.csv", "dataset.csv", "C:\\data", "model.skops"],
)
def test_a_typed_data_path_is_caught(literal):
    harmless = "'a title / subtitle', 'rows', 'display.max_columns', '.4f'"
    assert len(typed_paths(f"frame = read({literal!r}, {harmless})")) == 1


def kernel_environment(project: Path, home: Path) -> dict[str, str]:
    """The kernel imports the package from ``project`` (so ``project_paths()`` finds that run),
    and Jupyter, IPython and Matplotlib keep their files in ``home``."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(project / "src"), os.environ.get("PYTHONPATH", "")]),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        MPLBACKEND="agg",
    )


def test_the_project_is_found_from_any_working_directory(tmp_path, monkeypatch):
    # What lets a notebook start anywhere, checked without a kernel or a pipeline run.
    monkeypatch.chdir(tmp_path)
    assert project_paths().root == ROOT


@pytest.mark.notebooks
@pytest.mark.xdist_group("pipeline")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_notebook_runs_top_to_bottom_from_outside_the_project(
    script, pipeline_run, params, tmp_path, monkeypatch
):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    notebook = jupytext.read(script)
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": elsewhere}}
    )
    client.execute(env=kernel_environment(pipeline_run.root, tmp_path))
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert f"{len(read_table(pipeline_run.raw, params.data))} rows" in printed
    assert not list(elsewhere.iterdir())  # the notebook wrote nothing where it ran
