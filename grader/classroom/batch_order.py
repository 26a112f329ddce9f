"""The order in which a batch grades its submissions: expected-slow ones first.

    todo = slow_first(entries)

A pool of two workers that meets a slow submission last finishes long after the other worker went
idle; started first, the slow ones overlap with the many fast ones. What makes a correct lesson-8
submission slow is Python loops over windows (the CS231n "naive" Conv2d: n, f, i, j nested four
deep) where the reference uses im2col, so the expected cost is read from the code without running
it: the deepest nest of loops (for, while, comprehensions) in the submission (loop_depth). The
order is only a schedule: it decides nothing of a grade, so a submission that games it gains
nothing but an earlier start.
"""

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from grader.grading.sources import read_sources
from grader.sandbox.prepare import SubmissionError

if TYPE_CHECKING:
    from grader.classroom.class_folder import Entry

LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.comprehension)


def _depth(node: ast.AST) -> int:
    """The deepest nest of loops under node (node itself included)."""
    inner = max((_depth(child) for child in ast.iter_child_nodes(node)), default=0)
    return inner + 1 if isinstance(node, LOOPS) else inner


def loop_depth(code: str) -> int:
    """The deepest nest of loops in one module's code; 0 when it does not parse."""
    try:
        return _depth(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError):
        return 0


def expected_cost(path: str) -> int:
    """The deepest loop nest of a submission's .py files and notebook cells; 0 when it cannot be read."""
    try:
        sources = read_sources(path)
    except (SubmissionError, OSError):
        return 0
    return max((loop_depth(source.python) for source in sources), default=0)


def slow_first(entries: Sequence["Entry"]) -> list["Entry"]:
    """entries, the deepest loop nests first; the class folder's order among equals."""
    costs = {entry.student: expected_cost(entry.path) for entry in entries}
    return sorted(entries, key=lambda entry: -costs[entry.student])
