"""The LeNet's pace rule (grader/lenet/budget.py) on its own: one decision at the probe, every admitted
pace gets at least two attempts, the safety net never below the cap's ceiling, and a slow pace's
calibration measured over as long a window as asked."""

import time

import numpy as np
import pytest

from grader.grading.rubric import load_rubric
from grader.lenet import budget as lenet_budget
from grader.lenet.budget import admitted, another_attempt_fits, budget_seconds, clearly_admitted, safety_seconds

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


def test_only_a_pace_far_inside_the_budget_skips_measuring_the_calibration_again():
    budget = budget_seconds(0.5, 900)
    assert clearly_admitted(lenet_budget.CLEAR_SHARE * budget / BATCHES, BATCHES, budget)
    assert not clearly_admitted(1.01 * lenet_budget.CLEAR_SHARE * budget / BATCHES, BATCHES, budget)
    assert lenet_budget.CLEAR_SHARE * load_rubric().lenet.time_budget_multiple >= 10  # the reference: 1-3x


@pytest.mark.parametrize("sleep, multiple, again", [(0.0, "900", False), (0.25, "20", True)])
def test_the_calibration_is_measured_again_at_the_probe_only_for_a_slow_pace(
    tmp_path, monkeypatch, sleep, multiple, again
):
    """A fast run is calibrated once, while its worker starts; a slow pace (0.25 s a batch, 60-170x the
    reference's, against a limit of 20x) again at the probe, under the same load (here in slices
    between its probe batches), before it is stopped there."""
    from grader.lenet.run import LenetRun
    from tests.helpers.grading_support import grade_path, rubric_with
    from tests.helpers.submission_formats import SLOWED_SGD, build

    calls = []
    measure = LenetRun.measure
    monkeypatch.setattr(LenetRun, "measure", lambda self, *args: calls.append(args) or measure(self, *args))
    path = build("file", tmp_path)
    path.write_text(path.read_text() + SLOWED_SGD.format(seconds=sleep))
    result = grade_path(path, rubric=rubric_with(tmp_path, time_budget_multiple=multiple), seed=3)
    lenet = result.diagnostics["lenet"]
    assert (len(calls) > 1) == again and lenet["too_slow"] == again, (calls, lenet["pace_multiple"])


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


SLOW_EVALUATION = (
    "\n_conv_forward = Conv2d.forward\n"
    "Conv2d.forward = lambda self, x: (time.sleep(0.3) if len(x) == 250 else None) or _conv_forward(self, x)\n"
)


@pytest.mark.slow
def test_a_slow_public_run_evaluates_beside_the_training_with_the_same_checkpoints(tmp_path, monkeypatch):
    """Public mode, a pace whose evaluation would take seconds (0.1 s a batch; the 500 kit images are
    evaluated in two chunks of 250, slowed to 0.3 s each): the checkpoints are evaluated in a second
    worker while the training goes on, and the attempt ends where evaluating in the training worker
    ends it, with the same checkpoints, accuracies and losses (the batches trained meanwhile dropped)."""
    from grader.lenet import side_evaluation
    from tests.helpers.grading_support import grade_path
    from tests.helpers.submission_formats import SLOWED_SGD, build

    path = build("file", tmp_path)
    path.write_text(path.read_text() + SLOWED_SGD.format(seconds=0.1) + SLOW_EVALUATION)
    beside = grade_path(path, mode="public").diagnostics["lenet"]
    monkeypatch.setattr(side_evaluation, "SIDE_EVALUATION_SECONDS", float("inf"))
    inline = grade_path(path, mode="public").diagnostics["lenet"]
    assert beside["evaluated_by"].startswith("a second worker") and inline["evaluated_by"] == "the worker"
    assert beside["error"] is None and inline["error"] is None
    assert [(a["seed"], a["checkpoints"], a["losses"]) for a in beside["attempts"]] == [
        (a["seed"], a["checkpoints"], a["losses"]) for a in inline["attempts"]
    ]
    (attempt,) = beside["attempts"]
    assert attempt["accuracy"] >= beside["threshold"] and len(attempt["losses"]) == attempt["checkpoints"][-1]["batch"]


@pytest.mark.slow
def test_an_evaluation_that_raises_beside_the_training_fails_the_lenet_as_it_would_inline(tmp_path, monkeypatch):
    from grader.lenet import side_evaluation
    from tests.helpers.grading_support import grade_path, lost
    from tests.helpers.submission_formats import SLOWED_SGD, build

    path = build("file", tmp_path)
    path.write_text(
        path.read_text()
        + SLOWED_SGD.format(seconds=0.1)
        + "\n_forward = Linear.forward\n"
        + "Linear.forward = lambda self, x: (_ for _ in ()).throw(ValueError('no')) if len(x) == 250 else _forward(self, x)\n"
    )
    beside = grade_path(path, mode="public")
    monkeypatch.setattr(side_evaluation, "SIDE_EVALUATION_SECONDS", float("inf"))
    inline = grade_path(path, mode="public")
    assert lost(beside) == lost(inline) == {"lenet"}
    errors = [result.diagnostics["lenet"]["error"] for result in (beside, inline)]
    assert errors[0] == errors[1] and "raised ValueError: no" in errors[0], errors
    (stopped,) = {len(result.diagnostics["lenet"]["attempts"][0]["losses"]) for result in (beside, inline)}
    assert stopped % load_rubric().lenet.checkpoint_batches == 0  # at the checkpoint whose evaluation raised
