"""The commands that read a batch's output folder: its history and its exports to an LMS.

    torcino-grade history OUT STUDENT
    torcino-grade export canvas OUT --roster GRADEBOOK.csv --out import.csv [--assignment TITLE]
    torcino-grade export moodle OUT --out grades.csv [--identify email|username] [--item NAME]

Registered on the parser by grader.cli (add_commands) and run by it (run); a problem is an
ExportError (grader.classroom.lms_export), which the command line turns into exit status 2.
"""

import argparse
from pathlib import Path
from typing import Any, TextIO

from grader.classroom import history
from grader.classroom.lms_export import ExportError, ExportReport, canvas_import, moodle_import, read_grades
from grader.reports.results import write_text

COMMANDS = ("history", "export")


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add history and export to the command line's subparsers (parser_class: its parsers' class)."""
    shown = commands.add_parser("history", help="list a student's grades over the batches that wrote OUT")
    shown.add_argument("out", help="a batch's output folder")
    shown.add_argument("student", help="the student's entry name (a folder of OUT)")
    export = commands.add_parser("export", help="a batch's grades in an LMS's import format")
    systems = export.add_subparsers(dest="lms", required=True, parser_class=parser_class)
    canvas = systems.add_parser("canvas", help="fill the assignment's column of a Canvas gradebook export")
    canvas.add_argument("out", help="a batch's output folder (its grades.csv)")
    canvas.add_argument("--roster", required=True, help="the gradebook exported from Canvas (Grades > Export)")
    canvas.add_argument("--out", dest="target", required=True, help="the file to import into Canvas")
    canvas.add_argument("--assignment", default=None, help="the assignment's title or id (default: the only one)")
    moodle = systems.add_parser("moodle", help="Moodle's grade import CSV")
    moodle.add_argument("out", help="a batch's output folder (its grades.csv)")
    moodle.add_argument("--out", dest="target", required=True, help="the file to import into Moodle")
    moodle.add_argument("--identify", choices=("email", "username"), default="email", help="default email")
    moodle.add_argument("--item", default="Lesson 8", help="the grade item's column name (default 'Lesson 8')")


def run(args: argparse.Namespace, stream: TextIO) -> int:
    if args.command == "history":
        return show_history(Path(args.out), args.student, stream)
    grades = read_grades(args.out)
    if args.lms == "canvas":
        try:
            roster = Path(args.roster).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise ExportError(f"--roster {args.roster}: cannot be read ({error})") from None
        text, report = canvas_import(roster, grades, args.assignment)
    else:
        text, report = moodle_import(grades, args.identify, args.item)
    write_text(text, args.target)
    print_report(report, len(grades), args.target, stream)
    return 0


def print_report(report: ExportReport, graded: int, target: str, stream: TextIO) -> None:
    print(f"{report.filled} of {graded} grades written to the column {report.column!r} -> {target}", file=stream)
    if report.unmatched_submissions:
        print(f"submissions with no student: {', '.join(report.unmatched_submissions)}", file=stream)
    if report.unmatched_students:
        print(f"students not matched to a submission: {'; '.join(report.unmatched_students)}", file=stream)


def show_history(out: Path, student: str, stream: TextIO) -> int:
    found = history.entries(out, student)
    if not found:
        raise ExportError(f"{out}: no history for {student!r} (a batch writes it under {out / history.HISTORY})")
    print(f"{student}: {len(found)} result{'s' if len(found) != 1 else ''}, oldest first", file=stream)
    print(f"{'when':<24} {'how':<9} {'score':>13} {'status':<8} {'submission':<12} {'rubric':<12} grader", file=stream)
    for entry in found:
        score = f"{entry.score:g} / {entry.max_score:g}"
        key = entry.key
        print(
            f"{entry.at:<24} {entry.event:<9} {score:>13} {entry.status:<8} "
            f"{key.submission[:12]:<12} {key.rubric[:12]:<12} {key.grader}",
            file=stream,
        )
    return 0
