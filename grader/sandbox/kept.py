"""Caps on what the trusted side keeps of a worker's replies: the worker applies its own caps too,
but code in the worker can change those, so these decide what reaches results.json and the report."""

from typing import Any

MAX_MESSAGE_CHARS, MAX_TRACEBACK_CHARS = 2000, 6000  # of an error the submission raised


def capped(value: Any, chars: int, keep_end: bool = False) -> str:
    """value (a str, or a number) as text cut to chars characters (its end with keep_end), marking the cut;
    anything else is ""."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else ""
    if len(text) <= chars:
        return text
    return "..." + text[-chars:] if keep_end else text[:chars] + "..."


class OutputLog:
    """What the submission printed, per call: at most per_call characters of each call and total
    characters in all; the rest is counted as dropped. calls: [{"call", "text", "dropped"}]."""

    def __init__(self, per_call: int, total: int) -> None:
        self.per_call, self.total, self.size = per_call, total, 0
        self.calls: list[dict[str, Any]] = []

    def keep(self, label: str, text: Any, dropped: Any) -> None:
        """One call's reply fields "output" and "dropped", whatever the worker put there."""
        text = text if isinstance(text, str) else ""
        dropped = dropped if type(dropped) is int and dropped >= 0 else 0
        room = max(0, min(self.per_call, self.total - self.size))
        if text or dropped:
            self.size += min(len(text), room)
            self.calls.append({"call": label, "text": text[:room], "dropped": dropped + max(0, len(text) - room)})


MAX_NOTES, MAX_IMPORTS = 50, 500


def load_report(report: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The worker's load report as this side keeps it: found only among names, at most MAX_NOTES notes
    and MAX_IMPORTS import records, every text capped; whatever else it holds is dropped."""
    report = report if isinstance(report, dict) else {}
    found = report.get("found") if isinstance(report.get("found"), dict) else {}
    kept_found = {name: capped(found[name], 200) for name in names if name in found}
    notes = [note for note in report.get("notes") or [] if isinstance(note, dict)][:MAX_NOTES]
    imports = [record for record in report.get("imports") or [] if isinstance(record, dict)][:MAX_IMPORTS]
    return {
        "found": kept_found,
        "missing": [name for name in names if name not in kept_found],
        "notes": [
            {
                "kind": capped(note.get("kind"), 40),
                "file": capped(note.get("file"), 300),
                "line": note["line"] if type(note.get("line")) is int else None,
                "message": capped(note.get("message"), MAX_MESSAGE_CHARS),
            }
            for note in notes
        ],
        "imports": imports,
    }
