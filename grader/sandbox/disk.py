"""What a worker writes to its copy of the submission, watched from the trusted side.

The copy (and, in the bubblewrap tier, the directory bound as its /tmp) are the only places the
isolating tiers let the submission write; the none tier cannot bound writes elsewhere. RLIMIT_FSIZE bounds one file; this
bounds them all together: a thread measures the copy a few times a second and kills the worker's
process group once it holds more than the cap.
"""

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

ENTRY_BYTES = 4096  # what a file or directory costs at least (its inode and directory entry)
INTERVAL_SECONDS = 0.05


def usage(roots: Iterable[str | Path], stop_at: int | None = None) -> int:
    """Bytes used under the roots together: allocated blocks plus ENTRY_BYTES per entry (links not
    followed). Stops counting once past stop_at."""
    total, pending = 0, [str(root) for root in roots]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += ENTRY_BYTES + info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            if stop_at is not None and total > stop_at:
                return total
    return total


class DiskWatch(threading.Thread):
    """Calls on_over(used bytes) once, when the trees at roots hold more than cap bytes; stop() ends it."""

    def __init__(self, roots: Iterable[str | Path], cap: int, on_over: Callable[[int], None]) -> None:
        super().__init__(daemon=True)
        self.roots, self.cap, self.on_over = tuple(roots), cap, on_over
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(INTERVAL_SECONDS):
            used = usage(self.roots, stop_at=self.cap)
            if used > self.cap:
                self.on_over(used)
                return

    def stop(self) -> None:
        self.stopped.set()
