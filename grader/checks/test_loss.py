"""loss: value and dLogits against the reference, batch mean, class-index targets, a large common
offset of the logits (what the max-shift is for); logit spreads in the thousands are beyond the lesson."""

import numpy as np
import pytest

from grader.cases import LOG_EPSILON, LOSS_CASES
from grader.checks.compare import as_array, expect, expect_close
from grader.checks.marks import marked_item
from grader.sandbox.errors import SandboxError


def epsilon_allowance(dLogits: np.ndarray, targets: np.ndarray) -> float:
    """How far an epsilon of LOG_EPSILON inside the log may move the mean loss: mean of
    log(1 + eps / p_target), with p_target = N * dLogits[i, target] + 1 (dLogits = (p - onehot) / N)."""
    N = len(targets)
    p_target = np.clip(N * dLogits[np.arange(N), targets].astype(np.float64) + 1.0, 1e-300, 1.0)
    return float(np.mean(np.log1p(LOG_EPSILON / p_target)))


@pytest.mark.parametrize(
    "case", [pytest.param(case, marks=pytest.mark.item(marked_item(case, "loss")), id=case.id) for case in LOSS_CASES]
)
def test_value_and_gradient(case, api, ref, rng, tol, observe):
    logits, targets = case.inputs(rng)
    seen = observe("loss", "SoftmaxCrossEntropyLoss", case, logits=logits, targets=targets)
    name = f"SoftmaxCrossEntropyLoss on {case.id}"
    loss_fn, reference = api.SoftmaxCrossEntropyLoss(), ref.SoftmaxCrossEntropyLoss()
    value = as_array(seen.record("value", loss_fn(logits, targets)), name, "the loss")
    try:  # dLogits too before judging the value: the diagnosis needs both (grader.misconceptions)
        grad, grad_error = seen.record("dLogits", loss_fn.backward()), None
    except SandboxError as error:
        grad, grad_error = None, error
    expect(value.size == 1, f"the loss should be one number (the batch mean), got shape {value.shape}", name)
    expected, expected_grad = np.asarray(reference(logits, targets)), np.asarray(reference.backward())
    allowance = epsilon_allowance(expected_grad, targets) / max(abs(float(expected)), 1e-12)
    expect_close(value.reshape(()), expected, tol.relative + allowance, name, "the loss value")
    if grad_error is not None:
        raise grad_error
    expect_close(grad, expected_grad, tol.relative, name, "dLogits from backward")
