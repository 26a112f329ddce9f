"""A batch's rows: one BatchRow per submission, what grades.csv and the class overview are made of.

A row travels as a dict in JSON (OUT/<student>/results.json's extra_data.batch, or row.json for a
submission that could not be graded); BatchRow.from_dict reads one back whatever it holds, so that
an old or damaged file never stops a batch or a page.
"""

import csv
import io
import math
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.grading.rubric import Rubric

SPREADSHEET_FORMULA = re.compile(r"^[=+\-@\t\r]")
STATUSES = ("graded", "error", "timeout")


@dataclass(frozen=True)
class PolicyCell:
    """One import-policy finding, short: the name imported, where (file:line) and the rule."""

    name: str
    where: str
    rule: str


@dataclass(frozen=True)
class BatchRow:
    """One submission of a batch: who, the score and each item's, how it went (status "graded",
    "error" or "timeout", duration in seconds, sandbox tier), its SHA-256, its report's path
    relative to OUT, the error, the key a resumed batch compares, and the policy's findings."""

    student: str
    name: str = ""
    email: str = ""
    score: float = 0.0
    max_score: float = 0.0
    status: str = "error"
    items: dict[str, float] = field(default_factory=dict)
    duration: float = 0.0
    sandbox: str = ""
    sha256: str = ""
    report: str = ""
    error: str = ""
    key: str = ""
    policy: tuple[PolicyCell, ...] = ()
    diagnoses: tuple[str, ...] = ()  # the ids of the misconceptions named in its report (grader.misconceptions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"policy": [asdict(cell) for cell in self.policy], "diagnoses": list(self.diagnoses)}

    @classmethod
    def from_dict(cls, data: Any) -> "BatchRow":
        """A row from JSON: missing, mistyped or non-finite values become their defaults."""
        data = data if isinstance(data, dict) else {}
        items = data.get("items") if isinstance(data.get("items"), dict) else {}
        policy = [f for f in data.get("policy") or [] if isinstance(f, dict)]
        return cls(
            student=_text(data.get("student")),
            name=_text(data.get("name")),
            email=_text(data.get("email")),
            score=as_float(data.get("score")),
            max_score=as_float(data.get("max_score")),
            status=data.get("status") if data.get("status") in STATUSES else "error",
            items={str(k): as_float(v) for k, v in items.items()},
            duration=as_float(data.get("duration")),
            sandbox=_text(data.get("sandbox")),
            sha256=_text(data.get("sha256")),
            report=_text(data.get("report")),
            error=_text(data.get("error")),
            key=_text(data.get("key")),
            policy=tuple(PolicyCell(_text(f.get("name")), _text(f.get("where")), _text(f.get("rule"))) for f in policy),
            diagnoses=tuple(_text(d) for d in data.get("diagnoses") or [] if isinstance(d, str)),
        )


def as_float(value: Any) -> float:
    """A float, with anything missing or not finite as 0 (a page must render whatever came in)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def csv_cell(value: Any) -> str:
    """A spreadsheet-safe text cell: a leading =, +, -, @ would start a formula."""
    text = str(value)
    return "'" + text if SPREADSHEET_FORMULA.match(text) else text


def gradebook_csv(rows: list[BatchRow], rubric: "Rubric") -> str:
    """grades.csv: a line per BatchRow, sorted by student, one column per rubric item; score and item
    cells are always numbers."""
    item_ids = [item.id for item in rubric.items]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "student",
            "name",
            "email",
            "score",
            "max_score",
            "status",
            *item_ids,
            "duration_seconds",
            "sandbox",
            "sha256",
            "policy",
            "diagnoses",
        ]
    )
    for row in sorted(rows, key=lambda r: r.student):
        items = [row.items.get(item_id, 0.0) for item_id in item_ids]
        writer.writerow(
            [
                csv_cell(row.student),
                csv_cell(row.name),
                csv_cell(row.email),
                row.score,
                row.max_score,
                row.status,
                *items,
                row.duration,
                row.sandbox,
                row.sha256,
                csv_cell("; ".join(f"{cell.name} ({cell.where}): {cell.rule}" for cell in row.policy)),
                csv_cell(" ".join(row.diagnoses)),
            ]
        )
    return buffer.getvalue()
