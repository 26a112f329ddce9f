"""Comparisons that fail with a message a student can act on, and details for the report.

Every comparison runs here, on the trusted side, on arrays the worker returned: nothing the
submission does to numpy inside the sandbox can change a verdict. A value that is not finite, on
either side of a comparison, never passes it (NaN > tolerance is False: every test is written so
that NaN fails).
"""

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from grader.grading.failures import FailureDetails, GradientRow
from grader.numerics import max_abs_error, relative_error, worst_index


class CheckFailure(AssertionError):
    """A failed case. str() is the message; details (FailureDetails) is JSON-able, for the report."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details: FailureDetails = FailureDetails(**details)  # type: ignore[typeddict-item]


def as_array(value: Any, case: str, what: str) -> np.ndarray:
    """value as a numeric ndarray, or a CheckFailure saying what came back instead."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biuf":
        return np.asarray(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    got = type(value).__name__ if not isinstance(value, np.ndarray) else f"an array of dtype {value.dtype}"
    raise CheckFailure(f"{case}: {what}: expected a numeric array, got {got}", case=case, what=what, got_type=got)


def expect_close(got: Any, expected: ArrayLike, tolerance: float, case: str, what: str) -> None:
    """got must have expected's shape and a relative error (max abs error over the largest
    magnitude) within tolerance."""
    got = as_array(got, case, what)
    expected = np.asarray(expected)
    details = dict(
        case=case, what=what, expected_shape=list(expected.shape), got_shape=list(got.shape), tolerance=tolerance
    )
    if got.shape != expected.shape:
        raise CheckFailure(f"{case}: {what} has shape {got.shape}, expected {expected.shape}", **details)
    if not np.isfinite(got).all():
        index = first_non_finite(got)
        raise CheckFailure(
            f"{case}: {what} is not finite (e.g. {got[index]} at index {index})", worst_index=list(index), **details
        )
    if not np.isfinite(expected).all():
        index = first_non_finite(expected)
        raise CheckFailure(
            f"{case}: {what} cannot be checked: the value to compare it with is not finite (e.g. "
            f"{expected[index]} at index {index}), and nothing passes against a value that is not finite",
            worst_index=list(index),
            **details,
        )
    error = relative_error(got, expected)
    if not error <= tolerance:
        index = worst_index(got, expected)
        details.update(
            max_abs_error=max_abs_error(got, expected),
            relative_error=error,
            worst_index=list(index),
            expected_value=float(expected[index]),
            got_value=float(got[index]),
        )
        raise CheckFailure(
            f"{case}: {what} differs from the reference: at index {index} expected {expected[index]:.6g}, "
            f"got {got[index]:.6g}; max abs error {details['max_abs_error']:.3g}, relative error {error:.3g} "
            f"(tolerance {tolerance:g})",
            **details,
        )


def first_non_finite(array: np.ndarray) -> tuple[int, ...]:
    """The index of the first NaN or infinity of a numeric array that has one."""
    return tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])


def is_finite(value: Any) -> bool:
    """Whether value is a numeric array (or number) with no NaN and no infinity."""
    try:
        return bool(np.isfinite(np.asarray(value, dtype=np.float64)).all())
    except (TypeError, ValueError):
        return False


def expect(condition: object, message: str, case: str, **details: Any) -> None:
    """A plain condition with its message."""
    if not condition:
        raise CheckFailure(f"{case}: {message}", case=case, **details)


# (name, value, analytic gradient, set_value) of one tensor of directional_derivatives
Tensor = tuple[str, Any, Any, Callable[[Any], object]]


def directional_derivatives(
    loss: Callable[[], Any],
    tensors: Iterable[Tensor],
    rng: np.random.Generator,
    step: float,
    tolerance: float,
    case: str,
    directions: int = 1,
) -> list[GradientRow]:
    """Check analytic gradients against central differences of the submission's own forward.

    loss(): the scalar sum(forward(x) * R), recomputed by the submission with current values;
    tensors: [(name, value, analytic_gradient, set_value)], where set_value(v) makes the next
    loss() use v. For random directions V (entries in [-1, 1]) compares <analytic, V> with
    (loss(value + step V) - loss(value - step V)) / (2 step); restores every value afterwards.
    Returns the table of rows; raises CheckFailure (with the table) on a mismatch.
    """
    rows: list[GradientRow] = []
    failures: list[GradientRow] = []
    for name, value, analytic, set_value in tensors:
        analytic = as_array(analytic, case, f"{name} from backward")
        if analytic.shape != np.shape(value):
            raise CheckFailure(
                f"{case}: {name} from backward has shape {analytic.shape}, expected {np.shape(value)}",
                case=case,
                what=name,
                expected_shape=list(np.shape(value)),
                got_shape=list(analytic.shape),
            )
        for direction in range(directions):
            V = rng.uniform(-1.0, 1.0, np.shape(value))
            try:
                set_value(value + step * V)
                plus = float(loss())
                set_value(value - step * V)
                minus = float(loss())
            finally:
                set_value(value)
            numeric = (plus - minus) / (2 * step)
            exact = float(np.sum(analytic * V))
            scale = max(abs(numeric), abs(exact), float(np.abs(analytic).sum()) * 1e-3, 1e-8)
            rows.append(
                {
                    "tensor": name,
                    "direction": direction + 1,
                    "analytic": exact,
                    "numeric": numeric,
                    "relative_error": abs(exact - numeric) / scale,
                }
            )
            if not abs(exact - numeric) <= tolerance * scale:  # NaN on either side fails
                failures.append(rows[-1])
    if failures:
        worst = max(failures, key=lambda row: row["relative_error"])
        raise CheckFailure(
            f"{case}: backward disagrees with finite differences of your own forward for {worst['tensor']}: "
            f"along a random direction the analytic derivative is {worst['analytic']:.6g}, the numeric one "
            f"{worst['numeric']:.6g} (relative error {worst['relative_error']:.3g}, tolerance {tolerance:g})",
            case=case,
            what="finite differences",
            gradient_table=rows,
        )
    return rows
