"""A layer added to the lesson from its declaration alone (grader/lesson.py): a Scale(factor) layer with
its reference, its cases and its rubric items, graded end to end. Nothing else of the grader is told
about it: the sandbox loads it, the checks parametrise and compare it, the rubric scores it."""

import dataclasses
import re
import types
from pathlib import Path

import pytest

import reference
from grader.cases import LayerCase
from grader.grading.grade import grade
from grader.grading.oracle import LiveReference
from grader.grading.rubric import load_rubric
from grader.lesson import LESSON, Construction, Lesson, LessonClass
from tests.helpers.grading_support import DEFAULT_RUBRIC, lost
from tests.helpers.submission_formats import completed_style

SCALE = '''

class Scale:
    """y = factor * x."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        return x * self.factor

    def backward(self, dY):
        return dY * {gradient}
'''
SCALE_CLASS = LessonClass(
    "Scale",
    "layer",
    ("scale.forward", "scale.backward"),
    "layers",
    (Construction("Scale(2.0)", (2.0,)),),
    cases=(LayerCase("Scale", (2.5,), (2, 3, 4)), LayerCase("Scale", (-0.5,), (3, 5))),
    cache=1,
)
SCALE_ITEMS = """
[items."scale.forward"]
points = 2
visibility = "visible"
partial = true
hint = "y = factor * x."

[items."scale.backward"]
points = 3
visibility = "visible"
partial = true
hint = "dX = factor * dY."
"""


@pytest.fixture(scope="module")
def lesson_with_scale(tmp_path_factory):
    """(rubric of the lesson with Scale, the reference with Scale, a directory for submissions)."""
    folder = tmp_path_factory.mktemp("scale")
    lesson = dataclasses.replace(LESSON, classes=(*LESSON.classes, SCALE_CLASS))
    rubric_path = folder / "rubric.toml"
    total = f"total = {load_rubric().total + 5:g}"  # the Scale items' points
    rubric_path.write_text(
        re.sub(r"^total = .*$", total, DEFAULT_RUBRIC.read_text(), count=1, flags=re.M) + SCALE_ITEMS
    )
    namespace: dict = {}
    exec(SCALE.format(gradient="self.factor"), namespace)
    module = types.ModuleType("reference_with_scale")
    module.__dict__.update({name: getattr(reference, name) for name in reference.__all__}, Scale=namespace["Scale"])
    return load_rubric(rubric_path, lesson), module, folder


def submission(folder: Path, name: str, gradient: str) -> Path:
    """The lesson's transcript (with the reference's classes for those it lacks) and a Scale."""
    (folder / name).mkdir()
    path = folder / f"{name}.py"
    path.write_text(completed_style("lesson_transcript", folder / name).read_text() + SCALE.format(gradient=gradient))
    return path


def test_the_lesson_with_scale_has_its_items(lesson_with_scale):
    rubric, _, _ = lesson_with_scale
    assert isinstance(rubric.lesson, Lesson) and rubric.lesson.names[-1] == "Scale"
    assert [item.id for item in rubric.items][-5:] == [
        "scale.forward",
        "scale.backward",
        "cache",
        "accumulation",
        "lenet",
    ]


@pytest.mark.parametrize(
    "gradient, loses", [("self.factor", set()), ("1.0", {"scale.backward"})], ids=["correct", "buggy"]
)
def test_a_layer_declared_in_a_test_is_graded_and_a_bug_costs_exactly_its_item(lesson_with_scale, gradient, loses):
    rubric, module, folder = lesson_with_scale
    path = submission(folder, "correct" if not loses else "buggy", gradient)
    result = grade(path, rubric, seed=3, oracle=LiveReference(module), train_lenet=False)
    assert lost(result) == {"lenet"} | loses, [(i.id, i.failures[:1]) for i in result.items if i.score < i.max_score]
    scale = {item.id: item for item in result.items if item.id.startswith("scale.")}
    assert {item.id: item.total for item in scale.values()} == {"scale.forward": 2, "scale.backward": 2}
    cache = next(item for item in result.items if item.id == "cache")
    cases = sum(cls.cache for cls in LESSON.classes) + 1  # the first Scale case joins the cache check
    assert cache.total == cases and cache.score == cache.max_score
