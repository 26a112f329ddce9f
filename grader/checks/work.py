"""Whether a layer does work of its kind: the gate of the checks that compare a layer with itself.

cache and accumulation pass vacuously on a layer that does nothing (forward returning its input,
backward returning dY, gradients never written: equal to itself, twice zero is zero). They give
credit only where the layer computes something the lesson's layer of that kind would; these
functions decide it here, on the trusted side, from arrays the worker returned. The gate is "does
work of the right kind", not "is correct": a wrong forward value still depends on the weight, a
wrong pooling still pools, so one bug costs its own item only. Each function returns None when
the layer does such work, else the reason it does not (a sentence for the report).
"""

from typing import Any

import numpy as np


def same(first: np.ndarray, second: np.ndarray) -> bool:
    """Same shape and the same values (up to a float32 rounding)."""
    return first.shape == second.shape and bool(np.allclose(first, second, rtol=1e-5, atol=1e-12))


def forward_work(layer: str, x: np.ndarray, y: np.ndarray, other: Any, what: str) -> str | None:
    """None when forward(x) = y is work of the layer's kind, else why not, ending with
    what ("nothing to check the cache of", ...).

    other: for Conv2d and Linear, the output for the same x of a layer of the same configuration
    with other parameters (the output must depend on them); for MaxPool2d, the output for another
    input (the output must depend on it); unused otherwise. Shapes: x (N, ...), y as forward returned.
    """
    if same(y, x) or (layer != "Flatten" and y.size == x.size and same(y.ravel(), x.ravel())):
        return f"forward returns its input: {what}"
    if layer in ("Conv2d", "Linear") and same(y, other):
        return f"forward gives the same output whatever the weight and bias: {what}"
    if layer == "MaxPool2d" and (y.size >= x.size or same(y, other)):
        return f"forward does not pool its input (output of shape {y.shape} for x {x.shape}): {what}"
    if layer == "ReLU" and y.shape == x.shape and same(y[x < 0], x[x < 0]):
        return f"forward leaves the negative inputs as they are: {what}"
    if layer == "Flatten" and y.shape == x.shape:
        return f"forward does not reshape its input: {what}"
    return None


def gradient_work(gradients: dict[str, np.ndarray], what: str) -> str | None:
    """None when backward wrote something into the parameters' gradients ({name: array} after one
    backward), else why not, ending with what."""
    if not gradients:
        return f"the layer has no weight or bias: {what}"
    if not any(np.any(value) for value in gradients.values()):
        names = " and ".join(f"grad_{name}" for name in gradients)
        return f"backward leaves {names} at zero: {what}"
    return None
