"""sgd: step() updates the same arrays in place by exactly lr * grad, honours lr; zero_grad() in place."""

import numpy as np
import pytest

from grader.checks.compare import as_array, expect, expect_close

item = pytest.mark.item("sgd")
PARAMETERS = [(0, "weight"), (0, "bias"), (2, "weight"), (2, "bias")]


def small_model(api):
    layers = [api.Linear(4, 3), api.ReLU(), api.Linear(3, 2)]
    return api.Sequential(*layers), layers


@item
@pytest.mark.parametrize("lr", [0.05, 0.3])
def test_step_updates_in_place_by_lr_times_grad(lr, api, box, rng, tol):
    case = f"SGD(Sequential(Linear(4, 3), ReLU(), Linear(3, 2)), lr={lr}), 3 steps"
    model, layers = small_model(api)
    optimizer = api.SGD(model, lr=lr)
    kept = {(i, name): box.getattr_kept(layers[i], name) for i, name in PARAMETERS}
    for step in range(3):
        optimizer.zero_grad()
        model.backward(rng.standard_normal(np.shape(model(rng.standard_normal((5, 4))))))
        before = {key: as_array(box.fetch(array), case, "a parameter") for key, array in kept.items()}
        grads = {(i, name): as_array(getattr(layers[i], f"grad_{name}"), case, f"grad_{name}") for i, name in PARAMETERS}
        optimizer.step()
        for (i, name), array in kept.items():
            label = f"layer {i}.{name} after step {step + 1}"
            expect(box.same(box.getattr_kept(layers[i], name), array),
                   f"step() replaced {label.split(' after')[0]} by a new array: update it in place", case)
            expect_close(box.fetch(array), before[(i, name)] - lr * grads[(i, name)], tol["relative"], case, label)


@item
def test_zero_grad_zeroes_in_place(api, box, rng):
    case = "SGD.zero_grad() after a backward"
    model, layers = small_model(api)
    optimizer = api.SGD(model, lr=0.1)
    model.backward(rng.standard_normal(np.shape(model(rng.standard_normal((5, 4))))))
    kept = {(i, name): box.getattr_kept(layers[i], f"grad_{name}") for i, name in PARAMETERS}
    optimizer.zero_grad()
    for (i, name), grad in kept.items():
        label = f"layer {i}.grad_{name}"
        expect(box.same(box.getattr_kept(layers[i], f"grad_{name}"), grad),
               f"zero_grad() replaced {label} by a new array: set grad[...] = 0 in place", case)
        expect(not as_array(box.fetch(grad), case, label).any(), f"{label} is not zero after zero_grad()", case)
