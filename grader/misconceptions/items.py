"""The diagnosis of a grade's failing items: which checks failed and passed per item, where the
predictions come from in each mode, and the diagnoses put on the ItemResults."""

from typing import TYPE_CHECKING, Any

from grader.checks.marks import BEYOND_LESSON
from grader.misconceptions.engine import LivePredictor, Predictor, RecordedPredictor, diagnose
from grader.misconceptions.model import Observation

if TYPE_CHECKING:
    from grader.grading.oracle import Oracle
    from grader.grading.rubric import Rubric
    from grader.grading.scoring import ItemResult


def predictor_for(oracle: "Oracle") -> Predictor | None:
    """Live variants of the reference (instructor mode; recording them while `make fixtures` runs),
    or the recorded predictions (public mode)."""
    recorded = getattr(oracle, "predictions", None)
    if oracle.mode == "public":
        return RecordedPredictor(recorded or {})
    if oracle.reference is None:
        return None
    return LivePredictor(
        oracle.reference, record=recorded is not None, recorded=recorded if recorded is not None else {}
    )


def cases_by_item(tests: list[dict[str, Any]], rubric: "Rubric") -> dict[str, tuple[list[str], list[str]]]:
    """{item: (failing test ids, passing test ids)} of the checks' outcomes (skipped ones left out)."""
    cases: dict[str, tuple[list[str], list[str]]] = {}
    for test in tests:
        item, outcome = test.get("metadata", {}).get("item"), test.get("outcome")
        if not item or outcome == "skipped" or item.startswith("diagnostic:"):
            continue
        if item.startswith(BEYOND_LESSON):
            if not rubric.scope.score_beyond_lesson:
                continue
            item = item[len(BEYOND_LESSON) :]
        failing, passing = cases.setdefault(item, ([], []))
        (passing if outcome == "passed" else failing).append(test["nodeid"])
    return cases


def diagnose_items(
    items: list["ItemResult"],
    tests: list[dict[str, Any]],
    observations: dict[str, Observation],
    predictor: Predictor | None,
    rubric: "Rubric",
) -> None:
    """Put its diagnoses on every failing item (grader.misconceptions.engine.diagnose). A candidate
    must agree with every passing case it predicts, its item's first, then any other item's (a
    mistake that would have failed a check that passed is not the student's)."""
    if predictor is None:
        return
    by_item = cases_by_item(tests, rubric)
    passed = [test for _, passing in by_item.values() for test in passing]
    for item in items:
        failing, passing = by_item.get(item.id, ([], []))
        if item.status == "passed" or not failing:
            continue
        others = [test for test in passed if test not in passing]
        item.diagnoses = diagnose(
            [(test, observations.get(test)) for test in failing],
            [(test, observations.get(test)) for test in passing + others],
            predictor,
            rubric.tolerances.relative,
        )


def record_all(observations: list[tuple[str, Observation]], predictor: Predictor | None) -> None:
    """Predict every observed case, each step of a check included (while recording the fixtures: the
    kit needs them all)."""
    if predictor is not None:
        for test_id, observation in observations:
            predictor.predict(test_id, observation)
