"""Incremental credit: the template with one class filled in from the reference (and the helpers of
earlier lessons: functional.py, pad, crop) earns exactly the points of the items, or of the shares
of items, that depend only on that class — so a class the student has not written yet costs only
its own points, never those of the classes they have."""

import ast
import shutil
from pathlib import Path

import pytest

from grader.grading.rubric import load_rubric
from grader.lesson import LESSON
from tests.helpers.grading_support import grade_path

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ("pad", "crop")  # layers.py's module-level helpers, written in earlier lessons


def expected(name: str) -> dict[str, float]:
    """{item: points the class earns alone}: its own items in full, and its share of the items shared by
    the classes (api: one case per class; init, cache, accumulation: its probes among all; grader/lesson.py)."""
    cls, points = LESSON.by_name(name), {item.id: item.points for item in load_rubric().items}
    assert cls is not None
    shares = {
        "api": (1, len(LESSON.classes)),
        "init": (len(cls.init), sum(len(c.init) for c in LESSON.classes)),
        "cache": (cls.cache, sum(c.cache for c in LESSON.classes)),
        "accumulation": (cls.accumulation, sum(c.accumulation for c in LESSON.classes)),
    }
    earned = {item: points[item] * mine / total for item, (mine, total) in shares.items() if mine}
    return earned | {item: points[item] for item in cls.items}


def definitions(source: str) -> dict:
    """{name: (first line, last line)} of the top-level classes and functions of source (1-based)."""
    tree = ast.parse(source)
    return {
        node.name: (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno)
        for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.FunctionDef))
    }


def replace_definitions(template: str, reference: str, names) -> str:
    """template with the top-level definitions names taken from reference."""
    lines, theirs = template.splitlines(), reference.splitlines()
    ours, spans = definitions(template), definitions(reference)
    for name in sorted((n for n in names if n in ours), key=lambda n: -ours[n][0]):
        start, end = ours[name]
        new_start, new_end = spans[name]
        lines[start - 1 : end] = theirs[new_start - 1 : new_end]
    return "\n".join(lines) + "\n"


def template_with(cls: str, destination: Path) -> Path:
    """The student template with cls (and the earlier lessons' helpers) filled in from the reference."""
    package = destination / "submission" / "torcino"
    shutil.copytree(ROOT / "student_template" / "torcino", package)
    shutil.copyfile(ROOT / "reference" / "functional.py", package / "functional.py")
    for module in sorted({cls.module for cls in LESSON.classes}):
        path = package / f"{module}.py"
        reference = (ROOT / "reference" / f"{module}.py").read_text()
        path.write_text(replace_definitions(path.read_text(), reference, (cls, *HELPERS)))
    return package.parent


@pytest.mark.parametrize("cls", LESSON.names)
def test_one_class_written_earns_exactly_its_own_points(tmp_path, cls):
    result = grade_path(template_with(cls, tmp_path), seed=7, train_lenet=False)
    earned = {item.id: item.score for item in result.items if item.score}
    wanted = expected(cls)
    assert earned == pytest.approx(wanted, abs=1e-3), {
        item.id: item.failures[:1] for item in result.items if item.id in wanted and item.score < wanted[item.id]
    }


def test_the_helpers_alone_earn_nothing(tmp_path):
    result = grade_path(template_with("none", tmp_path), seed=7, train_lenet=False)
    assert result.score == 0
