"""Shared test strategies: run a layer's backward, and the same gradients by finite differences."""

import numpy as np

from grader.numerics import numerical_gradient

PARAMETERS = ("weight", "bias")


def parameter_names(layer):
    """The parameters a layer has: 'weight' and/or 'bias', skipping bias=None."""
    return [name for name in PARAMETERS if getattr(layer, name, None) is not None]


def to_float64(layer):
    """Cast a layer's parameters to float64 and give it fresh float64 zero gradients; returns it."""
    for name in parameter_names(layer):
        setattr(layer, name, getattr(layer, name).astype(np.float64))
        setattr(layer, f"grad_{name}", np.zeros_like(getattr(layer, name)))
    return layer


def backward_gradients(layer, dY):
    """{'x': dX, 'weight': ..., 'bias': ...} from one backward(dY) after forward, gradients copied."""
    grads = {"x": layer.backward(dY)}
    grads.update({name: getattr(layer, f"grad_{name}").copy() for name in parameter_names(layer)})
    return grads


def numeric_gradients(layer, x, R):
    """The same gradients of sum(layer.forward(x) * R), by central differences."""
    projected = lambda: float((layer.forward(x) * R).sum())  # noqa: E731
    grads = {"x": numerical_gradient(projected, x)}
    grads.update({name: numerical_gradient(projected, getattr(layer, name)) for name in parameter_names(layer)})
    return grads
