"""lenet: the lesson's LeNet, built and trained from the submission's own classes, reaches the
rubric's accuracy threshold at a checkpoint (on held-out images, relabelled, accuracy computed by the
grader in instructor mode), unless it is far too slow for its time budget. The training runs in a
sandbox of its own, started before the other checks (grader.lenet.run.LenetRun); this check waits for it."""

import pytest

from grader.checks.compare import expect


def describe_attempt(attempt: dict) -> str:
    """'0.652 (seed 0, best of 16 checkpoints)' or 'not evaluated (seed 1)'."""
    scores = [checkpoint["accuracy"] for checkpoint in attempt["checkpoints"]]
    if not scores:
        return f"not evaluated (seed {attempt['seed']})"
    return f"{max(scores):.3f} (seed {attempt['seed']}, best of {len(scores)} checkpoints)"


@pytest.mark.item("lenet")
def test_lenet_learns_within_the_budget(ctx):
    if ctx.lenet is None:
        pytest.skip("this grade leaves the LeNet out")
    run = ctx.lenet.finish()
    ctx.diagnostics["lenet"] = run.summary()
    settings = ctx.rubric.lenet
    case = (
        f"LeNet, up to {settings.epochs} epochs of SGD (lr {settings.lr}, batch {settings.batch_size}) "
        f"on {run.train_size} images"
    )
    expect(run.error is None, f"training failed: {run.error}", case, **run.summary())
    expect(not run.too_slow, run.too_slow and run.too_slow_message(), case, **run.summary())
    accuracies = ", ".join(describe_attempt(attempt) for attempt in run.attempts)
    expect(
        run.passed,
        f"test accuracy {accuracies} stayed below the threshold {settings.threshold:.2f}{run.attempts_note()}",
        case,
        **run.summary(),
    )
