"""lenet: the lesson's LeNet, built and trained from the submission's own classes, reaches the
rubric's accuracy threshold within its time budget. The training runs in a sandbox of its own,
started before the other checks (grader.lenet_run.LenetRun); this check waits for it."""

import pytest

from grader.checks.compare import expect


@pytest.mark.item("lenet")
def test_lenet_learns_within_the_budget(ctx):
    run = ctx.lenet.finish()
    ctx.diagnostics["lenet"] = run.summary()
    settings = ctx.rubric.lenet
    case = (f"LeNet, {settings['epochs']} epochs of SGD (lr {settings['lr']}, batch {settings['batch_size']}) "
            f"on {run.train_size} images")
    expect(run.error is None, f"training failed: {run.error}", case, **run.summary())
    expect(not run.too_slow, run.too_slow and run.too_slow_message(), case, **run.summary())
    accuracies = ", ".join(f"{a['accuracy']:.3f} (seed {a['seed']})" for a in run.attempts)
    expect(run.passed, f"test accuracy {accuracies} is below the threshold {settings['threshold']:.2f}", case,
           **run.summary())
