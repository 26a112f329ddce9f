"""Incremental credit: the template with one class filled in from the reference (and the helpers of
earlier lessons: functional.py, pad, crop) earns exactly the points of the items, or of the shares
of items, that depend only on that class — so a class the student has not written yet costs only
its own points, never those of the classes they have."""

import ast
import shutil
from pathlib import Path

import pytest

from tests.helpers.grading_support import grade_path

ROOT = Path(__file__).resolve().parent.parent
HELPERS = ("pad", "crop")  # layers.py's module-level helpers, written in earlier lessons
CACHE_CASES, ACCUMULATION_CASES, API_CLASSES = 9, 5, 8  # cases per item (grader/checks/test_*.py)
EXPECTED = {  # class -> {item: points it earns alone}
    "Conv2d": {
        "api": 5 / API_CLASSES,
        "init": 5 * 2 / 4,
        "conv2d.forward": 10,
        "conv2d.backward": 12,
        "cache": 6 * 2 / CACHE_CASES,
        "accumulation": 4 * 2 / ACCUMULATION_CASES,
    },
    "MaxPool2d": {
        "api": 5 / API_CLASSES,
        "maxpool2d.forward": 6,
        "maxpool2d.backward": 10,
        "cache": 6 * 3 / CACHE_CASES,
    },
    "Linear": {
        "api": 5 / API_CLASSES,
        "init": 5 * 2 / 4,
        "linear.forward": 4,
        "linear.backward": 6,
        "cache": 6 * 2 / CACHE_CASES,
        "accumulation": 4 * 3 / ACCUMULATION_CASES,
    },
    "ReLU": {"api": 5 / API_CLASSES, "relu": 4, "cache": 6 / CACHE_CASES},
    "Flatten": {"api": 5 / API_CLASSES, "flatten": 4, "cache": 6 / CACHE_CASES},
    "Sequential": {"api": 5 / API_CLASSES, "sequential": 6},
    "SoftmaxCrossEntropyLoss": {"api": 5 / API_CLASSES, "loss": 6},
    "SGD": {"api": 5 / API_CLASSES, "sgd": 4},
}


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
    for module in ("layers", "model", "loss", "optim"):
        path = package / f"{module}.py"
        reference = (ROOT / "reference" / f"{module}.py").read_text()
        path.write_text(replace_definitions(path.read_text(), reference, (cls, *HELPERS)))
    return package.parent


@pytest.mark.parametrize("cls", list(EXPECTED))
def test_one_class_written_earns_exactly_its_own_points(tmp_path, cls):
    result = grade_path(template_with(cls, tmp_path), seed=7, train_lenet=False)
    earned = {item.id: item.score for item in result.items if item.score}
    assert earned == pytest.approx(EXPECTED[cls], abs=1e-3), {
        item.id: item.failures[:1]
        for item in result.items
        if item.id in EXPECTED[cls] and item.score < EXPECTED[cls][item.id]
    }


def test_the_helpers_alone_earn_nothing(tmp_path):
    result = grade_path(template_with("none", tmp_path), seed=7, train_lenet=False)
    assert result.score == 0
