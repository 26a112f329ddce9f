"""Rubrics: the shipped one is valid; a broken one names the file, the key and what was expected."""

import re

import pytest

from grader.grading.rubric import ITEM_IDS, RubricError, load_rubric
from tests.helpers.grading_support import DEFAULT_RUBRIC


def test_the_lesson8_rubric_is_valid_and_adds_up_to_100():
    rubric = load_rubric("lesson8")
    assert rubric.total == 100 == sum(item.points for item in rubric.items)
    assert [item.id for item in rubric.items] == list(ITEM_IDS)
    assert all(item.hint for item in rubric.items)
    assert load_rubric(DEFAULT_RUBRIC).sha256 == rubric.sha256


def edit(text, pattern, replacement):
    edited, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, pattern
    return edited


BROKEN = [
    # (pattern, replacement, words the error must contain)
    (r"^\[items\.relu\]", "[items.relux]", ["items.relux", "unknown item"]),
    (r"^\[items\.relu\]\npoints = 4\n", "[items.relu]\n", ["items.relu.points", "missing"]),
    (
        r'^points = 4\n(visibility = "visible"\npartial = true\nhint = "Cache)',
        r'points = "four"\n\1',
        ["items.relu.points", "expected a number"],
    ),
    (r"^points = 5\n", "points = 6\n", ["items", "add up to 101", "total = 100"]),
    (r'^visibility = "visible"', 'visibility = "secret"', ["items.api.visibility", "one of visible, hidden"]),
    (r"^partial = true", 'partial = "yes"', ["items.api.partial", "true or false"]),
    (r"^threshold = .*$", "threshold = 1.5", ["lenet.threshold", "between 0 and 1"]),
    (r"^epochs = 2", "epochs = 2.5", ["lenet.epochs", "whole number"]),
    (r"^call_seconds = 10", "call_seconds = 10\ncall_minutes = 1", ["limits.call_minutes", "unknown key"]),
    (r"^\[tolerances\]", "[tolerance]", ["tolerance", "unknown key"]),
    (r"^total = 100", "total = [", ["not valid TOML"]),
]


@pytest.mark.parametrize("pattern, replacement, words", BROKEN, ids=[b[2][0] + "-" + b[2][-1][:12] for b in BROKEN])
def test_a_broken_rubric_names_the_file_and_the_key(tmp_path, pattern, replacement, words):
    path = tmp_path / "mine.toml"
    path.write_text(edit(DEFAULT_RUBRIC.read_text(), pattern, replacement))
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    for word in words:
        assert word in message


def test_an_unknown_rubric_name_lists_the_known_ones():
    with pytest.raises(RubricError, match=r"no such rubric.*lesson8"):
        load_rubric("lesson9")
