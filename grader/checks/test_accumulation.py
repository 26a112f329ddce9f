"""accumulation: two backward calls without zeroing give twice the gradients of one, and zeroing the
gradient arrays in place (as SGD.zero_grad does) resets them. The layer is compared with itself,
so a wrong backward costs its own item, not this one."""

import numpy as np
import pytest

from grader.cases import CONV2D_CASES, LINEAR_CASES
from grader.checks.compare import expect_close
from grader.checks.judging import baseline
from grader.checks.layers import own_gradients, own_layers


@pytest.mark.item("accumulation")
@pytest.mark.parametrize("case", CONV2D_CASES[:2] + LINEAR_CASES[:3], ids=lambda case: case.id)
def test_gradients_accumulate_until_zeroed(case, api, box, rng, tol, observe):
    x = case.input(rng)
    seen = observe("accumulation", case.layer, case, x=x)
    with baseline("accumulation"):
        (layer,), values = own_layers(case, api, rng)
        dY = rng.standard_normal(np.shape(layer.forward(x)))
        layer.backward(dY)
        once = own_gradients(layer, values, None, case.id)
    seen.inputs.update({name: value.copy() for name, value in values.items()}, dY=dY.copy())
    layer.backward(dY)
    twice = own_gradients(layer, values, None, case.id)
    for name in once:
        seen.record(f"once_grad_{name}", once[name])
        seen.record(f"twice_grad_{name}", twice[name])
    for name, value in once.items():
        expect_close(
            twice[name],
            2 * value,
            tol.relative,
            case.id,
            f"grad_{name} after two backward calls (should be twice one call: +=, not =)",
        )
    for name in once:
        box.call_kept(box.getattr_kept(layer, f"grad_{name}"), "fill", 0.0)  # in place, like SGD.zero_grad
    layer.forward(x)
    layer.backward(dY)
    again = own_gradients(layer, values, None, case.id)
    for name, value in again.items():
        seen.record(f"again_grad_{name}", value)
    for name, value in once.items():
        expect_close(
            again[name], value, tol.relative, case.id, f"grad_{name} after zeroing it in place and one backward"
        )
