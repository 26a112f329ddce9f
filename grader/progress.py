"""A dependency-free progress bar: redrawn in place on a terminal, periodic plain lines elsewhere."""

import sys
import time
from typing import TextIO


class ProgressBar:
    """bar = ProgressBar(total, label); bar.update(done, note); bar.close().

    On a TTY the bar is redrawn on one line with an ETA; on anything else (CI logs, pipes) a plain
    line is printed at most every `every_seconds`, and always at the end.
    """

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None, width: int = 30,
                 every_seconds: float = 5.0) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.every_seconds = every_seconds
        self.started = time.perf_counter()
        self.last_line = float("-inf")
        self.interactive = getattr(self.stream, "isatty", lambda: False)()

    def render(self, done: int, note: str = "") -> str:
        """One line: label [#####.....] done/total elapsed ETA note."""
        elapsed = time.perf_counter() - self.started
        filled = int(self.width * done / self.total)
        eta = elapsed / done * (self.total - done) if done else float("nan")
        bar = "#" * filled + "." * (self.width - filled)
        timing = f"{elapsed:5.1f}s" + (f" ETA {eta:5.1f}s" if done < self.total and done else "")
        return f"{self.label} [{bar}] {done}/{self.total} {timing} {note}".rstrip()

    def update(self, done: int, note: str = "") -> None:
        now = time.perf_counter()
        if self.interactive:
            self.stream.write("\r" + self.render(done, note))
            self.stream.flush()
        elif now - self.last_line >= self.every_seconds or done >= self.total:
            self.stream.write(self.render(done, note) + "\n")
            self.last_line = now

    def close(self, note: str = "") -> None:
        """Finish the bar: the last redraw is kept on a terminal."""
        if self.interactive:
            self.stream.write("\r" + self.render(self.total, note) + "\n")
            self.stream.flush()
