"""cache: backward uses what the LAST forward cached. The submission is compared with itself: after
forward(x1), forward(x2), backward(dY) a layer must give what a fresh twin (same class, same
parameters) gives after forward(x2), backward(dY), so a wrong forward or backward costs its own item,
not this one."""

import pytest

from grader.cases import CONV2D_CASES, FLATTEN_CASES, LINEAR_CASES, MAXPOOL2D_CASES, RELU_CASES
from grader.checks.compare import expect_close
from grader.checks.judging import baseline
from grader.checks.layers import GRADIENT_NAMES, own_gradients, own_layers

# the simplest configurations of each layer
CASES = CONV2D_CASES[:2] + MAXPOOL2D_CASES[:3] + LINEAR_CASES[:2] + RELU_CASES[:1] + FLATTEN_CASES[:1]


@pytest.mark.item("cache")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_backward_uses_the_last_forward(case, api, rng, tol, observe):
    x1, x2 = case.input(rng), case.input(rng)
    seen = observe("cache", case.layer, case, x1=x1, x2=x2)
    with baseline("cache"):
        (layer, fresh_twin), values = own_layers(case, api, rng, count=2)
        y2 = fresh_twin.forward(x2)
        dY = rng.standard_normal(y2.shape)
        seen.inputs.update({name: value.copy() for name, value in values.items()}, dY=dY.copy())
        fresh = own_gradients(fresh_twin, values, fresh_twin.backward(dY), case.id)
    layer.forward(x1)
    layer.forward(x2)
    got = own_gradients(layer, values, layer.backward(dY), case.id)
    for name, value in got.items():
        seen.record(GRADIENT_NAMES[name], value)
    for name, value in fresh.items():
        expect_close(
            got[name],
            value,
            tol.relative,
            case.id,
            f"{GRADIENT_NAMES[name]} after forward(x1), forward(x2), backward(dY): it should equal what "
            "forward(x2), backward(dY) alone gives",
        )
