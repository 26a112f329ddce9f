"""Batch grading: every entry of a class in the gradebook with the right status, the overview,
resume after a kill, the lock, Gradescope exports and the Dask executor."""

import csv
import io
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.classroom.batch import OutLock
from grader.classroom.class_folder import discover
from grader.cli import main
from grader.grading.rubric import ITEM_IDS
from tests.helpers.class_fixture import SKIPPED, make_class, make_gradescope_export
from tests.helpers.grading_support import rubric_with

pytestmark = pytest.mark.slow  # grades whole classes

ROOT = Path(__file__).resolve().parent.parent
FAST = dict(call_seconds="2", total_seconds="8")  # a hang costs little; a correct grade needs about 1 s


def batch(*argv):
    stream = io.StringIO()
    status = main(["batch", *map(str, argv)], stream=stream)
    return status, stream.getvalue()


def read_grades(out):
    with open(out / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    expected = make_class(tmp / "class", tmp / "scratch")
    rubric = rubric_with(tmp, **FAST)
    status, text = batch(tmp / "class", "--out", tmp / "out", "--jobs", "2", "--rubric", rubric.path)
    return tmp, expected, rubric, status, text


def test_every_submission_is_in_the_gradebook_with_its_status(graded_class):
    tmp, expected, _, status, text = graded_class
    assert status == 0, text
    grades = read_grades(tmp / "out")
    assert set(grades) == set(expected)
    for student, (want_status, full_marks) in expected.items():
        row = grades[student]
        assert row["status"] == want_status, (student, row)
        assert (float(row["score"]) == 100.0) == full_marks, (student, row["score"])
        float(row["score"]), float(row["max_score"]), float(row["duration_seconds"])  # never text
        assert all(float(row[item]) >= 0 for item in ITEM_IDS)
        assert len(row["sha256"]) == 64
    assert next(iter(csv.reader((tmp / "out" / "grades.csv").read_text().splitlines())))[:6] == [
        "student",
        "name",
        "email",
        "score",
        "max_score",
        "status",
    ]
    assert "2 entries skipped" in text and "11 graded" not in text


def test_each_graded_submission_has_its_results_report_and_summary(graded_class):
    tmp, expected, *_ = graded_class
    for student in expected:  # a submission that could not be loaded too: its report says why
        files = {path.name for path in (tmp / "out" / student).iterdir()}
        assert files == {"results.json", "report.html", "summary.md"}, student
    assert "could not be loaded" in (tmp / "out" / "judy" / "report.html").read_text()


def test_stray_entries_are_listed_as_skipped(graded_class):
    tmp, *_ = graded_class
    _, skipped = discover(tmp / "class")
    assert {name for name, _ in skipped} == SKIPPED
    index = (tmp / "out" / "index.html").read_text()
    assert "notes.txt" in index and "not a submission" in index


def test_a_second_run_keeps_unchanged_results_and_force_regrades(graded_class):
    tmp, expected, rubric, *_ = graded_class
    before = {s: (tmp / "out" / s / "results.json").stat().st_mtime_ns for s in expected}
    status, text = batch(tmp / "class", "--out", tmp / "out", "--rubric", rubric.path)
    assert status == 0 and f"{len(expected)} unchanged kept" in text
    assert "similarity: 45 pairs (0 compared now" in text  # judy's corrupt zip cannot be read: 10 compared
    after = {s: (tmp / "out" / s / "results.json").stat().st_mtime_ns for s in before}
    assert before == after
    (tmp / "class" / "ivan.py").write_text("# still nothing\n")  # a changed submission is regraded
    status, text = batch(tmp / "class", "--out", tmp / "out", "--rubric", rubric.path)
    assert f"{len(expected) - 1} unchanged kept" in text
    assert "similarity: 45 pairs (9 compared now" in text  # only ivan's pairs
    assert (tmp / "out" / "ivan" / "results.json").stat().st_mtime_ns != before["ivan"]


def test_the_batch_lists_similar_code_and_links_the_side_by_side_pages(graded_class):
    tmp, *_ = graded_class
    with open(tmp / "out" / "similarity.csv", newline="") as handle:
        pairs = {frozenset((r["student_a"], r["student_b"])): r for r in csv.DictReader(handle)}
    same_code = ("alice", "bob", "carol", "dave")  # the reference as a file, a package, a notebook and a zip
    for a, b in itertools.combinations(same_code, 2):
        row = pairs[frozenset((a, b))]
        assert row["flagged"] == "yes" and float(row["similarity_a_in_b"]) > 0.9, row
        assert (tmp / "out" / row["page"]).is_file()
    assert not any("judy" in pair or "ivan" in pair for pair in pairs)  # unreadable, empty: nothing to match
    index = (tmp / "out" / "index.html").read_text()
    assert "Similar submissions" in index and 'href="similarity/alice__bob.html"' in index
    assert "Not compared (their code could not be read): judy" in index


def test_no_similarity_turns_it_off(tmp_path):
    (tmp_path / "class").mkdir()
    status, text = batch(tmp_path / "class", "--out", tmp_path / "out", "--no-similarity")
    assert status == 0 and "similarity:" not in text and not (tmp_path / "out" / "similarity.csv").exists()
    assert "The code was not compared (--no-similarity)." in (tmp_path / "out" / "index.html").read_text()


def test_a_locked_out_is_refused(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    with OutLock(tmp_path / "out"):
        status, _ = batch(tmp_path / "class", "--out", tmp_path / "out")
    assert status == 2 and "another batch (pid" in capsys.readouterr().err


def batch_command(directory, out, rubric):
    """torcino-grade batch, one job at a time, as a command line (for the tests that stop it)."""
    arguments = f"batch {directory} --out {out} --jobs 1 --rubric {rubric.path}"
    return [sys.executable, "-m", "grader", *arguments.split()]


def test_a_killed_batch_resumes_without_regrading_what_finished(tmp_path):
    expected = make_class(tmp_path / "class", tmp_path / "scratch")
    rubric = rubric_with(tmp_path, **FAST)
    out = tmp_path / "out"
    command = batch_command(tmp_path / "class", out, rubric)
    process = subprocess.Popen(
        command, cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/results.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {path.parent.name: path.stat().st_mtime_ns for path in out.glob("*/results.json")}
    assert 2 <= len(finished) < len(expected)
    status, text = batch(tmp_path / "class", "--out", out, "--jobs", "2", "--rubric", rubric.path)
    assert status == 0, text
    assert {s: (out / s / "results.json").stat().st_mtime_ns for s in finished} == finished
    assert set(read_grades(out)) == set(expected)


def test_a_gradescope_export_takes_names_and_emails_from_the_metadata(tmp_path):
    expected = make_gradescope_export(tmp_path / "export", tmp_path / "scratch")
    status, text = batch(tmp_path / "export", "--out", tmp_path / "out")
    assert status == 0, text
    grades = read_grades(tmp_path / "out")
    assert set(grades) == set(expected)
    for student, (name, email, full_marks) in expected.items():
        assert (grades[student]["name"], grades[student]["email"]) == (name, email)
        assert (float(grades[student]["score"]) == 100.0) == full_marks
    assert "submission_103" in text or "1 entries skipped" in text


def test_the_dask_executor_gives_the_same_gradebook(tmp_path, graded_class):
    distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install '.[dask]'")
    tmp, expected, rubric, *_ = graded_class
    from grader.classroom.batch import Settings, run_batch
    from grader.classroom.executors import DaskExecutor

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = DaskExecutor(distributed.Client(cluster))
        summary = run_batch(tmp / "class", tmp_path / "out", Settings(rubric=str(rubric.path)), executor=executor)
    assert summary["written"] == len(expected)
    local, remote = read_grades(tmp / "out"), read_grades(tmp_path / "out")
    for student in expected:
        for column in ["score", "status", "sha256", *ITEM_IDS]:
            assert remote[student][column] == local[student][column], (student, column)
    assert (tmp_path / "out" / "alice" / "report.html").is_file()


def test_ctrl_c_stops_cleanly_and_writes_what_is_done(tmp_path):
    make_class(tmp_path / "class", tmp_path / "scratch")
    rubric = rubric_with(tmp_path, **FAST)
    out = tmp_path / "out"
    command = batch_command(tmp_path / "class", out, rubric)
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a suite started in the background of a non-interactive shell inherits SIGINT ignored: undo that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("*/results.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-2000:]
    assert stdout.startswith("interrupted; ")
    done = {path.parent.name for path in out.glob("*/results.json")}
    assert done and set(read_grades(out)) == done
    assert (out / "index.html").is_file()
    with OutLock(out):  # released: the next batch can start
        pass


def test_the_class_overview_renders_in_chromium(graded_class, chromium):
    from tests.helpers.browser import assert_quiet, load

    tmp, expected, *_ = graded_class
    page = load(chromium, tmp / "out" / "index.html", ROOT / "out" / "screenshots" / "batch-index.png")
    assert_quiet(page)
    for student in expected:
        assert f"{student}/report.html" in page.dom
    assert 'data-sortable="ready"' in page.dom


class RecordingPool:
    """An executor that grades nothing: it records the order of the submissions it is given."""

    def __init__(self):
        self.order = []

    def submit(self, function, entry, settings):
        from concurrent.futures import Future

        self.order.append(entry.student)
        future = Future()
        future.set_exception(RuntimeError("not graded here"))
        return future


def test_expected_slow_submissions_are_graded_first(tmp_path):
    from grader.classroom.batch import Settings, run_batch

    STYLES = ROOT / "tests" / "styles"
    (tmp_path / "class").mkdir()
    for student, style in (("anna", "strided_einsum"), ("bert", "per_window_loops"), ("cleo", "loop_per_sample")):
        (tmp_path / "class" / f"{student}.py").write_text((STYLES / f"{style}.py").read_text())
    (tmp_path / "class" / "dora.py").write_text("")
    pool = RecordingPool()
    run_batch(tmp_path / "class", tmp_path / "out", Settings(), executor=pool, similarity=False)
    assert pool.order[0] == "bert"  # the per-window loops, nested four deep
    assert pool.order[1:] == ["anna", "cleo", "dora"]  # the others in the class folder's order
