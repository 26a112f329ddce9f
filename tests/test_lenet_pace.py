"""The LeNet's pace rule (grader/lenet/budget.py) on its own: one decision at the probe, every admitted
pace gets at least two attempts, the safety net never below the cap's ceiling, and a slow pace's
calibration measured over as long a window as asked."""

import time

import numpy as np
import pytest

from grader.grading.rubric import load_rubric
from grader.lenet import budget as lenet_budget
from grader.lenet.budget import admitted, another_attempt_fits, budget_seconds, safety_seconds

BATCHES = 126


@pytest.mark.parametrize("share", [0.05, 0.5, 0.9, 1.0])
def test_every_admitted_pace_gets_a_second_attempt_after_a_whole_first_one(share):
    budget = budget_seconds(0.5, 900)
    pace = share * budget / BATCHES
    assert admitted(pace, BATCHES, budget)
    assert another_attempt_fits(pace, BATCHES, BATCHES, budget)


def test_a_pace_past_the_limit_is_not_admitted_and_two_thirds_of_it_gets_all_three_attempts():
    budget = budget_seconds(0.5, 900)
    assert not admitted(1.01 * budget / BATCHES, BATCHES, budget)
    two_thirds = 2 / 3 * budget / BATCHES
    assert another_attempt_fits(two_thirds, 2 * BATCHES, BATCHES, budget)
    assert not another_attempt_fits(1.01 * two_thirds, 2 * BATCHES, BATCHES, budget)


def test_the_budget_is_not_capped_and_the_safety_net_is():
    """The admission is a ratio of two times under the same load: a capped budget would make a loaded
    machine stop a pace that a quiet one admits. Only the safety net has the rubric's ceiling."""
    settings = load_rubric().lenet
    budget = budget_seconds(2.0, settings.time_budget_multiple)
    assert budget == 2.0 * settings.time_budget_multiple > settings.time_budget_cap_seconds
    assert safety_seconds(budget, settings.time_budget_cap_seconds) == settings.time_budget_cap_seconds
    assert safety_seconds(10.0, settings.time_budget_cap_seconds) == lenet_budget.SAFETY_MULTIPLE * 10.0


def test_a_windowed_calibration_runs_for_its_window_and_returns_the_mean():
    calls = []

    def run():
        calls.append(time.perf_counter())
        time.sleep(0.01)

    started = time.perf_counter()
    mean = lenet_budget._median_seconds(run, repeats=2, window=0.2)
    assert time.perf_counter() - started >= 0.2 and len(calls) > 3
    assert mean == pytest.approx(float(np.mean(np.diff(calls))), rel=0.5)


SLOWS_DOWN = (
    "\nimport time\n_step, _calls = SGD.step, []\n"
    "SGD.step = lambda self: (_calls.append(1), time.sleep(1.0) if len(_calls) > 4 else None, _step(self))[-1]\n"
)


def test_a_run_that_slows_down_after_its_probe_is_stopped_by_the_safety_net(tmp_path):
    from tests.helpers.grading_support import grade_path, items_of, lost, rubric_with
    from tests.helpers.submission_formats import build

    path = build("file", tmp_path)
    path.write_text(path.read_text() + SLOWS_DOWN)
    result = grade_path(path, rubric=rubric_with(tmp_path, time_budget_cap_seconds="5"), seed=6)
    lenet = result.diagnostics["lenet"]
    assert lost(result) == {"lenet"} and lenet["too_slow"], lenet["error"]
    (failure,) = items_of(result)["lenet"].failures
    assert "training slowed down: it was still running after 5 s" in failure["message"], failure["message"]
    assert len(lenet["attempts"]) == 1 and len(lenet["attempts"][0]["losses"]) < 12
