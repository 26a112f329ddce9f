"""sequential: forward in order, backward in reverse, and parameters() as the layers' own arrays.

Only the submission's Sequential is on trial: forward and backward run through trusted probe layers
that record their calls and compute known affine maps (grader/probes.py), and parameters() is asked
of instances of the submission's own layer classes made without running their code, holding known
arrays (so it finds them whether it looks for attributes or for its classes)."""

import numpy as np
import pytest

from grader.checks.compare import expect, expect_close
from grader.checks.probing import PARAMETER_LAYERS, expected_backward, expected_forward, parameter_layers, probe_layers
from grader.misconceptions.experiments import call_codes

item = pytest.mark.item("sequential")
MODELS = {"Sequential(first, second, third)": 3, "Sequential(first)": 1}  # name -> how many probe layers
PARAMETER_MODELS = {
    "Sequential(" + ", ".join(name for name, _ in PARAMETER_LAYERS) + ")": len(PARAMETER_LAYERS),
    "Sequential(Conv2d)": 1,
}


@item
@pytest.mark.parametrize("name", list(MODELS))
def test_forward_in_order_and_backward_in_reverse(name, api, box, rng, tol, observe):
    count = MODELS[name]
    x, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    seen = observe("sequential.order", "Sequential", None, x=x, dY=dY, count=count)
    log, layers = probe_layers(box, count)
    model = api.Sequential(*layers)
    y = seen.record("y", model(x))
    expect_close(y, expected_forward(x, count), tol.relative, name, "the output of model(x)")
    order = [f"{layer}.forward" for layer in ("first", "second", "third")[:count]]
    calls = log.entries()
    seen.record("forward_calls", call_codes(calls))
    expect(calls == order, f"model(x) called {calls}, expected {order}: each layer's forward once, in order", name)
    dX = seen.record("dX", model.backward(dY))
    calls = log.entries()[len(order) :]
    seen.record("backward_calls", call_codes(calls))
    expect_close(dX, expected_backward(dY, count), tol.relative, name, "dX from model.backward")
    backward = [call.replace("forward", "backward") for call in reversed(order)]
    expect(
        calls == backward,
        f"model.backward(dY) called {calls}, expected {backward}: each layer's backward "
        "once, in reverse order, each given the previous one's result",
        name,
    )


@item
@pytest.mark.parametrize("name", list(PARAMETER_MODELS))
def test_parameters_are_the_layers_own_arrays(name, api, box, observe):
    seen = observe("sequential.parameters", "Sequential", None, count=PARAMETER_MODELS[name])
    layers = parameter_layers(box, PARAMETER_MODELS[name])
    model = api.Sequential(*[layer for layer, _ in layers])
    expected = [
        (box.getattr_kept(layer, key), box.getattr_kept(layer, f"grad_{key}"), f"layer {i}.{key}")
        for i, (layer, shapes) in enumerate(layers)
        for key, shape in shapes.items()
        if shape is not None
    ]
    returned = box.call_kept(model, "parameters")
    pairs = box.fetch(returned)
    count = seen.record("count", len(pairs) if isinstance(pairs, (list, tuple)) else -1)
    expect(
        count == len(expected),
        f"parameters() returned {count} pairs, expected {len(expected)}: one "
        "(param, grad) pair per weight and per bias that is not None, skipping layers without parameters",
        name,
    )
    kept = [
        (box.getitem_kept(box.getitem_kept(returned, i), 0), box.getitem_kept(box.getitem_kept(returned, i), 1))
        for i in range(count)
    ]
    found = [next((i for i, (p, _) in enumerate(kept) if box.same(p, param)), -1) for param, _, _ in expected]
    own = [i >= 0 and box.same(kept[i][1], grad) for i, (_, grad, _) in zip(found, expected, strict=True)]
    seen.record("found", np.array(found))
    seen.record("own_gradient", np.array(own))
    for (_, _, label), index, same in zip(expected, found, own, strict=True):
        expect(index >= 0, f"parameters() does not return {label} itself (a copy cannot be updated in place)", name)
        expect(
            same,
            f"parameters() pairs {label} with something other than its own gradient array",
            name,
        )
