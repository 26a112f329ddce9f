"""What the LeNet item says when its run stops early or makes fewer attempts than the rubric's
(grader.lenet.run.LenetRun): the time per batch, the slowest layer, the budget."""

from typing import TYPE_CHECKING, Any

from grader.lenet.budget import ATTEMPTS_MULTIPLE, safety_seconds

if TYPE_CHECKING:
    from grader.lenet.run import LenetRun


def slowest_layer(layer_times: list[dict[str, Any]]) -> str:
    """'; the slowest layer is 0: Conv2d (... ms forward, ... ms backward per batch)', or ''."""
    slowest = max(layer_times, key=lambda row: row["forward_ms"] + row["backward_ms"], default=None)
    if slowest is None:
        return ""
    return (
        f"; the slowest layer is {slowest['layer']} ({slowest['forward_ms']:.1f} ms forward, "
        f"{slowest['backward_ms']:.1f} ms backward per batch)"
    )


def too_slow_message(run: "LenetRun") -> str:
    """Why a run was stopped: its pace, measured on its first batches, cannot fit one attempt in the
    budget; or it slowed down past the safety net (lenet_budget.safety_seconds)."""
    total, where = run.batches_per_attempt, slowest_layer(run.layer_times)
    if run.slowed_down:
        last = run.attempts[-1]
        pace = last["seconds"] / max(len(last["losses"]), 1)
        return (
            f"training slowed down: it was still running after {safety_seconds(run.budget, run.settings.time_budget_cap_seconds):.0f} s "
            f"(its budget is {run.budget:.0f} s an attempt), at batch {run.stopped_at} of {total} "
            f"({pace * 1e3:.0f} ms per batch){where}"
        )
    return (
        f"training is too slow for its budget of {run.budget:.0f} s: {(run.per_batch or 0) * 1e3:.0f} ms per "
        f"batch on its first {run.stopped_at} batches, so one attempt of {total} batches would take about "
        f"{run.projected or 0:.0f} s, {run.pace_multiple() or 0:.0f} times the reference's (at most "
        f"{run.settings.time_budget_multiple:g}); stopped at batch {run.stopped_at}{where}"
    )


def attempts_note(run: "LenetRun") -> str:
    """Why fewer than the rubric's attempts were made, or ''."""
    if not run.attempts_left_out:
        return ""
    return (
        f" (another attempt of {run.batches_per_attempt} batches at {(run.per_batch or 0) * 1e3:.0f} ms per "
        f"batch would not fit in {ATTEMPTS_MULTIPLE:g} times the budget of {run.budget:.0f} s)"
    )
