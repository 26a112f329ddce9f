"""Verdicts the worker cannot decide (issue 17): every verdict is reached on the trusted side from
values the worker returned, a value that is not finite never passes, a wrong backward costs its own
item only, and cache and accumulation give no credit for work nobody did.

The hostile submissions (tests/hostile/, appended to a correct single file) run in the isolating
tier of the environment: bubblewrap here, landlock when test_sandbox_tiers.py runs this module
under tests/helpers/docker_like.py (TORCINO_TEST_ENV=docker-like).
"""

from pathlib import Path

import numpy as np
import pytest

from grader.checks.compare import CheckFailure, directional_derivatives, expect_close
from grader.grading.grade import grade
from grader.grading.rubric import load_rubric
from tests.helpers.bug_bank import Bug
from tests.helpers.grading_support import grade_path, items_of, lost
from tests.helpers.submission_formats import build
from tests.test_sandbox_hostile import ISOLATING

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "hostile"
CHEATERS = ROOT / "tests" / "cheaters"


def scored(result):
    """The items that lost points, the LeNet left out (these grades do not train it)."""
    return lost(result) - {"lenet"}


def appended(tmp_path, name):
    """A correct single-file submission with tests/hostile/<name>.py appended."""
    path = build("file", tmp_path)
    path.write_text(path.read_text() + "\n\n" + (HOSTILE / f"{name}.py").read_text())
    return path


@pytest.mark.parametrize("mode", ISOLATING)
@pytest.mark.parametrize(
    "name, item, words",
    [
        ("lie_parameters_identity", "sequential", "does not return layer 0.weight itself"),
        ("relu_clamps_input_lying", "relu", "forward changed its input x in place"),
    ],
)
def test_lying_in_the_worker_about_identity_loses_exactly_the_affected_item(tmp_path, mode, name, item, words):
    result = grade(appended(tmp_path, name), load_rubric(), seed=6, sandbox=mode, train_lenet=False)
    assert result.sandbox == mode
    assert scored(result) == {item}, {i.id: i.failures[:1] for i in result.items if i.id in scored(result)}
    affected = items_of(result)[item]
    assert 0 < affected.score < affected.max_score and any(words in f["message"] for f in affected.failures), (
        affected.failures
    )


def test_a_value_that_is_not_finite_never_passes_a_comparison():
    with pytest.raises(CheckFailure, match="not finite"):
        expect_close(np.ones(3), np.array([1.0, np.nan, 1.0]), 1e-4, "case", "dX")
    with pytest.raises(CheckFailure, match="not finite"):
        expect_close(np.ones(3), np.array([1.0, np.inf, 1.0]), 1e-4, "case", "dX")
    value = np.ones(2)
    with pytest.raises(CheckFailure, match="finite differences"):
        directional_derivatives(
            lambda: np.nan, [("x", value, np.ones(2), lambda v: None)], np.random.default_rng(0), 1e-3, 1e-3, "case"
        )


# Linear keeps the input of the forward before the last one (a fresh layer has NaN there): a stale
# cache whose fresh twin has NaN gradients. It must lose cache (and linear.backward), not pass it.
STALE_NAN = Bug(
    name="linear_stale_cache_nan",
    items=("cache", "linear.backward"),
    patches=(
        (
            "Linear.forward",
            "        self.x = x\n        y = x @ self.weight.T",
            "        self.x = getattr(self, 'x_next', np.full_like(x, np.nan))\n        self.x_next = x\n"
            "        y = x @ self.weight.T",
        ),
    ),
    why="Linear backward uses the input of the previous forward; before any, a NaN placeholder",
)
# MaxPool2d.backward returns inf: it costs maxpool2d.backward only, not cache.
MAXPOOL_INF = Bug(
    name="maxpool_backward_inf",
    items=("maxpool2d.backward",),
    patches=(
        (
            "MaxPool2d.backward",
            "        return crop(dX_pad, self.padding)\n",
            "        return crop(dX_pad, self.padding) + np.inf\n",
        ),
    ),
    why="MaxPool2d.backward returns inf everywhere",
)


@pytest.mark.parametrize("bug", [STALE_NAN, MAXPOOL_INF], ids=str)
def test_non_finite_gradients_cost_their_own_item_and_never_pass(tmp_path, bug):
    result = grade_path(build("file", tmp_path, bug.sources()), seed=4, train_lenet=False)
    assert scored(result) == set(bug.items), (bug.why, {i.id: i.failures[:1] for i in result.items})
    if bug is MAXPOOL_INF:
        cache = items_of(result)["cache"]
        assert len(cache.not_judged) == 3, cache.not_judged
        assert all(
            "MaxPool2d.backward" in case["message"] and "costs maxpool2d.backward" in case["message"]
            for case in cache.not_judged
        )


def test_a_do_nothing_submission_scores_at_most_the_api_share(tmp_path):
    result = grade_path(CHEATERS / "do_nothing.py", seed=5, train_lenet=False)
    assert result.score <= items_of(result)["api"].max_score, {i.id: i.score for i in result.items if i.score}
    for item in ("cache", "accumulation"):
        failures = items_of(result)[item].failures
        assert items_of(result)[item].score == 0 and all("not earned" in f["message"] for f in failures), failures
    assert (
        "forward returns its input: nothing to check the cache of" in items_of(result)["cache"].failures[0]["message"]
    )
    assert grade_path(ROOT / "student_template", seed=5, train_lenet=False).score == 0
