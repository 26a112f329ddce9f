"""api: each class of the lesson can be built and called the lesson's way, judged per class (one case
each): its constructor accepts the lesson's signatures, and its methods accept the lesson's calls
(backward(dY) with dY alone, the loss's backward() with nothing; extra optional arguments are fine).
Sequential and SGD are built around trusted probes, so that no other class can cost them (a Sequential
that refuses the probes is built around its own Linear and ReLU)."""

from typing import Any

import pytest

from grader.checks.compare import expect
from grader.lesson import Lesson

POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")


def accepts(parameters: list[dict[str, Any]], count: int) -> bool:
    """Whether a callable with these parameters (bound: no self) can be called with count positional
    arguments and nothing else."""
    required = [p for p in parameters if p["kind"] in POSITIONAL and not p["has_default"]]
    capacity = sum(p["kind"] in POSITIONAL for p in parameters)
    variadic = any(p["kind"] == "VAR_POSITIONAL" for p in parameters)
    keyword_only = any(p["kind"] == "KEYWORD_ONLY" and not p["has_default"] for p in parameters)
    return len(required) <= count and (count <= capacity or variadic) and not keyword_only


def describe(parameter: dict[str, Any]) -> str:
    prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(parameter["kind"], "")
    return prefix + parameter["name"] + (f"={parameter['default']}" if parameter["has_default"] else "")


def lesson_classes(lesson: Lesson) -> list:
    """Each class of the lesson (grader/lesson.py: its constructions and calls), named by the class."""
    return [pytest.param(cls, id=cls.name) for cls in lesson.classes]


@pytest.mark.item("api")
@pytest.mark.from_lesson("cls", lesson_classes)
def test_the_lessons_way(cls, api, box):
    name = cls.name
    built = [construction(api, box, name) for construction in cls.constructions]
    for method, arguments in cls.calls:
        parameters = box.signature(built[0], method)  # bound: without self
        expect(
            accepts(parameters, len(arguments)),
            f"{method}({', '.join(arguments)}) is how the lesson calls it, but yours is {method}("
            f"{', '.join(['self'] + [describe(p) for p in parameters])})"
            + (": everything else must come from what forward cached" if method == "backward" else ""),
            f"{name}.{method}",
        )
