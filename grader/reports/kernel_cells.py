"""The code a running IPython kernel has executed, as a notebook the grader can grade.

    cells = executed_cells()                  # every cell run so far, in execution order (raw text)
    path = write_notebook(cells, "out/checked_cells.ipynb")

The cells come from IPython's input history (what was run, not what was saved), so a student
need not save the notebook: the latest definition of a class is the one run last, as in the kernel.
The lines that call the check itself (`from torcino.check import check`, `check(...)`) are left
out: they are not the student's code, and the sandbox has no `torcino.check` to import.
"""

import ast
from pathlib import Path
from typing import Any

from grader.reports.results import write_json

CHECK_MODULES = ("torcino.check", "grader.reports.notebook_check")


class NoKernel(RuntimeError):
    """Not running inside IPython: there is no cell history to read."""


def executed_cells() -> list[str]:
    """The raw text of every cell this IPython session has run, oldest first (NoKernel outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        raise NoKernel("IPython is not installed: the notebook check runs inside a notebook") from None
    shell: Any = get_ipython()
    if shell is None:
        raise NoKernel("not running inside IPython: there are no executed cells to check")
    return [str(cell) for cell in shell.history_manager.input_hist_raw[1:]]


def without_check_calls(cell: str) -> str:
    """cell without its top-level statements that import or call the check; unchanged when it is not
    plain Python (magics, shell lines: the grader's notebook reader drops those itself)."""
    try:
        tree = ast.parse(cell)
    except SyntaxError:
        return cell
    lines = cell.splitlines(keepends=True)
    dropped: set[int] = set()
    for node in tree.body:
        if _is_check_statement(node):
            dropped.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
    return "".join(line for number, line in enumerate(lines) if number not in dropped)


def _is_check_statement(node: ast.stmt) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.module in CHECK_MODULES or (node.module == "torcino" and any(a.name == "check" for a in node.names))
    if isinstance(node, ast.Import):
        return any(alias.name in CHECK_MODULES for alias in node.names)
    call = node.value if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
    if isinstance(call, ast.Call):
        function = call.func
        name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
        return name == "check"
    return False


def write_notebook(cells: list[str], path: str | Path) -> Path:
    """An nbformat 4 notebook of the cells (check calls left out, empty cells dropped) at path."""
    sources = [text for text in (without_check_calls(cell) for cell in cells) if text.strip()]
    notebook = {
        "cells": [
            {
                "id": f"cell-{n}",
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": text,
            }
            for n, text in enumerate(sources)
        ],
        "metadata": {"torcino": "the cells a kernel executed, written by torcino.check"},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return write_json(notebook, path)
