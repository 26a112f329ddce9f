"""loss: value and dLogits against the reference, batch mean, class-index targets, large logits."""

import pytest

from grader.checks.compare import as_array, expect, expect_close

item = pytest.mark.item("loss")
SHAPES_AND_SCALES = [((5, 4), 1.0), ((1, 10), 1.0), ((64, 10), 3.0), ((8, 10), 1e3), ((8, 10), 1e4)]


@item
@pytest.mark.parametrize("shape, scale", SHAPES_AND_SCALES, ids=[f"logits{s}x{c:g}" for s, c in SHAPES_AND_SCALES])
def test_value_and_gradient(shape, scale, api, ref, rng, tol):
    case = f"SoftmaxCrossEntropyLoss on logits {shape} of scale {scale:g}"
    logits = rng.standard_normal(shape) * scale
    targets = rng.integers(0, shape[1], size=shape[0])
    loss_fn, reference = api.SoftmaxCrossEntropyLoss(), ref.SoftmaxCrossEntropyLoss()
    value = as_array(loss_fn(logits, targets), case, "the loss")
    expect(value.size == 1, f"the loss should be one number (the batch mean), got shape {value.shape}", case)
    expect_close(value.reshape(()), reference(logits, targets), tol["relative"], case, "the loss value")
    expect_close(loss_fn.backward(), reference.backward(), tol["relative"], case, "dLogits from backward")
