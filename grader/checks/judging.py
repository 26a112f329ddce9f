"""Cases that cannot be judged: a check that compares a layer with itself needs the layer to run.

When the baseline (building the layer, one forward and one backward) raises, times out or kills
its worker, the case is not judged: it is skipped with the reason, and the failure costs the item
of the method that failed (conv2d.backward, say), not this one. Unwritten code is different
(NotImplementedError, the template's marker, or a class that is not defined): it earns nothing,
so the case fails.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from grader.blame import item_of
from grader.sandbox.errors import MissingName, SandboxError, SubmissionRaised


@contextmanager
def baseline(item: str) -> Iterator[None]:
    """Run the baseline of a check of item; a SandboxError other than unwritten code skips the case
    as not judged, naming the item the failure belongs to."""
    try:
        yield
    except SandboxError as error:
        if isinstance(error, MissingName) or getattr(error, "type_name", "") == "NotImplementedError":
            raise
        where = error.where if isinstance(error, SubmissionRaised) and error.where else error.call
        owner = item_of(where) if where else None
        blame = f"; that costs {owner}" if owner and owner != item else ""
        pytest.skip(f"not judged: {str(error)[:240]}{blame}")


MAX_OUTPUT_GROWTH = 16  # a layer's output over its input, in elements (at most 1.8 in the cases)


def output_shape(y: Any, x: np.ndarray, case: str) -> tuple[int, ...]:
    """The shape of forward's output y (for a dY of that shape), checked before anything that size is
    allocated here: an output that is not an array, is 0-d, or is far larger than the input x leaves
    the case not judged (forward's own item judges it)."""
    if isinstance(y, np.ndarray) and y.ndim and y.size <= MAX_OUTPUT_GROWTH * max(x.size, 1):
        return y.shape
    got = f"an array of shape {y.shape}" if isinstance(y, np.ndarray) else f"a {type(y).__name__}"
    pytest.skip(f"not judged: {case}: forward returned {got} for an input of shape {x.shape}; forward's item judges it")
