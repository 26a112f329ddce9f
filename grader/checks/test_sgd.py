"""sgd: step() updates the model's own arrays in place by exactly lr * grad, honours lr; zero_grad()
zeroes the gradients in place. The model is a trusted probe (grader/probes.py) whose parameters()
returns known arrays, so only the submission's SGD is on trial here."""

from typing import TYPE_CHECKING

import numpy as np
import pytest

from grader.checks.compare import as_array, expect, expect_close

if TYPE_CHECKING:
    from grader.sandbox.proxy import RemoteObject
    from grader.sandbox.runner import Sandbox

item = pytest.mark.item("sgd")
SHAPES = [(3, 4), (3,), (2, 3), (2,)]


def probe_model(box: "Sandbox") -> tuple["RemoteObject", list[tuple["RemoteObject", "RemoteObject"]]]:
    """(model, [(param, grad) kept in the worker]): a ParameterModel of SHAPES."""
    model = box.probe("ParameterModel", SHAPES)
    pairs = box.call_kept(model, "parameters")
    return model, [
        (box.getitem_kept(box.getitem_kept(pairs, i), 0), box.getitem_kept(box.getitem_kept(pairs, i), 1))
        for i in range(len(SHAPES))
    ]


@item
@pytest.mark.parametrize("lr", [0.05, 0.3])
def test_step_updates_in_place_by_lr_times_grad(lr, api, box, rng, tol):
    case = f"SGD(model, lr={lr}), 3 steps"
    model, pairs = probe_model(box)
    optimizer = api.SGD(model, lr=lr)
    for step in range(3):
        grads = [rng.standard_normal(shape) for shape in SHAPES]
        model.set_gradients(grads)
        before = [as_array(box.fetch(param), case, "a parameter") for param, _ in pairs]
        optimizer.step()
        for index, ((param, _), grad) in enumerate(zip(pairs, grads, strict=False)):
            label = f"parameter {index} after step {step + 1}"
            expect_close(
                box.fetch(param),
                before[index] - lr * grad,
                tol.relative,
                case,
                f"{label} (update the arrays parameters() returns, in place: param -= lr * grad)",
            )


@item
def test_zero_grad_zeroes_in_place(api, box, rng):
    case = "SGD.zero_grad() after gradients were set"
    model, pairs = probe_model(box)
    optimizer = api.SGD(model, lr=0.1)
    model.set_gradients([rng.standard_normal(shape) for shape in SHAPES])
    optimizer.zero_grad()
    for index, (_, grad) in enumerate(pairs):
        values = as_array(box.fetch(grad), case, f"gradient {index}")
        expect(
            not np.any(values),
            f"gradient {index} is not zero after zero_grad(): set grad[...] = 0 in place "
            "(rebinding a name leaves the model's array untouched)",
            case,
        )
