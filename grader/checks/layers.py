"""Layers as the checks set them up: twins (the submission's and the reference's, with the same float64
parameters) and a submission's layer on its own, for the checks that compare it with itself."""

from collections.abc import Iterable
from typing import Any

import numpy as np

from grader.cases import LayerCase
from grader.checks.compare import as_array
from grader.sandbox.proxy import RemoteObject

PARAMETERS = ("weight", "bias")
GRADIENT_NAMES = {"x": "dX", "weight": "grad_weight", "bias": "grad_bias"}


def parameter_names(layer: Any) -> list[str]:
    """The reference layer's parameters: 'weight' and/or 'bias' (bias=None skipped)."""
    return [name for name in PARAMETERS if getattr(layer, name, None) is not None]


def set_parameters(layer: Any, values: dict[str, np.ndarray]) -> None:
    """Give a layer (either side) these parameters and fresh zero gradients of the same dtype."""
    attributes = {**values, **{f"grad_{name}": np.zeros_like(value) for name, value in values.items()}}
    if isinstance(layer, RemoteObject):
        layer._sandbox.set_attributes(layer, attributes)
    else:
        for name, value in attributes.items():
            setattr(layer, name, value)


def twins(case: LayerCase, api: Any, oracle: Any, rng: np.random.Generator) -> tuple[Any, Any, dict[str, np.ndarray]]:
    """(submission layer, reference layer, parameters) for a LayerCase, both set to the same
    random float64 parameters."""
    reference = case.build(oracle)
    student = case.build(api)
    values = {name: rng.standard_normal(np.shape(getattr(reference, name))) for name in parameter_names(reference)}
    set_parameters(reference, values)
    set_parameters(student, values)
    return student, reference, values


def gradients(layer: Any, names: Iterable[str], dX: Any) -> dict[str, Any]:
    """{'x': dX, 'weight': layer.grad_weight, ...}: what one backward produced (copies for the reference)."""
    grads: dict[str, Any] = {"x": dX}
    for name in names:
        value = getattr(layer, f"grad_{name}")
        grads[name] = value.copy() if isinstance(value, np.ndarray) else value
    return grads


def own_layers(
    case: LayerCase, api: Any, rng: np.random.Generator, count: int = 1
) -> tuple[list[Any], dict[str, np.ndarray]]:
    """(layers, values): count of the submission's layers for case, all with the same random float64
    parameters of their own shapes (Conv2d and Linear: weight, and bias unless it is None; values maps
    each name to its array) and zero gradients. For the checks that compare a layer with itself (cache,
    accumulation); set_parameters(layer, values) resets one."""
    layers = [case.build(api) for _ in range(count)]
    values: dict[str, np.ndarray] = {}
    if case.layer in ("Conv2d", "Linear"):
        for name in PARAMETERS:
            current = getattr(layers[0], name)
            if current is not None:
                values[name] = rng.standard_normal(np.shape(current))
    for layer in layers:
        set_parameters(layer, values)
    return layers, values


def own_gradients(layer: Any, names: Iterable[str], dX: Any, case_id: str) -> dict[str, np.ndarray]:
    """{'x': dX, 'weight': grad_weight, ...} of the submission's layer after a backward, as arrays:
    the gradients of the parameters names, and dX unless it is None."""
    grads = {} if dX is None else {"x": as_array(dX, case_id, "dX from backward")}
    for name in names:
        grads[name] = as_array(getattr(layer, f"grad_{name}"), case_id, f"grad_{name}")
    return grads
