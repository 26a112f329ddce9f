"""flatten: (N, C*H*W) in C order, backward restores the shape, batch 1, new shapes on each call."""

import pytest

from grader.cases import FLATTEN_CASES
from grader.checks.compare import expect_close

item = pytest.mark.item("flatten")


@item
@pytest.mark.parametrize("case", FLATTEN_CASES, ids=lambda case: case.id)
def test_forward_and_backward(case, api, rng, tol, observe):
    flatten = case.build(api)
    x = case.input(rng)
    dY = rng.standard_normal((len(x), x[0].size))
    seen = observe("forward_backward", "Flatten", case, x=x, dY=dY)
    y = seen.record("y", flatten.forward(x))
    expect_close(y, x.reshape(len(x), -1), tol.relative, case.id, "the output of forward")
    expect_close(
        seen.record("dX", flatten.backward(dY)), dY.reshape(x.shape), tol.relative, case.id, "dX from backward"
    )


@item
def test_a_new_shape_on_every_call(api, rng, tol, observe):
    case = "Flatten on x (2, 3, 4, 4), then x (5, 2, 3, 3)"
    flatten = api.Flatten()
    x1 = rng.standard_normal((2, 3, 4, 4))
    x = rng.standard_normal((5, 2, 3, 3))
    dY = rng.standard_normal((5, 18))
    seen = observe("two_forwards", "Flatten", FLATTEN_CASES[0], x1=x1, x2=x, dY=dY)
    flatten.forward(x1)
    y = seen.record("y", flatten.forward(x))
    expect_close(y, x.reshape(5, -1), tol.relative, case, "the output of the second forward")
    expect_close(
        seen.record("dX", flatten.backward(dY)), dY.reshape(x.shape), tol.relative, case, "dX after the second forward"
    )
