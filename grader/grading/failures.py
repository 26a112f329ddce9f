"""What a failing case says, shared by the checks (grader/checks/compare.py, conftest.py), the
scores (grader.grading.grade), results.json (grader.reports.results) and the report's templates."""

from typing import TypedDict


class GradientRow(TypedDict):
    """One directional derivative: the submission's analytic one against its numeric one."""

    tensor: str
    direction: int
    analytic: float
    numeric: float
    relative_error: float


class FailureDetails(TypedDict, total=False):
    """Everything optional: a comparison fills what it knows."""

    case: str
    what: str  # "the output of forward", "dX from backward", ...
    expected_shape: list[int]
    got_shape: list[int]
    got_type: str
    tolerance: float
    max_abs_error: float
    relative_error: float
    worst_index: list[int]
    expected_value: float
    got_value: float
    gradient_table: list[GradientRow]
    kind: str  # a sandbox error's kind (grader/sandbox/errors.py), or "grader"
    traceback: str  # the submission's frames only
    raised_in: str  # "Class.method" of the lesson's API that raised, or ""


class Failure(TypedDict):
    """A failing case of an item."""

    case: str
    message: str
    details: FailureDetails


class NotJudged(TypedDict):
    """A case counted neither way (grader/checks/judging.py), or not run in this grade."""

    case: str
    message: str
