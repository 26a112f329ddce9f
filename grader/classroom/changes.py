"""What moved since the last run of a batch: changes.csv and the top of index.html.

    changes = compare(previous, current, restored)   # previous/current: {student: BatchRow}
    text = changes_csv(changes)

A change is a student whose score or any item's score moved, or who is new, with why: the
submission, the rubric or the grader changed (the parts of the batch key, grader.classroom.history.KeyParts),
or the same key was regraded (--force); "restored from history" when the result came back from
OUT/.history instead of being graded.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from grader.classroom.gradebook import BatchRow, csv_cell
from grader.classroom.history import KeyParts


@dataclass(frozen=True)
class ItemMove:
    item: str
    before: float
    after: float


@dataclass(frozen=True)
class Change:
    """One student's grade between two runs (before is None for a new submission)."""

    student: str
    name: str
    before: float | None
    after: float
    max_score: float
    items: tuple[ItemMove, ...]
    why: str

    @property
    def delta(self) -> float:
        return self.after - (self.before or 0.0)

    def moves_text(self) -> str:
        return "; ".join(f"{m.item} {m.before:g} → {m.after:g}" for m in self.items)


def reasons(before: BatchRow, after: BatchRow) -> list[str]:
    """Why a result differs: which parts of the key changed (none: a forced regrade)."""
    old, new = KeyParts.of(before.key), KeyParts.of(after.key)
    why = []
    if old.submission != new.submission:
        why.append("submission changed")
    if old.rubric != new.rubric:
        why.append("rubric changed")
    if old.grader != new.grader:
        why.append(f"grader changed ({old.grader or '?'} → {new.grader})")
    return why or ["regraded (--force)"]


def compare(
    previous: Mapping[str, BatchRow], current: Mapping[str, BatchRow], restored: frozenset[str] = frozenset()
) -> list[Change]:
    """The changes between two runs' rows, by student: new students and moved grades."""
    changes = []
    for student in sorted(current):
        after, before = current[student], previous.get(student)
        if before is None:
            changes.append(Change(student, after.name, None, after.score, after.max_score, (), "new submission"))
            continue
        items = tuple(
            ItemMove(item, before.items.get(item, 0.0), after.items.get(item, 0.0))
            for item in sorted(set(before.items) | set(after.items))
            if before.items.get(item, 0.0) != after.items.get(item, 0.0)
        )
        if before.score == after.score and not items and before.status == after.status:
            continue
        why = reasons(before, after) if before.key != after.key or student not in restored else []
        why += ["restored from history"] if student in restored else []
        changes.append(Change(student, after.name, before.score, after.score, after.max_score, items, "; ".join(why)))
    return changes


def changes_csv(changes: list[Change]) -> str:
    """changes.csv: student, name, before (empty when new), after, change, max_score, items, why."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "name", "before", "after", "change", "max_score", "items", "why"])
    for change in changes:
        writer.writerow(
            [
                csv_cell(change.student),
                csv_cell(change.name),
                "" if change.before is None else change.before,
                change.after,
                round(change.delta, 6),
                change.max_score,
                csv_cell(change.moves_text()),
                change.why,
            ]
        )
    return buffer.getvalue()
