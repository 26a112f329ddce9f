"""Grades that several tests judge, made once per xdist worker.

The bug bank's grades are judged by test_grading (the bug loses its own items) and by test_diagnosis
(it is named by its misconception); the correct styles' grades over ten seeds by test_grading (full
marks) and by test_diagnosis (no case looks like a misconception). SharedGrades grades a submission
once for each key (its content, seed, mode, LeNet or not, every case explained or not) and hands the
same result to every test that asks; the tests that share a key carry the same xdist_group (shared()),
so that they run on the same worker.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import grader.grading.grade
from grader.grading.grade import Grade
from grader.misconceptions.engine import diagnose
from grader.sandbox.prepare import submission_sha256
from tests.helpers.grading_support import grade_path


def shared(key: str) -> pytest.MarkDecorator:
    """The mark of the tests that judge the grades of key (e.g. a bug's name): one xdist worker runs them."""
    return pytest.mark.xdist_group(f"shared-grades-{key}")


@dataclass
class SharedGrade:
    """A grade, and when asked for, what the diagnosis would name for each observed case if it alone
    had failed, the others passing: [(check id, misconception id)]."""

    grade: Grade
    every_case: list[tuple[str, str]] = field(default_factory=list)


class SharedGrades:
    """grade(path, seed, mode, train_lenet, explain_every_case) -> SharedGrade, made at most once per key."""

    def __init__(self) -> None:
        self.made: dict[tuple[object, ...], SharedGrade] = {}

    def grade(
        self,
        path: Path,
        seed: int = 0,
        mode: str = "instructor",
        train_lenet: bool = False,
        explain_every_case: bool = False,
    ) -> SharedGrade:
        key = (Path(path).suffix, submission_sha256(path), seed, mode, train_lenet, explain_every_case)
        if key not in self.made:
            self.made[key] = self._make(Path(path), seed, mode, train_lenet, explain_every_case)
        return self.made[key]

    @staticmethod
    def _make(path: Path, seed: int, mode: str, train_lenet: bool, explain_every_case: bool) -> SharedGrade:
        if not explain_every_case:
            return SharedGrade(grade_path(path, seed=seed, mode=mode, train_lenet=train_lenet))
        found: list[tuple[str, str]] = []
        diagnose_items = grader.grading.grade.diagnose_items

        def every_case(items, tests, observations, predictor, rubric):  # type: ignore[no-untyped-def]
            for test_id, observation in observations.items():
                others = [(other, seen) for other, seen in observations.items() if other != test_id]
                for diagnosis in diagnose([(test_id, observation)], others, predictor, rubric.tolerances.relative):
                    found.append((test_id, diagnosis["id"]))
            diagnose_items(items, tests, observations, predictor, rubric)

        grader.grading.grade.diagnose_items = every_case
        try:
            result = grade_path(path, seed=seed, mode=mode, train_lenet=train_lenet)
        finally:
            grader.grading.grade.diagnose_items = diagnose_items
        return SharedGrade(result, found)
