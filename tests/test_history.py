"""Regrades with a history (grader.classroom.history, grader.classroom.changes, `torcino-grade history`): every earlier
result is kept in OUT/.history, changes.csv and index.html say whose grade moved and why, and a
batch with an earlier rubric brings its grades back without grading.

The grading itself is replaced by a counting executor (each item earns its rubric points unless the
submission's text names it "broken"): these tests are about what batch does with results."""

import csv
import io
from concurrent.futures import Future
from pathlib import Path

from grader.classroom.batch import Settings, batch_key, run_batch
from grader.classroom.gradebook import BatchRow
from grader.cli import main
from grader.grading.rubric import RUBRICS, load_rubric


class CountingGrader:
    """An executor for run_batch that grades without a sandbox and records whom it graded."""

    def __init__(self) -> None:
        self.graded: list[str] = []

    def submit(self, fn, entry, settings):
        self.graded.append(entry.student)
        rubric = load_rubric(settings.rubric)
        text = Path(entry.path).read_text()
        items = {item.id: 0.0 if f"broken: {item.id}" in text else item.points for item in rubric.items}
        row = BatchRow(
            student=entry.student,
            score=sum(items.values()),
            max_score=rubric.total,
            status="graded",
            items=items,
            sha256=entry.sha256,
            key=batch_key(entry.sha256, rubric),
        )
        future: Future = Future()
        future.set_result({"row": row, "results": None, "report": None, "summary": None})
        return future


def rubrics(tmp_path):
    """lesson8 as it was (a) and after a mid-term fix moving 2 points from flatten to relu (b)."""
    text = (RUBRICS / "lesson8.toml").read_text()
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(text)
    moved = text.replace("[items.relu]\npoints = 4", "[items.relu]\npoints = 6")
    b.write_text(moved.replace("[items.flatten]\npoints = 4", "[items.flatten]\npoints = 2"))
    assert load_rubric(b).total == load_rubric(a).total and load_rubric(b).sha256 != load_rubric(a).sha256
    return str(a), str(b)


def run(directory, out, rubric):
    grader = CountingGrader()
    summary = run_batch(directory, out, Settings(rubric=rubric), executor=grader, similarity=False)
    with open(Path(out) / "changes.csv", newline="") as handle:
        changes = {row["student"]: row for row in csv.DictReader(handle)}
    with open(Path(out) / "grades.csv", newline="") as handle:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}
    return grader.graded, summary, changes, scores


def history_of(out, student):
    stream = io.StringIO()
    assert main(["history", str(out), student], stream=stream) == 0
    return stream.getvalue()


def test_a_rubric_change_is_explained_and_the_old_rubric_brings_old_grades_back_without_grading(tmp_path):
    rubric_a, rubric_b = rubrics(tmp_path)
    directory, out = tmp_path / "class", tmp_path / "out"
    directory.mkdir()
    (directory / "ada.py").write_text("# all correct\n")
    (directory / "bob.py").write_text("# broken: relu\n")

    graded, _, changes, first = run(directory, out, rubric_a)
    assert sorted(graded) == ["ada", "bob"] and first == {"ada": 100.0, "bob": 96.0}
    assert {c["why"] for c in changes.values()} == {"new submission"} and changes["bob"]["before"] == ""

    graded, _, changes, second = run(directory, out, rubric_b)
    assert sorted(graded) == ["ada", "bob"] and second == {"ada": 100.0, "bob": 94.0}
    assert (changes["bob"]["before"], changes["bob"]["after"], changes["bob"]["why"]) == (
        "96.0",
        "94.0",
        "rubric changed",
    )
    assert changes["ada"]["items"] == "flatten 4 → 2; relu 4 → 6"  # the score did not move, two items did
    index = (out / "index.html").read_text()
    assert index.index("Changes since the last run") < index.index("Class statistics")
    assert "rubric changed" in index and "flatten 4 → 2; relu 4 → 6" in index

    graded, summary, changes, third = run(directory, out, rubric_a)
    assert graded == [] and summary["restored"] == 2  # nothing graded: the history had both
    assert third == first
    assert changes["bob"]["why"] == "rubric changed; restored from history"

    (directory / "bob.py").write_text("# fixed relu\n")
    graded, _, changes, fourth = run(directory, out, rubric_a)
    assert graded == ["bob"] and fourth == {"ada": 100.0, "bob": 100.0}
    assert list(changes) == ["bob"] and changes["bob"]["why"] == "submission changed"
    assert changes["bob"]["items"] == "relu 0 → 4"

    lines = history_of(out, "bob").splitlines()
    assert lines[0] == "bob: 4 results, oldest first"
    assert [line.split()[3] for line in lines[2:]] == ["graded", "graded", "restored", "graded"]
    assert [line.split()[4] for line in lines[2:]] == ["96", "94", "96", "100"]
    assert len(list((out / ".history" / "bob").glob("*-*"))) == 3  # every graded result, kept once


def test_an_unchanged_run_reports_no_change_and_an_unknown_student_has_no_history(tmp_path, capsys):
    directory, out = tmp_path / "class", tmp_path / "out"
    directory.mkdir()
    (directory / "ada.py").write_text("# all correct\n")
    rubric = str(RUBRICS / "lesson8.toml")
    run(directory, out, rubric)
    graded, summary, changes, _ = run(directory, out, rubric)
    assert graded == [] and summary["kept"] == 1 and changes == {}
    assert "No grade moved since the last run" in (out / "index.html").read_text()
    assert main(["history", str(out), "nobody"]) == 2
    assert "no history for 'nobody'" in capsys.readouterr().err
