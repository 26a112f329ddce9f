"""Scores: the checks' outcomes (pytest-json-report's tests, each with its item and case) turned into
one ItemResult per rubric item. Cases beyond the lesson count for their item only when the rubric
scores them; cases not judged (grader/checks/judging.py) count neither way."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from grader.checks.marks import BEYOND_LESSON
from grader.grading.failures import Failure, NotJudged
from grader.grading.rubric import Rubric
from grader.misconceptions.model import Diagnosis

if TYPE_CHECKING:
    from grader.lenet.run import LenetSummary


class DiagnosticCheck(TypedDict):
    """An unscored check's outcome (its item is "diagnostic:<name>")."""

    passed: bool
    failure: Failure | None


class BeyondLesson(TypedDict):
    """A case beyond the lesson, unscored: its item, case, outcome and message."""

    item: str
    case: str
    passed: bool
    message: str


class Diagnostics(TypedDict, total=False):
    """What a grade found besides its scores: unscored checks, cases beyond the lesson, the MaxPool2d
    tie rule (checks/test_diagnostics.py) and the LeNet run's summary."""

    checks: dict[str, DiagnosticCheck]
    beyond_lesson: list[BeyondLesson]
    tie_rule: str
    own_layers: dict[str, str]  # sequential cases judged with the submission's own layers (checks/own_sequential.py)
    lenet: "LenetSummary"


@dataclass
class ItemResult:
    id: str
    number: int
    max_score: float
    score: float
    passed: int
    total: int
    hint: str
    visibility: str
    failures: list[Failure] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)  # skipped, counted neither way
    penalty: str = ""  # set when the policy's consequence took the item's points (grader.grading.policy)
    diagnoses: list[Diagnosis] = field(default_factory=list)  # the misconception named (grader.misconceptions)

    @property
    def status(self) -> str:
        return "passed" if self.total and self.passed == self.total and not self.penalty else "failed"


def score(tests: list[dict[str, Any]], rubric: Rubric) -> tuple[list[ItemResult], Diagnostics]:
    """(items, diagnostics): an ItemResult per rubric item from the check outcomes, and the
    unscored diagnostic checks' outcomes. Cases beyond the lesson (item "beyond:<item>") count for
    their item when the rubric scores them, else they are listed in diagnostics["beyond_lesson"]."""
    by_item: dict[str | None, list[Failure | None]] = {}
    diagnostics: Diagnostics = {}
    not_judged: dict[str | None, list[NotJudged]] = {}
    for test in tests:
        metadata = test.get("metadata", {})
        item = metadata.get("item")
        outcome = test.get("outcome")
        if outcome == "skipped":  # not judged (grader.checks.judging), or not run in this grade
            not_judged.setdefault(item, []).append(
                {"case": metadata.get("case", test.get("nodeid")), "message": metadata.get("skipped", "not run")}
            )
            continue
        failure: Failure | None = None
        if outcome != "passed":
            failure = {
                "case": metadata.get("case", test.get("nodeid")),
                "message": metadata.get("message") or _setup_error(test),
                "details": metadata.get("details", {}),
            }
        if item and item.startswith("diagnostic:"):
            diagnostics.setdefault("checks", {})[item.split(":", 1)[1]] = {
                "passed": outcome == "passed",
                "failure": failure,
            }
            continue
        if item and item.startswith(BEYOND_LESSON):
            item = item[len(BEYOND_LESSON) :]
            if not rubric.scope.score_beyond_lesson:
                diagnostics.setdefault("beyond_lesson", []).append(
                    {
                        "item": item,
                        "case": metadata.get("case", test.get("nodeid")),
                        "passed": outcome == "passed",
                        "message": failure["message"] if failure else "",
                    }
                )
                continue
        by_item.setdefault(item, []).append(failure)
    results = []
    for item in rubric.items:
        outcomes = by_item.get(item.id, [])
        failures: list[Failure] = [f for f in outcomes if f is not None]
        passed, total = len(outcomes) - len(failures), len(outcomes)
        skipped = not_judged.get(item.id, [])
        if not total:
            message = (
                f"no case could be judged ({skipped[0]['message']})"
                if skipped
                else "grader error: no check ran for this item"
            )
            failures = [{"case": item.id, "message": message, "details": {}}]
        fraction = passed / total if total else 0.0
        points = item.points * (fraction if item.partial else float(fraction == 1.0))
        results.append(
            ItemResult(
                item.id,
                item.number,
                item.points,
                round(points, 4),
                passed,
                total,
                item.hint,
                item.visibility,
                failures,
                skipped,
            )
        )
    return results, diagnostics


def _setup_error(test: dict[str, Any]) -> str:
    for phase in ("setup", "call", "teardown"):
        crash = test.get(phase, {}).get("crash")
        if crash:
            return f"grader error: {crash.get('message', '')}"
    return "grader error: the check did not run"


def failed_everything(rubric: Rubric, message: str) -> list[ItemResult]:
    """Every item failed with one message: the submission could not be loaded at all."""
    return [
        ItemResult(
            item.id,
            item.number,
            item.points,
            0.0,
            0,
            1,
            item.hint,
            item.visibility,
            [{"case": "loading", "message": message, "details": {}}],
        )
        for item in rubric.items
    ]
