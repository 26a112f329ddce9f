"""Small numerics shared by the tests and the checks: central finite differences and errors.

In the style of CS231n's gradient_check.py: perturb one element at a time, in place, and restore it.
"""

import numpy as np


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


def max_abs_error(a, b):
    """max |a - b| over all elements (0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max()) if a.size else 0.0


def relative_error(a, b, floor=1e-12):
    """max |a - b| divided by the largest magnitude in a or b: scale-free, robust to zero entries."""
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), floor)
    return max_abs_error(a, b) / scale


def worst_index(a, b):
    """Index (a tuple) of the element where a and b differ most."""
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    return tuple(int(i) for i in np.unravel_index(diff.argmax(), diff.shape)) if diff.size else ()
