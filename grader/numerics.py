"""How far apart two arrays are, as the checks report it: the largest absolute error, the relative
error (scale-free) and where the worst element is. The checks' finite differences are in
grader/checks/compare.py (directional derivatives); the tests' element-wise ones in tests/helpers/support.py."""

import numpy as np
from numpy.typing import ArrayLike


def max_abs_error(a: ArrayLike, b: ArrayLike) -> float:
    """max |a - b| over all elements (0 for empty arrays)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max()) if a.size else 0.0


def relative_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-12) -> float:
    """max |a - b| divided by the largest magnitude in a or b: scale-free, robust to zero entries."""
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), floor)
    return max_abs_error(a, b) / scale


def worst_index(a: ArrayLike, b: ArrayLike) -> tuple[int, ...]:
    """Index (a tuple) of the element where a and b differ most."""
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    return tuple(int(i) for i in np.unravel_index(diff.argmax(), diff.shape)) if diff.size else ()
