"""cache: backward uses what the last forward cached: forward(x1), forward(x2), backward(dY)."""

import numpy as np
import pytest

from grader.cases import LAYER_CASES
from grader.checks.compare import expect_close
from grader.checks.layers import GRADIENT_NAMES, gradients, parameter_names, twins


@pytest.mark.item("cache")
@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda case: case.id)
def test_backward_uses_the_last_forward(case, api, ref, rng, tol):
    student, reference, _ = twins(case, api, ref, rng)
    names = parameter_names(reference)
    x1, x2 = case.input(rng), case.input(rng)
    student.forward(x1)
    student.forward(x2)
    dY = rng.standard_normal(np.shape(reference.forward(x2)))
    expected = gradients(reference, names, reference.backward(dY))
    got = gradients(student, names, student.backward(dY))
    for name in ["x", *names]:
        expect_close(got[name], expected[name], tol["relative"], case.id,
                     f"{GRADIENT_NAMES[name]} after forward(x1), forward(x2), backward(dY) (should be for x2)")
