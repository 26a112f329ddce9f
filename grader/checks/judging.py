"""Cases that cannot be judged, and cases that earn nothing: a check that compares a layer with
itself (cache, accumulation) needs the layer to run, and to do some work of its kind.

When the baseline (building the layer, its forwards and one backward) raises, times out, kills its
worker, returns something that is not a numeric array or returns values that are not finite (NaN,
inf), the case is not judged: it is skipped with the reason, and the failure costs the item of the
method that failed (maxpool2d.backward, say), not this one. Unwritten code is different
(NotImplementedError, the template's marker, or a class that is not defined): it earns nothing, so
the case fails. So does a layer that does no work of its kind (grader/checks/work.py): a forward
that returns its input leaves nothing to check the cache of.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from grader.checks.compare import CheckFailure, first_non_finite
from grader.grading.blame import item_of
from grader.sandbox.errors import MissingName, SandboxError, SubmissionRaised


def _not_judged(reason: str, where: str, item: str) -> None:
    owner = item_of(where) if where else None
    blame = f"; that costs {owner}" if owner and owner != item else ""
    pytest.skip(f"not judged: {reason[:240]}{blame}")


@contextmanager
def baseline(item: str, where: str = "") -> Iterator[None]:
    """Run the baseline of a check of item; a SandboxError other than unwritten code skips the case
    as not judged, naming the item the failure belongs to. where ("Linear.backward"): the method
    whose results the baseline reads, blamed when one of them is not a numeric array."""
    try:
        yield
    except SandboxError as error:
        if isinstance(error, MissingName) or getattr(error, "type_name", "") == "NotImplementedError":
            raise
        culprit = error.where if isinstance(error, SubmissionRaised) and error.where else error.call
        _not_judged(str(error), culprit, item)
    except CheckFailure as error:  # as_array: the layer's own method returned something else than numbers
        _not_judged(f"{where} returned {str(error).split(': ', 1)[-1]}", where, item)


def finite(values: dict[str, np.ndarray], where: str, item: str, case: str) -> None:
    """Skip the case as not judged when one of the baseline's arrays (values: {name: array}, what
    where returned on its own) is not finite: that is where's bug, never this item's."""
    for name, value in values.items():
        if not np.isfinite(value).all():
            index = first_non_finite(value)
            _not_judged(f"{case}: {where} returned {name} that is not finite ({value[index]} at {index})", where, item)


def not_earned(reason: str | None, case: str) -> None:
    """Fail the case when reason (why the layer does no work of its kind) is not None: credit only
    for work done."""
    if reason is not None:
        raise CheckFailure(f"{case}: not earned: {reason}", case=case, what="work of the layer's kind")


MAX_OUTPUT_GROWTH = 16  # a layer's output over its input, in elements (at most 1.8 in the cases)


def output_shape(y: Any, x: np.ndarray, case: str) -> tuple[int, ...]:
    """The shape of forward's output y (for a dY of that shape), checked before anything that size is
    allocated here: an output that is not an array, is 0-d, or is far larger than the input x leaves
    the case not judged (forward's own item judges it)."""
    if isinstance(y, np.ndarray) and y.ndim and y.size <= MAX_OUTPUT_GROWTH * max(x.size, 1):
        return y.shape
    got = f"an array of shape {y.shape}" if isinstance(y, np.ndarray) else f"a {type(y).__name__}"
    pytest.skip(f"not judged: {case}: forward returned {got} for an input of shape {x.shape}; forward's item judges it")
