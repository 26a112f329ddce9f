"""flatten: (N, C*H*W) in C order, backward restores the shape, batch 1, new shapes on each call."""

import pytest

from grader.cases import FLATTEN_CASES
from grader.checks.compare import expect_close

item = pytest.mark.item("flatten")


@item
@pytest.mark.parametrize("case", FLATTEN_CASES, ids=lambda case: case.id)
def test_forward_and_backward(case, api, rng, tol):
    flatten = case.build(api)
    x = case.input(rng)
    expect_close(flatten.forward(x), x.reshape(len(x), -1), tol.relative, case.id, "the output of forward")
    dY = rng.standard_normal((len(x), x[0].size))
    expect_close(flatten.backward(dY), dY.reshape(x.shape), tol.relative, case.id, "dX from backward")


@item
def test_a_new_shape_on_every_call(api, rng, tol):
    case = "Flatten on x (2, 3, 4, 4), then x (5, 2, 3, 3)"
    flatten = api.Flatten()
    flatten.forward(rng.standard_normal((2, 3, 4, 4)))
    x = rng.standard_normal((5, 2, 3, 3))
    expect_close(flatten.forward(x), x.reshape(5, -1), tol.relative, case, "the output of the second forward")
    dY = rng.standard_normal((5, 18))
    expect_close(flatten.backward(dY), dY.reshape(x.shape), tol.relative, case, "dX after the second forward")
