"""The lesson's declaration (grader/lesson.py) against what depends on it: the reference exports
exactly its classes, the rubric has exactly its items, and the checks count for exactly its items
(a mismatch is a loud error naming the check or the item, never an item dropped in silence)."""

import ast
import dataclasses
import inspect

import msgspec
import pytest

import reference
from grader.checks.context import GradingContext
from grader.grading.grade import grade, run_checks
from grader.grading.oracle import Replay
from grader.grading.rubric import ITEM_IDS, RubricError, load_rubric
from grader.lesson import LESSON
from grader.misconceptions.catalogue import ALL, CATALOGUE
from tests.helpers.grading_support import DEFAULT_RUBRIC, items_of, lost
from tests.helpers.submission_formats import STYLES, completed_style


def test_the_reference_exports_exactly_the_lessons_classes():
    classes = [name for name in reference.__all__ if inspect.isclass(getattr(reference, name))]
    assert sorted(classes) == sorted(LESSON.names)
    for cls in LESSON.classes:
        assert getattr(reference, cls.name).__module__ == f"reference.{cls.module}", cls.name


def test_the_items_are_the_declarations_in_its_order():
    assert (
        "api",
        "init",
        *(item for cls in LESSON.classes for item in cls.items),
        "cache",
        "accumulation",
        "lenet",
    ) == ITEM_IDS
    assert len(set(ITEM_IDS)) == len(ITEM_IDS)


def test_a_rubric_that_misses_an_item_of_the_declaration_names_it():
    first = LESSON.classes[0]
    lesson = dataclasses.replace(
        LESSON, classes=(dataclasses.replace(first, items=(*first.items, "conv2d.extra")), *LESSON.classes[1:])
    )
    with pytest.raises(RubricError, match=r"items\.conv2d\.extra: missing"):
        load_rubric(DEFAULT_RUBRIC, lesson)


def checks_of(lesson):
    """Run the checks (collection only matters here) for a rubric of lesson."""
    rubric = msgspec.structs.replace(load_rubric(), lesson=lesson)
    return run_checks(GradingContext(box=None, oracle=None, rubric=rubric, seed=0))


def test_a_check_whose_item_the_lesson_does_not_know_is_an_error_naming_it():
    with pytest.raises(RuntimeError, match=r"test_lenet\.py::test_\w+: item 'lenet' is not one of the lesson's"):
        checks_of(dataclasses.replace(LESSON, last=("cache", "accumulation")))


def test_an_item_no_check_counts_for_is_an_error_naming_it():
    with pytest.raises(RuntimeError, match="no check counts for the item 'dropout'"):
        checks_of(dataclasses.replace(LESSON, last=(*LESSON.last, "dropout")))


def test_a_setup_error_keeps_its_item_and_its_message():
    """Public mode before `make fixtures`: a check with no recording fails under its own item, saying so."""
    replay = Replay()
    missing = "test_layers.py::test_backward[MaxPool2d(2, 2) x(2, 3, 8, 8)]"
    del replay.tests[missing]
    result = grade("reference", load_rubric(), oracle=replay, train_lenet=False)
    assert lost(result) == {"lenet", "maxpool2d.backward"}
    (failure,) = items_of(result)["maxpool2d.backward"].failures
    assert "run `make fixtures`" in failure["message"] and missing.split("[")[1].rstrip("]") == failure["case"]


def test_a_style_that_implements_a_subset_is_completed_from_the_reference_and_gets_full_marks(tmp_path):
    """tests/styles/ need not grow with the lesson: a style without ReLU and MaxPool2d gets the reference's."""
    text = (STYLES / "lesson_transcript.py").read_text()
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    for node in reversed(tree.body):
        if isinstance(node, ast.ClassDef) and node.name in ("ReLU", "MaxPool2d"):
            del lines[node.lineno - 1 : node.end_lineno]
    subset = tmp_path / "subset.py"
    subset.write_text("".join(lines))
    (tmp_path / "complete").mkdir()
    result = grade(completed_style(subset, tmp_path / "complete"), load_rubric(), seed=2, train_lenet=False)
    assert lost(result) == {"lenet"}, [(item.id, item.failures[:1]) for item in result.items if item.failures]


def test_the_misconceptions_are_declared_with_their_class():
    """Each class of the declaration carries its catalogue entries (grader/misconceptions/), and every
    entry belongs to a class of the lesson or to a helper the reference defines (he_normal)."""
    for cls in LESSON.classes:
        assert cls.misconceptions == CATALOGUE.get(cls.name, ()), cls.name
    declared = {m.id for cls in LESSON.classes for m in cls.misconceptions}
    helpers = {m.cls for m in ALL if m.id not in declared}
    assert all(callable(getattr(reference, name, None)) for name in helpers), helpers
