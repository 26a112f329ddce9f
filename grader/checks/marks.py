"""How a check's case says which rubric item it counts for."""

from typing import TYPE_CHECKING

import pytest

from grader.cases import LayerCase

if TYPE_CHECKING:
    from _pytest.mark.structures import ParameterSet  # what pytest.param returns (not exported by pytest)

BEYOND_LESSON = "beyond:"  # prefix of the item of a case that goes beyond the lesson (see grader.cases)


def marked_item(case: object, item: str) -> str:
    """The item a case counts for: item itself, or "beyond:<item>" for a case beyond the lesson
    (scored only when the rubric says so; grader.grading.scoring.score)."""
    return f"{BEYOND_LESSON}{item}" if getattr(case, "beyond_lesson", False) else item


def case_param(case: LayerCase, item: str) -> "ParameterSet":
    """pytest.param of one case, marked with its item and named by the case."""
    return pytest.param(case, marks=pytest.mark.item(marked_item(case, item)), id=case.id)
