"""A batch's grades in the LMS's own import format.

    grades = read_grades(out)                                  # OUT/grades.csv
    text, report = canvas_import(roster_text, grades, assignment="Lesson 8")
    text, report = moodle_import(grades, identify="email", item="Lesson 8")

Canvas: the gradebook exported from Canvas (Grades > Export: Student, ID, SIS User ID, SIS Login
ID, Section, then one column per assignment named "Title (id)", the read-only totals, and a
"Points Possible" row under the header) comes back with the assignment's column filled; Canvas's
import reads it as it wrote it. Students are matched by SIS Login ID (against the submission's
student id or email), SIS User ID, then name ("Last, First"). Scores are scaled to the column's
points possible. Moodle: a CSV for Grades > Import > CSV file, one line per submission, the
student identified by "Email address" or "Username" (the batch's student id) and the grade in
a column named after the grade item (mapped on Moodle's import page). Both report the students
and submissions they could not match.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.gradebook import as_float

ASSIGNMENT = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")
IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


class ExportError(Exception):
    """The files cannot be exported (a missing gradebook, no such column); one-line message."""


@dataclass(frozen=True)
class GradeLine:
    """One submission of OUT/grades.csv."""

    student: str
    name: str
    email: str
    score: float
    max_score: float
    status: str


@dataclass(frozen=True)
class ExportReport:
    """What an export did: the column, how many were filled, and what it could not match."""

    column: str
    filled: int
    unmatched_students: tuple[str, ...]  # in the LMS's file, with no submission
    unmatched_submissions: tuple[str, ...]  # graded, with no student in the LMS's file


def _plain(cell: str) -> str:
    """A grades.csv text cell without the quote that keeps spreadsheets from reading a formula."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def read_grades(out: str | Path) -> list[GradeLine]:
    """OUT/grades.csv as GradeLines (ExportError when it is missing or not a batch's gradebook)."""
    path = Path(out) / "grades.csv"
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except OSError as error:
        raise ExportError(
            f"{path}: {error.strerror or error} (run `torcino-grade batch DIR --out {out}` first)"
        ) from None
    if rows and not {"student", "email", "score", "max_score"} <= set(rows[0]):
        raise ExportError(f"{path}: not a batch's grades.csv (no student, email, score, max_score columns)")
    return [
        GradeLine(
            _plain(r["student"]),
            _plain(r.get("name") or ""),
            _plain(r["email"]),
            as_float(r["score"]),
            as_float(r["max_score"]),
            r.get("status") or "",
        )
        for r in rows
    ]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _name_keys(canvas_name: str) -> set[str]:
    """ "Last, First" as Canvas writes it, and "First Last"."""
    keys = {_key(canvas_name)}
    if "," in canvas_name:
        last, first = canvas_name.split(",", 1)
        keys.add(_key(f"{first} {last}"))
    return keys - {""}


def _logins(line: GradeLine) -> set[str]:
    keys = {_key(line.student), _key(line.email)}
    if "@" in line.email:
        keys.add(_key(line.email.split("@", 1)[0]))
    return keys - {""}


def choose_column(header: list[str], assignment: str | None) -> int:
    """The index of the assignment's column: by title, full header or Canvas id; the only one when
    assignment is None. ExportError listing the assignment columns otherwise."""
    columns = {i: ASSIGNMENT.match(name) for i, name in enumerate(header) if i >= len(IDENTITY)}
    found = {i: m for i, m in columns.items() if m}
    if assignment is None:
        if len(found) == 1:
            return next(iter(found))
    else:
        wanted = _key(assignment)
        chosen = [i for i, m in found.items() if wanted in (_key(m["title"]), _key(header[i]), m["id"])]
        if len(chosen) == 1:
            return chosen[0]
    listed = ", ".join(repr(header[i]) for i in found) or "none"
    raise ExportError(f"the gradebook's assignment columns are {listed}: pass --assignment with one of their titles")


def canvas_import(roster: str, grades: list[GradeLine], assignment: str | None = None) -> tuple[str, ExportReport]:
    """The Canvas gradebook export (text) with the assignment's column filled from grades."""
    table = list(csv.reader(io.StringIO(roster.lstrip("\ufeff"))))
    if not table or table[0][: len(IDENTITY)] != list(IDENTITY):
        raise ExportError(f"not a Canvas gradebook export: its header must start with {', '.join(IDENTITY)}")
    header, body = table[0], table[1:]
    column = choose_column(header, assignment)
    possible = next((as_float(r[column]) for r in body if r and r[0].strip() == "Points Possible"), 0.0)
    by_login: dict[str, GradeLine] = {}
    by_name: dict[str, GradeLine] = {}
    for line in grades:
        by_login.update({key: line for key in _logins(line)})
        if line.name:
            by_name[_key(line.name)] = line
    matched: set[str] = set()
    unmatched_students = []
    for row in body:
        if not row or row[0].strip() in ("Points Possible", ""):
            continue
        row += [""] * (len(header) - len(row))
        found: GradeLine | None = by_login.get(_key(row[3])) or by_login.get(_key(row[2]))
        found = found or next((by_name[k] for k in _name_keys(row[0]) if k in by_name), None)
        if found is None or found.student in matched:
            unmatched_students.append(row[0])
            continue
        matched.add(found.student)
        scale = possible / found.max_score if possible > 0 and found.max_score > 0 else 1.0
        row[column] = f"{found.score * scale:.2f}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    report = ExportReport(
        column=header[column],
        filled=len(matched),
        unmatched_students=tuple(unmatched_students),
        unmatched_submissions=tuple(g.student for g in grades if g.student not in matched),
    )
    return out.getvalue(), report


def moodle_import(grades: list[GradeLine], identify: str = "email", item: str = "Lesson 8") -> tuple[str, ExportReport]:
    """Moodle's grade import CSV: the identifier ("Email address" or "Username") and the grade item's
    column, one line per submission (a submission without an email is reported when identify is email)."""
    heading = {"email": "Email address", "username": "Username"}[identify]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading, item])
    written, missing = 0, []
    for line in grades:
        who = line.email if identify == "email" else line.student
        if not who:
            missing.append(line.student)
            continue
        writer.writerow([who, f"{line.score:g}"])
        written += 1
    return out.getvalue(), ExportReport(item, written, (), tuple(missing))
