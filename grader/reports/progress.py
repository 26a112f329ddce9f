"""Progress bars on rich: redrawn in place on a terminal, periodic plain lines elsewhere (CI logs,
pipes), so that a long batch or training run shows it is alive either way."""

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class ProgressBar:
    """bar = ProgressBar(total, label); bar.update(done, note); bar.close(note).

    On a terminal, rich's live bar with the elapsed time and an ETA; on anything else the same line
    printed at most every `every_seconds`, and always at the end.
    """

    def __init__(self, total: int, label: str = "", stream: "TextIO | None" = None, every_seconds: float = 5.0) -> None:
        self.console = Console(file=sys.stderr if stream is None else stream, highlight=False)
        self.interactive = self.console.is_terminal
        self.every_seconds, self.last_line = every_seconds, float("-inf")
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=self.console,
            auto_refresh=self.interactive,
        )
        self.total = max(int(total), 1)
        self.task = self.progress.add_task(label, total=self.total, note="")
        if self.interactive:
            self.progress.start()

    def update(self, done: int, note: str = "") -> None:
        self.progress.update(self.task, completed=done, note=note)
        if not self.interactive:
            now = time.perf_counter()
            if now - self.last_line >= self.every_seconds or done >= self.total:
                self.console.print(self.progress.make_tasks_table(self.progress.tasks))
                self.last_line = now

    def close(self, note: str = "") -> None:
        """Finish the bar: its last state stays on a terminal."""
        self.progress.update(self.task, completed=self.progress.tasks[0].total, note=note)
        if self.interactive:
            self.progress.stop()
