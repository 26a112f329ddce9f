"""relu: forward, backward, the input left untouched, and ReLU'(0) = 0."""

import numpy as np
import pytest

from grader.cases import RELU_CASES
from grader.checks.compare import as_array, expect, expect_close

item = pytest.mark.item("relu")


@item
@pytest.mark.parametrize("case", RELU_CASES, ids=lambda case: case.id)
def test_forward_and_backward(case, api, ref, rng, tol, observe):
    student, reference = case.build(api), case.build(ref)
    x = case.input(rng)
    dY = rng.standard_normal(x.shape)
    seen = observe("forward_backward", "ReLU", case, x=x, dY=dY)
    expect_close(
        seen.record("y", student.forward(x)), reference.forward(x), tol.relative, case.id, "the output of forward"
    )
    expect_close(
        seen.record("dX", student.backward(dY)), reference.backward(dY), tol.relative, case.id, "dX from backward"
    )


@item
def test_forward_does_not_modify_its_input(api, box, rng, observe):
    case = "ReLU on x (2, 3, 4, 5)"
    x = rng.standard_normal((2, 3, 4, 5))
    seen = observe("input_after_forward", "ReLU", RELU_CASES[0], x=x)
    remote_x = box.keep(x.copy())
    api.ReLU().forward(remote_x)
    after = as_array(seen.record("x_after", box.fetch(remote_x)), case, "x after forward")
    expect(np.array_equal(after, x), "forward changed its input x in place: compute a new array instead", case)


@item
def test_derivative_at_zero_is_zero(api, rng, observe):
    case = "ReLU on x with exact zeros"
    x = rng.standard_normal((4, 6))
    x[::2, ::2] = 0.0
    seen = observe("derivative_at_zero", "ReLU", RELU_CASES[0], x=x)
    relu = api.ReLU()
    relu.forward(x)
    dX = as_array(seen.record("dX", relu.backward(np.ones_like(x))), case, "dX")
    expect(dX.shape == x.shape, f"dX has shape {dX.shape}, expected {x.shape}", case)
    expect(not dX[x == 0].any(), "ReLU'(0) must be 0: use the mask x > 0, not x >= 0", case)
