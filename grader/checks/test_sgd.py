"""sgd: step() updates the model's own arrays in place by exactly lr * grad, honours lr; zero_grad()
zeroes the gradients in place. The model is a trusted probe (grader/sandbox/probes.py) whose parameters()
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


def parameters(params: list[np.ndarray], grads: list[np.ndarray]) -> dict[str, np.ndarray]:
    """{"p0": params[0], "g0": grads[0], ...}: a step's inputs, for the diagnosis's observation."""
    return {**{f"p{i}": p for i, p in enumerate(params)}, **{f"g{i}": g for i, g in enumerate(grads)}}


@item
@pytest.mark.parametrize("lr", [0.05, 0.3])
def test_step_updates_in_place_by_lr_times_grad(lr, api, box, rng, tol, observe):
    case = f"SGD(model, lr={lr}), 3 steps"
    model, pairs = probe_model(box)
    optimizer = None
    for step in range(3):
        grads = [rng.standard_normal(shape) for shape in SHAPES]
        model.set_gradients(grads)
        before = [as_array(box.fetch(param), case, "a parameter") for param, _ in pairs]
        seen = observe("sgd.step", "SGD", None, lr=lr, count=len(SHAPES), **parameters(before, grads))
        if optimizer is None:  # constructed here, so that a constructor that raises is observed too
            optimizer = api.SGD(model, lr=lr)
        optimizer.step()
        for index, (param, _) in enumerate(pairs):
            seen.record(f"p{index}", box.fetch(param))
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
def test_zero_grad_zeroes_in_place(api, box, rng, observe):
    case = "SGD.zero_grad() after gradients were set"
    model, pairs = probe_model(box)
    grads = [rng.standard_normal(shape) for shape in SHAPES]
    seen = observe("sgd.zero_grad", "SGD", None, count=len(SHAPES), **parameters([g * 0 for g in grads], grads))
    optimizer = api.SGD(model, lr=0.1)
    model.set_gradients(grads)
    optimizer.zero_grad()
    for index, (_, grad) in enumerate(pairs):
        values = as_array(seen.record(f"g{index}", box.fetch(grad)), case, f"gradient {index}")
        expect(
            not np.any(values),
            f"gradient {index} is not zero after zero_grad(): set grad[...] = 0 in place "
            "(rebinding a name leaves the model's array untouched)",
            case,
        )
