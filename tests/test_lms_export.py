"""Exports to the LMS (grader.classroom.lms_export, `torcino-grade export`): a gradebook laid out as Canvas
exports it (tests/data/canvas_gradebook.csv: BOM, Student/ID/SIS User ID/SIS Login ID/Section,
"Title (id)" assignment columns, read-only totals, the "Points Possible" row, the test student)
and Moodle's grade import CSV."""

import csv
import io
from pathlib import Path

import pytest

from grader.classroom.gradebook import BatchRow, gradebook_csv
from grader.classroom.lms_export import ExportError, canvas_import, moodle_import, read_grades
from grader.cli import main
from grader.grading.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
GRADEBOOK = ROOT / "tests" / "data" / "canvas_gradebook.csv"
COLUMN = "Lesson 8: A LeNet-style CNN (48214)"


@pytest.fixture
def out(tmp_path):
    """A batch's OUT with grades.csv as batch writes it."""
    rows = [
        BatchRow("alovelace", "Ada Lovelace", "ada@uni.example", 85.0, 100.0, "graded"),  # SIS Login ID = student id
        BatchRow("grace", "", "ghopper@uni.example", 100.0, 100.0, "graded"),  # SIS Login ID = email
        BatchRow("turing-a", "Alan Turing", "", 42.5, 100.0, "graded"),  # only the name matches ("Turing, Alan")
        BatchRow("mallory", "Mallory", "mallory@elsewhere.example", 0.0, 100.0, "error"),  # not in the course
    ]
    (tmp_path / "grades.csv").write_text(gradebook_csv(rows, load_rubric("lesson8")))
    return tmp_path


def parsed(text):
    return list(csv.reader(io.StringIO(text)))


def test_canvas_fills_the_assignment_column_scaled_and_reports_who_is_unmatched(out):
    text, report = canvas_import(
        GRADEBOOK.read_text(encoding="utf-8-sig"), read_grades(out), "Lesson 8: A LeNet-style CNN"
    )
    table = parsed(text)
    original = parsed(GRADEBOOK.read_text(encoding="utf-8-sig"))
    assert table[0] == original[0] and table[1] == original[1]  # header and Points Possible row untouched
    column = table[0].index(COLUMN)
    cells = {row[0]: row[column] for row in table[2:]}
    assert cells == {
        "Lovelace, Ada": "17.00",
        "Hopper, Grace": "20.00",
        "Turing, Alan": "8.50",
        "Noether, Emmy": "",
        "Student, Test": "",
    }
    assert [row[5] for row in table[2:]] == [row[5] for row in original[2:]]  # other assignments untouched
    assert report.column == COLUMN and report.filled == 3
    assert report.unmatched_students == ("Noether, Emmy", "Student, Test")
    assert report.unmatched_submissions == ("mallory",)


def test_canvas_assignment_is_chosen_by_title_or_id_and_an_unknown_one_lists_the_columns(out):
    roster, grades = GRADEBOOK.read_text(encoding="utf-8-sig"), read_grades(out)
    assert canvas_import(roster, grades, "48214")[1].column == COLUMN
    with pytest.raises(ExportError, match=r"Lesson 7: Backprop \(48213\).*--assignment"):
        canvas_import(roster, grades, None)  # two assignments: which one is not guessed
    with pytest.raises(ExportError, match="not a Canvas gradebook export"):
        canvas_import("name,score\nada,1\n", grades, "Lesson 8")


def test_moodle_import_identifies_students_by_email_or_username(out):
    text, report = moodle_import(read_grades(out), "email", "Lesson 8")
    assert parsed(text) == [
        ["Email address", "Lesson 8"],
        ["ada@uni.example", "85"],
        ["ghopper@uni.example", "100"],
        ["mallory@elsewhere.example", "0"],
    ]
    assert report.unmatched_submissions == ("turing-a",)  # no email to identify them by
    text, report = moodle_import(read_grades(out), "username", "Lesson 8")
    assert [row[0] for row in parsed(text)] == ["Username", "alovelace", "grace", "mallory", "turing-a"]
    assert report.unmatched_submissions == ()


def test_the_export_commands_write_the_files_and_say_what_they_could_not_match(out, tmp_path, capsys):
    stream = io.StringIO()
    target = tmp_path / "import.csv"
    argv = [
        "export",
        "canvas",
        str(out),
        "--roster",
        str(GRADEBOOK),
        "--out",
        str(target),
        "--assignment",
        "Lesson 8: A LeNet-style CNN",
    ]
    assert main(argv, stream=stream) == 0
    said = stream.getvalue()
    assert f"3 of 4 grades written to the column '{COLUMN}'" in said
    assert "submissions with no student: mallory" in said and "Noether, Emmy" in said
    assert parsed(target.read_text())[2][6] == "17.00"
    assert main(["export", "moodle", str(out), "--out", str(tmp_path / "moodle.csv")], stream=io.StringIO()) == 0
    assert (tmp_path / "moodle.csv").read_text().startswith("Email address,Lesson 8\n")
    assert main(["export", "moodle", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.csv")]) == 2
    assert "grades.csv" in capsys.readouterr().err
