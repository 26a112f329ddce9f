"""Shared by the grading tests: grade a submission in-process with a (possibly edited) rubric."""

import re

from grader.grading.grade import grade
from grader.grading.rubric import RUBRICS, load_rubric

DEFAULT_RUBRIC = RUBRICS / "lesson8.toml"


def rubric_with(tmp_path, **replacements):
    """A copy of lesson8.toml with `key = value` lines replaced (e.g. call_seconds="1")."""
    text = DEFAULT_RUBRIC.read_text()
    for key, value in replacements.items():
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        assert count == 1, key
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return load_rubric(path)


def items_of(result):
    return {item.id: item for item in result.items}


def lost(result):
    """The ids of the items that lost points."""
    return {item.id for item in result.items if item.score < item.max_score}


def grade_path(path, rubric=None, seed=0, mode="instructor", **options):
    """Grade path in-process; public mode always uses the fixtures' own seed."""
    return grade(path, rubric or load_rubric(), seed=None if mode == "public" else seed, mode=mode, **options)
