"""Shared test strategies: run a layer's backward, and the same gradients by finite differences
(element by element, in the style of CS231n's gradient_check.py: perturb one element in place,
then restore it)."""

import numpy as np

PARAMETERS = ("weight", "bias")


def numerical_gradient(f, x, h=1e-6):
    """Central differences of a scalar function f() with respect to the array x that it reads.

    x is perturbed in place, one element at a time, and restored. Returns an array shaped like x:
    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h). Use float64 for x.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing to it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place")
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        plus = f()
        flat[i] = saved - h
        minus = f()
        flat[i] = saved
        grad.flat[i] = (plus - minus) / (2 * h)
    return grad


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
