"""Every result a batch ever wrote for a student, kept: OUT/.history/<student>/.

    keep_current(out, current_row)        # before a result is replaced: archive it unless it is
    folder = new_folder(out, row)         # a new result's files go here too (and it is logged)
    restore(out, current_row, student, key)   # an earlier result with this key back in place, or None
    entries(out, student)                 # the log: a HistoryEntry per result, oldest first

A result is archived as the files of OUT/<student>/ (results.json, report.html, summary.md, or
row.json for one that could not be graded) in OUT/.history/<student>/<time>-<key hash>/, and
logged as a JSON line in OUT/.history/<student>/log.jsonl. A result's key is the batch's (the
submission's SHA-256, the rubric's SHA-256, the grader's version): re-running a batch with an
earlier rubric brings the results of that rubric back from here instead of grading again.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader.classroom.gradebook import BatchRow, as_float
from grader.reports.results import write_text

HISTORY = ".history"
LOG = "log.jsonl"
FILES = ("results.json", "report.html", "summary.md", "row.json")


@dataclass(frozen=True)
class KeyParts:
    """A batch key split: what a result depends on."""

    submission: str
    rubric: str
    grader: str

    @classmethod
    def of(cls, key: str) -> "KeyParts":
        submission, rubric, grader = ([*key.split(":", 2), "", ""])[:3]
        return cls(submission, rubric, grader)


@dataclass(frozen=True)
class HistoryEntry:
    """One result of a student: when, how it came (graded, restored, found), the score and the key."""

    at: str
    event: str
    score: float
    max_score: float
    status: str
    key: KeyParts
    items: dict[str, float] = field(default_factory=dict)


def folder_row(folder: Path) -> BatchRow | None:
    """The BatchRow of the result in folder (results.json, or row.json for an error), or None."""
    for name, extract in (("results.json", lambda d: d["extra_data"]["batch"]), ("row.json", lambda d: d["row"])):
        try:
            return BatchRow.from_dict(extract(json.loads((folder / name).read_text())))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def student_history(out: str | Path, student: str) -> Path:
    return Path(out) / HISTORY / student


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def archived(out: str | Path, student: str, key: str) -> Path | None:
    """The latest archived result of student with this key, or None."""
    folders = sorted(student_history(out, student).glob(f"*-{key_hash(key)}"))
    return folders[-1] if folders else None


def _copy_result(source: Path, target: Path) -> None:
    """Copy a result's files from source to target, removing target's files of another result."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (target / name).exists() and not (source / name).exists():
            (target / name).unlink()
    for name in ("report.html", "summary.md", "row.json", "results.json"):  # results.json last: it means "complete"
        if (source / name).exists():
            write_text((source / name).read_text(encoding="utf-8"), target / name)


def new_folder(out: str | Path, row: BatchRow, event: str = "graded") -> Path:
    """A new folder of the student's history for the result row (logged), to write its files into."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    _log(out, row, event)
    return student_history(out, row.student) / f"{stamp}-{key_hash(row.key)}"


def _log(out: str | Path, row: BatchRow, event: str) -> None:
    line = {
        "at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "event": event,
        "score": row.score,
        "max_score": row.max_score,
        "status": row.status,
        "key": row.key,
        "items": row.items,
    }
    log = student_history(out, row.student) / LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def keep_current(out: str | Path, current: BatchRow | None) -> None:
    """Archive the result in place (written by a grader without history) unless it already is."""
    if current is not None and current.key and archived(out, current.student, current.key) is None:
        _copy_result(Path(out) / current.student, new_folder(out, current, "found"))


def restore(out: str | Path, current: BatchRow | None, student: str, key: str) -> BatchRow | None:
    """Put the latest archived result of student with key back into OUT/<student>/ (the current one
    archived first) and return its row; None when there is none."""
    source = archived(out, student, key)
    row = folder_row(source) if source else None
    if source is None or row is None or row.key != key:
        return None
    keep_current(out, current)
    _copy_result(source, Path(out) / student)
    _log(out, row, "restored")  # already archived: logged, not copied again
    return row


def entries(out: str | Path, student: str) -> list[HistoryEntry]:
    """The student's log, oldest first (unreadable lines skipped); [] when there is none."""
    try:
        lines = (student_history(out, student) / LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            data = json.loads(line)
            items = data.get("items") if isinstance(data.get("items"), dict) else {}
            found.append(
                HistoryEntry(
                    at=str(data["at"]),
                    event=str(data.get("event", "")),
                    score=as_float(data.get("score")),
                    max_score=as_float(data.get("max_score")),
                    status=str(data.get("status", "")),
                    key=KeyParts.of(str(data.get("key", ""))),
                    items={str(k): as_float(v) for k, v in items.items()},
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return found
