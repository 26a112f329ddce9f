"""relu: forward, backward, the input left untouched (decided here from x read back by value), and
ReLU'(0) = 0."""

import numpy as np
import pytest

from grader.cases import RELU_CASES
from grader.checks.compare import as_array, expect, expect_close
from grader.checks.judging import not_earned
from grader.checks.work import forward_work

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
    """x stays in the worker; after forward, it is read back by value by two routes (the array
    itself, and a copy it makes of itself) and compared here with the grader's own copy. A forward
    that does no ReLU work earns nothing."""
    case = "ReLU on x (2, 3, 4, 5)"
    x = rng.standard_normal((2, 3, 4, 5))
    seen = observe("input_after_forward", "ReLU", RELU_CASES[0], x=x)
    remote_x = box.keep(x.copy())
    y = as_array(api.ReLU().forward(remote_x), case, "the output of forward")
    not_earned(forward_work("ReLU", x, y, None, "nothing to check the input of"), case)
    copy = box.request("call", "reading x after forward", target=remote_x, method="copy", args=(), kwargs={})
    for route, value in (("x", seen.record("x_after", box.fetch(remote_x))), ("x.copy()", copy)):
        after = as_array(value, case, f"{route} after forward")
        expect(
            after.shape == x.shape and np.array_equal(after, x),
            "forward changed its input x in place: compute a new array instead",
            case,
        )


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
