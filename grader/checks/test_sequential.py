"""sequential: forward in order, backward in reverse, and parameters() as the layers' own arrays."""

import pytest

from grader.cases import LayerCase
from grader.checks.compare import expect, expect_close
from grader.checks.layers import gradients, parameter_names, twins

item = pytest.mark.item("sequential")

MODELS = {  # name -> layer cases, chained (the first case's input shape feeds the model)
    "Sequential(Linear(4, 5), ReLU(), Linear(5, 3))": [
        LayerCase("Linear", (4, 5), (6, 4)), LayerCase("ReLU", (), ()), LayerCase("Linear", (5, 3), ())],
    "Sequential(Conv2d(2, 3, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(12, 4, bias=False))": [
        LayerCase("Conv2d", (2, 3, 3), (2, 2, 6, 6)), LayerCase("ReLU", (), ()), LayerCase("MaxPool2d", (2,), ()),
        LayerCase("Flatten", (), ()), LayerCase("Linear", (12, 4), (), (("bias", False),))],
}


def build_twin_models(name, api, ref, rng):
    pairs = [twins(case, api, ref, rng) for case in MODELS[name]]
    students, references = [p[0] for p in pairs], [p[1] for p in pairs]
    return api.Sequential(*students), ref.Sequential(*references), students, references


@item
@pytest.mark.parametrize("name", list(MODELS))
def test_forward_in_order_and_backward_in_reverse(name, api, ref, rng, tol):
    model, reference, students, references = build_twin_models(name, api, ref, rng)
    x = MODELS[name][0].input(rng)
    out = reference(x)
    expect_close(model(x), out, tol["relative"], name, "the output of model(x)")
    dY = rng.standard_normal(out.shape)
    expect_close(model.backward(dY), reference.backward(dY), tol["relative"], name, "dX from model.backward")
    for position, (student, twin) in enumerate(zip(students, references)):
        for key, value in gradients(twin, parameter_names(twin), None).items():
            if key != "x":
                expect_close(getattr(student, f"grad_{key}"), value, tol["relative"], name,
                             f"grad_{key} of layer {position} after model.backward")


@item
@pytest.mark.parametrize("name", list(MODELS))
def test_parameters_are_the_layers_own_arrays(name, api, ref, box, rng):
    model, _, students, references = build_twin_models(name, api, ref, rng)
    expected = [(box.getattr_kept(student, key), box.getattr_kept(student, f"grad_{key}"), f"layer {i}.{key}")
                for i, (student, twin) in enumerate(zip(students, references)) for key in parameter_names(twin)]
    returned = box.call_kept(model, "parameters")
    count = len(box.fetch(returned))
    expect(count == len(expected), f"parameters() returned {count} pairs, expected {len(expected)}: one "
           "(param, grad) pair per weight and per bias that is not None", name)
    pairs = [(box.getitem_kept(box.getitem_kept(returned, i), 0), box.getitem_kept(box.getitem_kept(returned, i), 1))
             for i in range(count)]
    for param, grad, label in expected:
        match = [i for i, (p, g) in enumerate(pairs) if box.same(p, param)]
        expect(match, f"parameters() does not return {label} itself (a copy cannot be updated in place)", name)
        expect(box.same(pairs[match[0]][1], grad),
               f"parameters() pairs {label} with something other than its own gradient array", name)
