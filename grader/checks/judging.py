"""Cases that cannot be judged: a check that compares a layer with itself needs the layer to run.

When the baseline (building the layer, one forward and one backward) raises, the case is not
judged: it is skipped with the reason, and the exception costs the item of the method that raised
(conv2d.backward, say), not this one. Unwritten code (NotImplementedError, the template's marker)
is different: it earns nothing, so the case fails.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from grader.blame import item_of
from grader.sandbox.errors import SubmissionRaised


@contextmanager
def baseline(item: str) -> Iterator[None]:
    """Run the baseline of a check of item; a SubmissionRaised other than NotImplementedError
    skips the case as not judged, naming the item the exception belongs to."""
    try:
        yield
    except SubmissionRaised as error:
        if error.type_name == "NotImplementedError":
            raise
        owner = item_of(error.where) if error.where else None
        blame = f"; that costs {owner}" if owner and owner != item else ""
        pytest.skip(f"not judged: {error.call} raised {error.type_name}: {error.message[:200]}{blame}")
