"""Discrimination: every correct implementation gets full marks, every realistic bug loses the
points of the item it breaks, with a message that names the failing case — in instructor mode
(the live reference, fresh seeds) and in public mode (the student kit's fixtures)."""

import pytest

from bug_bank import BUGS
from grading_support import grade_path, items_of, lost, rubric_with
from submission_formats import build, float64_sources
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
CORRECT = {
    "reference-package": lambda tmp: build("package", tmp),
    "vectorised-single-file": lambda tmp: build("file", tmp),
    "float64": lambda tmp: build("file", tmp, float64_sources()),
    "lesson-loops": lambda tmp: BENCH / "lesson_loops.py",
}


RUNS = {"instructor-seed-1": ("instructor", 1), "instructor-seed-2": ("instructor", 2), "public": ("public", None)}


@pytest.mark.parametrize("run", list(RUNS))
@pytest.mark.parametrize("style", list(CORRECT))
def test_correct_implementations_get_full_marks(tmp_path, style, run):
    mode, seed = RUNS[run]
    result = grade_path(CORRECT[style](tmp_path), seed=seed, mode=mode)
    assert result.mode == mode
    failures = {item.id: item.failures[:1] for item in result.items if item.status != "passed"}
    assert result.score == result.max_score == 100, failures
    assert result.diagnostics["tie_rule"] == ("all maxima" if style == "lesson-loops" else "first maximum")


@pytest.mark.parametrize("mode", ["instructor", "public"])
def test_the_template_gets_zero_and_says_not_implemented(tmp_path, mode):
    result = grade_path(Path(__file__).resolve().parent.parent / "student_template", seed=3, mode=mode)
    assert result.score == 0
    for item in result.items:
        assert item.score == 0 and item.failures, item.id
        assert "NotImplementedError" in item.failures[0]["message"], (item.id, item.failures[0])


@pytest.mark.parametrize("mode", ["instructor", "public"])
@pytest.mark.parametrize("bug", BUGS, ids=str)
def test_a_bug_loses_the_points_of_the_item_it_breaks(tmp_path, bug, mode):
    result = grade_path(build("file", tmp_path, bug.sources()), seed=4, mode=mode)
    assert set(bug.items) <= lost(result), (bug.why, sorted(lost(result)))
    primary = items_of(result)[bug.items[0]]
    for failure in primary.failures:
        assert failure["message"] and not failure["message"].startswith("grader error"), failure
        assert failure["case"] and failure["message"].split(":")[0].strip(), failure


HOSTILE_PATCHES = [
    # (what the submission does, appended code, item that must fail, words in its message)
    ("loops forever", "ReLU.forward = lambda self, x: [None for _ in iter(int, 1)]", "relu", "longer than 1 s"),
    ("exits the worker", "import os\nFlatten.forward = lambda self, x: os._exit(9)", "flatten", "the worker died (exit code 9)"),
    ("exhausts memory", "import numpy as np\nLinear.forward = lambda self, x: np.ones((8, 1 << 30))", "linear.forward", "MemoryError"),
    ("misses a name", "del SGD", "sgd", "does not define SGD"),
]


@pytest.mark.parametrize("what, code, item, words", HOSTILE_PATCHES, ids=[p[0] for p in HOSTILE_PATCHES])
def test_runner_failures_are_failed_items_not_crashes(tmp_path, what, code, item, words):
    path = build("file", tmp_path)
    path.write_text(path.read_text() + "\n" + code + "\n")
    result = grade_path(path, rubric=rubric_with(tmp_path, call_seconds="1"), seed=5)
    failures = items_of(result)[item].failures
    assert items_of(result)[item].score == 0 and any(words in f["message"] for f in failures), failures[:2]
    untouched = {"conv2d.forward", "maxpool2d.backward", "loss"} - {item}
    assert not untouched & lost(result), sorted(lost(result))


def test_the_same_seed_reproduces_a_run(tmp_path):
    bug = next(bug for bug in BUGS if bug.name == "col2im_assigns")
    path = build("file", tmp_path, bug.sources())
    first, again = grade_path(path, seed=11), grade_path(path, seed=11)
    other = grade_path(path, seed=12)
    messages = lambda result: [f["message"] for item in result.items for f in item.failures if item.id != "lenet"]  # noqa: E731
    assert messages(first) == messages(again)
    assert messages(first) != messages(other)


def test_a_slow_lenet_fails_with_the_time_per_batch_and_the_slowest_layer(tmp_path):
    path = build("file", tmp_path)
    path.write_text(path.read_text() + "\nimport time\n_forward = Conv2d.forward\n"
                    "Conv2d.forward = lambda self, x: time.sleep(0.05) or _forward(self, x)\n")
    result = grade_path(path, rubric=rubric_with(tmp_path, time_budget_seconds="2"), seed=6)
    assert lost(result) == {"lenet"}
    (failure,) = items_of(result)["lenet"].failures
    assert "over the budget of 2 s" in failure["message"] and "ms per batch" in failure["message"]
    assert "the slowest layer is 0: Conv2d" in failure["message"]
    assert result.seconds < 30  # stopped after a few batches, not after the whole run
