"""sequential: forward in order, backward in reverse, and parameters() as the layers' own arrays.

Only the submission's Sequential is on trial: forward and backward run through trusted probe layers
that record their calls and compute known affine maps (grader/sandbox/probes.py), and parameters() is asked
of instances of the submission's own layer classes made without running their code, holding known
arrays (so it finds them whether it looks for attributes or for its classes). Whether it returns
the layers' own arrays is decided from behaviour on the trusted side: values written into what it
returned must show in the layers' arrays read back by value (no identity question to the worker).
A Sequential that refuses these stand-ins (one that accepts only its own Module subclasses, say) is
judged with its own layers instead (grader/checks/own_sequential.py)."""

import numpy as np
import pytest

from grader.checks.compare import as_array, expect, expect_close
from grader.checks.own_sequential import (
    CHAINS,
    OWN_PARAMETER_LAYERS,
    StandInsIgnored,
    judge_with_own_layers,
    own_parameter_layers,
    reference_chain,
    with_own_layers,
)
from grader.checks.probing import (
    PARAMETER_LAYERS,
    expected_backward,
    expected_forward,
    holds,
    mark_in_place,
    parameter_layers,
    probe_layers,
)
from grader.misconceptions.experiments import call_codes

item = pytest.mark.item("sequential")
MODELS = {"Sequential(first, second, third)": 3, "Sequential(first)": 1}  # name -> how many probe layers
PARAMETER_MODELS = {
    "Sequential(" + ", ".join(name for name, _ in PARAMETER_LAYERS) + ")": len(PARAMETER_LAYERS),
    "Sequential(Conv2d)": 1,
}


@item
@pytest.mark.parametrize("name", list(MODELS))
def test_forward_in_order_and_backward_in_reverse(name, api, box, ref, rng, tol, ctx, observe):
    count, chains = MODELS[name], CHAINS[MODELS[name]]
    x, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    seen = observe("sequential.order", "Sequential", None, x=x, dY=dY, count=count)
    answers = [reference_chain(chain, ref, rng) for chain in chains]  # asked in every run: public mode replays them
    with_own_layers(
        ctx,
        name,
        lambda: forward_and_backward(name, count, api, box, tol, x, dY, seen),
        lambda: judge_with_own_layers(chains, answers, api, tol, name),
    )


def forward_and_backward(name, count, api, box, tol, x, dY, seen):
    """The case over probe layers: model(x) and model.backward(dY) against the probes' known maps
    (what it returned and the calls it made recorded in seen, for the diagnosis)."""
    log, layers = probe_layers(box, count)
    model = api.Sequential(*layers)
    output = seen.record("y", model(x))
    if not log.entries():
        raise StandInsIgnored(f"{name}: model(x) called none of the stand-in layers", case=name)
    expect_close(output, expected_forward(x, count), tol.relative, name, "the output of model(x)")
    order = [f"{layer}.forward" for layer in ("first", "second", "third")[:count]]
    calls = log.entries()
    seen.record("forward_calls", call_codes(calls))
    expect(calls == order, f"model(x) called {calls}, expected {order}: each layer's forward once, in order", name)
    dX = seen.record("dX", model.backward(dY))
    calls = log.entries()[len(order) :]
    seen.record("backward_calls", call_codes(calls))
    expect_close(dX, expected_backward(dY, count), tol.relative, name, "dX from model.backward")
    backward = [call.replace("forward", "backward") for call in reversed(order)]
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
def test_parameters_are_the_layers_own_arrays(name, api, box, ctx, rng, observe):
    count = PARAMETER_MODELS[name]
    seen = observe("sequential.parameters", "Sequential", None, count=count)

    def own():
        parameters_are_the_layers_own_arrays(name, api, box, own_parameter_layers(api, count), rng, seen)
        return OWN_PARAMETER_LAYERS[:count]

    stand_ins = lambda: parameters_are_the_layers_own_arrays(name, api, box, parameter_layers(box, count), rng, seen)  # noqa: E731
    with_own_layers(ctx, name, stand_ins, own, unseen=True)


def parameters_are_the_layers_own_arrays(name, api, box, layers, rng, seen):
    """parameters() of a Sequential of layers [(layer, {parameter: shape or None})] in the worker,
    decided from behaviour, on this side: random values are written in place into every array
    parameters() returned, then each layer's own arrays are read back by value. A copy leaves its
    layer untouched, whatever the worker answers about identities. seen records, for the diagnosis,
    the count and, per parameter, the index of the pair that holds it (-1: none) and whether its
    gradient is its own."""
    model = api.Sequential(*[layer for layer, _ in layers])
    owned = [
        (layer, key, f"layer {i}.{key}")
        for i, (layer, shapes) in enumerate(layers)
        for key, shape in shapes.items()
        if shape is not None
    ]
    returned = box.call_kept(model, "parameters")
    pairs = box.fetch(returned)
    count = seen.record("count", len(pairs) if isinstance(pairs, (list, tuple)) else -1)
    expect(
        count == len(owned),
        f"parameters() returned {count} pairs, expected {len(owned)}: one "
        "(param, grad) pair per weight and per bias that is not None, skipping layers without parameters",
        name,
    )
    written = [[mark_in_place(box, returned, i, j, pairs[i], name, rng) for j in (0, 1)] for i in range(count)]
    found, own_gradient = [], []
    for layer, key, label in owned:
        own, own_grad = (
            as_array(getattr(layer, attribute), name, f"{label} read back") for attribute in (key, f"grad_{key}")
        )
        match = [i for i, (param, _) in enumerate(written) if holds(own, param)]
        found.append(match[0] if match else -1)
        own_gradient.append(bool(match) and holds(own_grad, written[match[0]][1]))
    seen.record("found", np.array(found))
    seen.record("own_gradient", np.array(own_gradient))
    for (_, _, label), index, same in zip(owned, found, own_gradient, strict=True):
        expect(index >= 0, f"parameters() does not return {label} itself (a copy cannot be updated in place)", name)
        expect(
            same,
            f"parameters() pairs {label} with something other than its own gradient array",
            name,
        )
