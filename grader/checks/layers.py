"""Layers as the checks set them up: twins (the submission's and the reference's, with the same float64
parameters) and a submission's layer on its own, for the checks that compare it with itself."""

from collections.abc import Iterable
from typing import Any

import numpy as np

from grader.cases import LayerCase
from grader.checks.compare import as_array
from grader.lesson import Lesson
from grader.sandbox.proxy import RemoteObject


def gradient_name(name: str) -> str:
    """How the gradient of the input ("x") or of a parameter is named in a message: dX, grad_weight, ..."""
    return "dX" if name == "x" else f"grad_{name}"


def declared_parameters(case: LayerCase, lesson: Lesson) -> tuple[str, ...]:
    """The attributes that hold the parameters of case's class (grader/lesson.py), e.g. ("weight", "bias")."""
    cls = lesson.by_name(case.layer)
    return cls.parameters if cls is not None else ()


def parameter_names(layer: Any, lesson: Lesson) -> list[str]:
    """The reference layer's parameters among the lesson's parameter attributes: e.g. 'weight' and/or
    'bias' (bias=None skipped)."""
    return [name for name in lesson.parameter_names if getattr(layer, name, None) is not None]


def set_parameters(layer: Any, values: dict[str, np.ndarray]) -> None:
    """Give a layer (either side) these parameters and fresh zero gradients of the same dtype."""
    attributes = {**values, **{f"grad_{name}": np.zeros_like(value) for name, value in values.items()}}
    if isinstance(layer, RemoteObject):
        layer._sandbox.set_attributes(layer, attributes)
    else:
        for name, value in attributes.items():
            setattr(layer, name, value)


def twins(
    case: LayerCase, api: Any, oracle: Any, rng: np.random.Generator, lesson: Lesson
) -> tuple[Any, Any, dict[str, np.ndarray]]:
    """(submission layer, reference layer, parameters) for a LayerCase, both set to the same
    random float64 parameters (those of the reference's layer)."""
    reference = case.build(oracle)
    student = case.build(api)
    values = {
        name: rng.standard_normal(np.shape(getattr(reference, name))) for name in parameter_names(reference, lesson)
    }
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
    case: LayerCase, api: Any, rng: np.random.Generator, lesson: Lesson, count: int = 1
) -> tuple[list[Any], dict[str, np.ndarray]]:
    """(layers, values): count of the submission's layers for case, all with the same random float64
    parameters of their own shapes (the parameters lesson declares for the class, e.g. Conv2d's weight,
    and bias unless it is None; values maps each name to its array) and zero gradients. For the checks
    that compare a layer with itself (cache, accumulation); set_parameters(layer, values) resets one."""
    layers = [case.build(api) for _ in range(count)]
    values: dict[str, np.ndarray] = {}
    for name in declared_parameters(case, lesson):
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
