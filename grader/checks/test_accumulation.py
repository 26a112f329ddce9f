"""accumulation: two backward calls without zeroing give twice the gradients; after zeroing, once."""

import numpy as np
import pytest

from grader.cases import CONV2D_CASES, LINEAR_CASES
from grader.checks.compare import expect_close
from grader.checks.layers import gradients, parameter_names, set_parameters, twins


@pytest.mark.item("accumulation")
@pytest.mark.parametrize("case", CONV2D_CASES[:3] + LINEAR_CASES[:3], ids=lambda case: case.id)
def test_gradients_accumulate_until_zeroed(case, api, ref, rng, tol):
    student, reference, values = twins(case, api, ref, rng)
    names = parameter_names(reference)
    x = case.input(rng)
    dY = rng.standard_normal(np.shape(reference.forward(x)))
    once = gradients(reference, names, reference.backward(dY))
    student.forward(x)
    student.backward(dY)
    student.backward(dY)
    for name in names:
        expect_close(getattr(student, f"grad_{name}"), 2 * once[name], tol["relative"], case.id,
                     f"grad_{name} after two backward calls (should be twice one call: +=, not =)")
    set_parameters(student, values)  # fresh zero gradient buffers
    student.forward(x)
    student.backward(dY)
    for name in names:
        expect_close(getattr(student, f"grad_{name}"), once[name], tol["relative"], case.id,
                     f"grad_{name} after zeroing and one backward")
