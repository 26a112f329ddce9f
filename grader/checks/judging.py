"""Cases that cannot be judged: a check that compares a layer with itself needs the layer to run.

When the baseline (building the layer, one forward and one backward) raises, times out or kills
its worker, the case is not judged: it is skipped with the reason, and the failure costs the item
of the method that failed (conv2d.backward, say), not this one. Unwritten code is different
(NotImplementedError, the template's marker, or a class that is not defined): it earns nothing,
so the case fails.
"""

from collections.abc import Iterator
from contextlib import contextmanager

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
