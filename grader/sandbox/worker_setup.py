"""What the worker sets up for itself before the submission loads: hard resource limits, the captured
output stream, descriptors reserved for the grader's own steps (so that a submission that uses them
all up cannot starve those steps), and how such starvation is recognised.
Copied into the sandbox with the worker (standard library and numpy only)."""

import errno
import io
import os
import resource
import signal
import traceback
from typing import Any


class CappedStream(io.TextIOBase):
    """A text stream that keeps the first `cap` characters written since the last take()."""

    def __init__(self, cap: int) -> None:
        self.cap, self.size, self.dropped = cap, 0, 0
        self.kept: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.cap - self.size
        if room > 0:
            self.kept.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def take(self) -> tuple[str, int]:
        text, dropped = "".join(self.kept), self.dropped
        self.kept, self.size, self.dropped = [], 0, 0
        return text, dropped


def set_limits(config: dict[str, Any]) -> None:
    """Address space, file size, processes and core dumps; hard limits, so submitted code cannot raise them."""
    memory = config["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_NPROC, (config["processes"], config["processes"]))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config["file_bytes"], config["file_bytes"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead


RESERVED_FDS = 16  # kept free for the grader's own steps (released once the submission has used up the rest)


def starved(error: BaseException, root: str) -> bool:
    """Whether error is a want of memory or descriptors raised outside the submission's code."""
    wanting = isinstance(error, MemoryError) or (
        isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOMEM)
    )
    frames = traceback.extract_tb(error.__traceback__)
    files = [frame.filename for frame in frames if not frame.filename.startswith("<")]  # not <frozen ...>
    return wanting and not any(os.path.realpath(file).startswith(root + os.sep) for file in files)


def reserve_descriptors() -> list[int]:
    """Before the submission loads: RESERVED_FDS descriptors held for the grader's own steps (seeding
    imports numpy.random, which opens files)."""
    return [os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC) for _ in range(RESERVED_FDS)]


def release(reserve: list[int]) -> None:
    """Close the reserved descriptors (once: the list is emptied)."""
    while reserve:
        os.close(reserve.pop())
