"""sequential: forward in order, backward in reverse, and parameters() as the layers' own arrays.

Only the submission's Sequential is on trial: forward and backward run through trusted probe layers
that record their calls and compute known affine maps (grader/probes.py), and parameters() is asked
of instances of the submission's own layer classes made without running their code, holding known
arrays (so it finds them whether it looks for attributes or for its classes). A Sequential that
refuses these stand-ins (one that accepts only its own Module subclasses, say) is judged with its own
layers instead (grader/checks/own_sequential.py)."""

import pytest

from grader.checks.compare import expect, expect_close
from grader.checks.own_sequential import (
    CHAINS,
    OWN_PARAMETER_LAYERS,
    StandInsIgnored,
    judge_with_own_layers,
    own_parameter_layers,
    reference_chain,
    with_own_layers,
)
from grader.checks.probing import PARAMETER_LAYERS, expected_backward, expected_forward, parameter_layers, probe_layers

item = pytest.mark.item("sequential")
MODELS = {"Sequential(first, second, third)": 3, "Sequential(first)": 1}  # name -> how many probe layers
PARAMETER_MODELS = {
    "Sequential(" + ", ".join(name for name, _ in PARAMETER_LAYERS) + ")": len(PARAMETER_LAYERS),
    "Sequential(Conv2d)": 1,
}


@item
@pytest.mark.parametrize("name", list(MODELS))
def test_forward_in_order_and_backward_in_reverse(name, api, box, ref, rng, tol, ctx):
    count, chains = MODELS[name], CHAINS[MODELS[name]]
    x, dY = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    answers = [reference_chain(chain, ref, rng) for chain in chains]  # asked in every run: public mode replays them
    with_own_layers(
        ctx,
        name,
        lambda: forward_and_backward(name, count, api, box, tol, x, dY),
        lambda: judge_with_own_layers(chains, answers, api, tol, name),
    )


def forward_and_backward(name, count, api, box, tol, x, dY):
    """The case over probe layers: model(x) and model.backward(dY) against the probes' known maps."""
    log, layers = probe_layers(box, count)
    model = api.Sequential(*layers)
    output = model(x)
    if not log.entries():
        raise StandInsIgnored(f"{name}: model(x) called none of the stand-in layers", case=name)
    expect_close(output, expected_forward(x, count), tol.relative, name, "the output of model(x)")
    order = [f"{layer}.forward" for layer in ("first", "second", "third")[:count]]
    calls = log.entries()
    expect(calls == order, f"model(x) called {calls}, expected {order}: each layer's forward once, in order", name)
    expect_close(model.backward(dY), expected_backward(dY, count), tol.relative, name, "dX from model.backward")
    backward = [call.replace("forward", "backward") for call in reversed(order)]
    calls = log.entries()[len(order) :]
    expect(
        calls == backward,
        f"model.backward(dY) called {calls}, expected {backward}: each layer's backward "
        "once, in reverse order, each given the previous one's result",
        name,
    )


@item
@pytest.mark.parametrize("name", list(PARAMETER_MODELS))
def test_parameters_are_the_layers_own_arrays(name, api, box, ctx):
    count = PARAMETER_MODELS[name]

    def own():
        parameters_are_the_layers_own_arrays(name, api, box, own_parameter_layers(api, count))
        return OWN_PARAMETER_LAYERS[:count]

    stand_ins = lambda: parameters_are_the_layers_own_arrays(name, api, box, parameter_layers(box, count))  # noqa: E731
    with_own_layers(ctx, name, stand_ins, own, unseen=True)


def parameters_are_the_layers_own_arrays(name, api, box, layers):
    """parameters() of a Sequential of layers [(layer, {parameter: shape or None})] in the worker."""
    model = api.Sequential(*[layer for layer, _ in layers])
    expected = [
        (box.getattr_kept(layer, key), box.getattr_kept(layer, f"grad_{key}"), f"layer {i}.{key}")
        for i, (layer, shapes) in enumerate(layers)
        for key, shape in shapes.items()
        if shape is not None
    ]
    returned = box.call_kept(model, "parameters")
    pairs = box.fetch(returned)
    count = len(pairs) if isinstance(pairs, (list, tuple)) else -1
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
    for param, grad, label in expected:
        match = [i for i, (p, _) in enumerate(kept) if box.same(p, param)]
        expect(match, f"parameters() does not return {label} itself (a copy cannot be updated in place)", name)
        expect(
            box.same(kept[match[0]][1], grad),
            f"parameters() pairs {label} with something other than its own gradient array",
            name,
        )
