"""What a LeNet run reports (grader.lenet.run.LenetRun.summary), for the results and the report:
typed, so that mypy checks every key the results and the report read."""

from typing import Any, TypedDict


class Attempt(TypedDict):
    """One attempt of the protocol: its seed, the last checkpoint's accuracy (None before the
    first), per-batch losses and times, the checkpoints ({"batch", "accuracy"}) and its duration."""

    seed: int
    accuracy: float | None
    losses: list[float]
    batch_seconds: list[float]
    checkpoints: list[dict[str, Any]]
    seconds: float


class Calibration(TypedDict):
    """What the budget was measured on: its seconds, their source, the rubric's multiple and cap (the
    ceiling of a run's wall time)."""

    seconds: float
    source: str
    multiple: float
    cap_seconds: float


class LenetSummary(TypedDict):
    """A LeNet run for the results and the report (LenetRun.summary)."""

    threshold: float
    attempts: list[Attempt]
    layer_times: list[dict[str, Any]]
    error: str | None
    too_slow: bool
    projected_seconds: float | None
    per_batch_seconds: float | None
    pace_multiple: float | None  # the probe's pace / the calibration's, per batch: judged against the rubric's multiple
    attempts_left_out: int
    relabelled: bool
    evaluated_by: str
    test_images: int
    budget_seconds: float
    calibration: Calibration | None
    checkpoint_batches: int
