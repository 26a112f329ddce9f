"""torcino-grade grade: exit statuses, the terminal table, and results.json in Gradescope's format."""

import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from tests.helpers.submission_formats import build

ROOT = Path(__file__).resolve().parent.parent
GRADESCOPE_TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility", "tags"}


def run(*argv):
    stream = io.StringIO()
    return main(list(argv), stream=stream), stream.getvalue()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A buggy submission graded once through the CLI: (exit status, terminal text, results.json)."""
    from tests.helpers.bug_bank import BY_NAME

    tmp = tmp_path_factory.mktemp("cli")
    path = build("file", tmp, BY_NAME["relu_grad_one_at_zero"].sources())
    status, text = run("grade", str(path), "--out", str(tmp / "out"), "--seed", "7")
    return status, text, json.loads((tmp / "out" / "results.json").read_text())


def test_results_json_follows_gradescopes_format(graded):
    status, _, results = graded
    assert status == 0
    assert {"score", "execution_time", "output", "tests", "extra_data"} <= set(results)
    assert results["score"] == sum(test["score"] for test in results["tests"]) == 99  # 1 of relu's 4 cases
    for number, test in enumerate(results["tests"], start=1):
        assert set(test) - {"extra_data"} == GRADESCOPE_TEST_KEYS and test["number"] == str(number)
        assert ("extra_data" in test) == (test["status"] == "failed")  # a diagnosed item's diagnoses
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
    relu = next(test for test in results["tests"] if test["tags"][0] == "relu")
    assert relu["status"] == "failed" and "ReLU'(0) must be 0" in relu["output"] and "Hint:" in relu["output"]
    assert [d["id"] for d in relu["extra_data"]["diagnoses"]] == ["relu.grad_one_at_zero"]
    extra = results["extra_data"]
    assert extra["max_score"] == 100 and extra["rubric"] == "lesson8" and extra["seed"] == 7
    assert extra["grader_version"] and len(extra["submission_sha256"]) == 64
    assert extra["sandbox"] in ("bubblewrap", "none")


def test_the_terminal_shows_a_per_item_table_and_the_total(graded):
    _, text, _ = graded
    assert re.search(r"^FAIL +relu ", text, re.M) and re.search(r"^ok +conv2d\.forward ", text, re.M)
    assert "total" in text and "99 / 100" in text


@pytest.mark.parametrize(
    "argv, status, words",
    [
        (["grade", "nowhere.py", "--out", "o"], 2, "nowhere.py: no such file"),
        (["grade", "reference", "--out", "o", "--rubric", "lesson9"], 2, "no such rubric"),
        (["grade", "reference", "--out", "o", "--data", "/no/data"], 2, "/no/data: no such file"),
        (["grade", "reference"], 2, "--out"),
        (["frobnicate"], 2, "invalid choice"),
    ],
)
def test_the_grader_says_why_it_cannot_grade(tmp_path, capsys, argv, status, words):
    argv = [str(tmp_path / a) if a == "nowhere.py" else (str(ROOT / a) if a == "reference" else a) for a in argv]
    assert run(*argv)[0] == status
    error = capsys.readouterr().err
    assert words in error and len(error.strip().splitlines()) == 1


def test_without_the_reference_the_grader_checks_in_public_mode(tmp_path, capsys, monkeypatch):
    """The student kit's grader has no reference package: auto is public mode, instructor mode and
    batch grading say why they cannot run, and public mode accepts only the fixtures' seed."""
    monkeypatch.setattr("grader.cli.reference_available", lambda: False)
    status, text = run("grade", str(ROOT / "reference"), "--out", str(tmp_path / "out"))
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert status == 0 and results["score"] == 100 and results["extra_data"]["mode"] == "public"
    assert "public mode" in text and "--mode public" in (tmp_path / "out" / "report.html").read_text()
    for argv, words in (
        (["grade", str(ROOT / "reference"), "--out", "o", "--mode", "instructor"], "needs the reference"),
        (["batch", str(tmp_path), "--out", "o"], "needs the reference"),
        (["grade", str(ROOT / "reference"), "--out", "o", "--seed", "9"], "recorded with seed 8"),
    ):
        assert run(*argv)[0] == 2
        assert words in capsys.readouterr().err


@pytest.mark.parametrize("flags, appended", [([], True), (["--no-step-summary"], False)])
def test_the_summary_goes_to_the_github_job_summary_unless_told_not_to(tmp_path, monkeypatch, flags, appended):
    job_summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(job_summary))
    path = build("file", tmp_path)
    assert run("grade", str(path), "--out", str(tmp_path / "out"), "--seed", "1", *flags)[0] == 0
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "instructor checks" in summary
    assert (job_summary.exists() and job_summary.read_text().strip() == summary.strip()) == appended


def test_fail_under_exits_1_below_the_score(tmp_path):
    path = build(
        "file", tmp_path, __import__("tests.helpers.bug_bank", fromlist=["BY_NAME"]).BY_NAME["sgd_ignores_lr"].sources()
    )
    status, text = run("grade", str(path), "--out", str(tmp_path / "out"), "--fail-under", "99")
    assert status == 1 and "below --fail-under 99" in text


def test_a_corrupt_submission_is_graded_zero_with_the_reason(tmp_path):
    path = tmp_path / "upload.zip"
    path.write_bytes(b"this is not a zip")
    status, _text = run("grade", str(path), "--out", str(tmp_path / "out"))
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert status == 0 and results["score"] == 0 and "not a zip archive" in results["output"]
    assert all("not a zip archive" in test["output"] for test in results["tests"])


@pytest.mark.parametrize("sandbox", ["none", "auto"])
def test_results_are_written_after_the_worker_is_gone(tmp_path, sandbox):
    """A submission that writes a fake results.json into --out while it runs is overwritten."""
    out = tmp_path / "out"
    path = build("file", tmp_path)
    path.write_text(
        path.read_text()
        + f"""
import atexit, json
def _fake():
    try:
        with open({str(out / "results.json")!r}, "w") as f:
            json.dump({{"score": 1000}}, f)
    except OSError:
        pass
atexit.register(_fake)
_real = ReLU.forward
def _forward(self, x):
    _fake()
    return _real(self, x)
ReLU.forward = _forward
"""
    )
    status, _ = run("grade", str(path), "--out", str(out), "--sandbox", sandbox)
    assert status == 0 and json.loads((out / "results.json").read_text())["score"] == 100


def test_python_dash_m_grader_and_the_console_script_run():
    for command in (
        [sys.executable, "-m", "grader", "--version"],
        [str(Path(sys.executable).parent / "torcino-grade"), "--version"],
    ):
        run_ = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert run_.returncode == 0 and "torcino-grader" in run_.stdout


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # no traceback from a thread
def test_without_an_isolation_tier_the_fallback_is_announced(tmp_path, capsys, monkeypatch):
    """A tier asked for that cannot run is a one-line error (status 2), raised before either sandbox starts:
    the LeNet's thread never meets it (it printed a traceback of its own)."""
    from grader.sandbox import isolation

    monkeypatch.setattr(isolation, "tier_problem", lambda tier: f"{tier} cannot run here")
    status, text = run("grade", str(ROOT / "reference"), "--out", str(tmp_path))
    results = json.loads((tmp_path / "results.json").read_text())
    error = capsys.readouterr().err
    assert status == 0 and "sandbox none" in text
    assert "WARNING" in error and "bubblewrap cannot run here; landlock cannot run here" in error
    assert "WITHOUT a sandbox" in error
    assert (
        results["extra_data"]["sandbox"] == "none"
        and "WARNING: the submission ran without a sandbox" in results["output"]
    )
    for tier in ("bubblewrap", "landlock"):
        assert run("grade", str(ROOT / "reference"), "--out", str(tmp_path), "--sandbox", tier)[0] == 2


def bad_input(kind, tmp):
    """Build one kind of bad input under tmp; the command line's arguments (without the command)."""
    good, out = str(ROOT / "reference"), str(tmp / "out")
    if kind in ("fifo", "socket", "symlink loop", "out is a file", "out under a file"):
        target = tmp / "thing"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "socket":
            with socket.socket(socket.AF_UNIX) as server:
                server.bind(str(target))
        elif kind == "symlink loop":
            os.symlink(tmp / "other", target)
            os.symlink(target, tmp / "other")
        else:
            target.write_text("not a folder")
        if kind == "out is a file":
            return [good, "--out", str(target)]
        if kind == "out under a file":
            return [good, "--out", str(target / "out")]
        return [str(target), "--out", out]
    if kind in ("/dev/zero", "/dev/null"):
        return [kind, "--out", out]
    if kind == "out is a device":
        return [good, "--out", "/dev/null"]
    if kind == "out cannot be created":
        return [good, "--out", "/proc/torcino-out"]
    if kind in ("rubric is a FIFO", "data is a FIFO"):
        os.mkfifo(tmp / "pipe.toml")
        return [good, "--out", out, "--rubric" if kind.startswith("rubric") else "--data", str(tmp / "pipe.toml")]
    if kind == "notebook not JSON":
        (tmp / "lesson8.ipynb").write_text('{"cells": [')
        return [str(tmp / "lesson8.ipynb"), "--out", out]
    if kind == "source not UTF-8":
        (tmp / "lesson8.py").write_bytes(b'NAME = "\xff\xfe"\n')
        return [str(tmp / "lesson8.py"), "--out", out]
    archive = tmp / "lesson8.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        if kind == "zip with a symlink":
            link = zipfile.ZipInfo("layers.py")
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(link, "/etc/passwd")
        else:
            zipped.writestr(
                {"zip with an absolute path": "/etc/layers.py", "zip with ..": "../layers.py"}[kind], "x = 1\n"
            )
    return [str(archive), "--out", out]


BAD_INPUTS = [  # kind, how it ends (an error, exit 2, or a grade of 0), words of the one line that says why
    ("out is a file", "error", "--out"),
    ("out under a file", "error", "thing/out: Not a directory"),
    ("out is a device", "error", "--out /dev/null: a character device, not a directory"),
    ("out cannot be created", "error", "--out /proc/torcino-out: cannot be written"),
    ("fifo", "error", "a FIFO, not a file or a directory"),
    ("socket", "error", "a socket, not a file or a directory"),
    ("symlink loop", "error", "a loop of symbolic links"),
    ("/dev/zero", "error", "/dev/zero: a character device, not a file or a directory"),
    ("/dev/null", "error", "/dev/null: a character device"),
    ("rubric is a FIFO", "error", "pipe.toml: a FIFO, not a file"),
    ("data is a FIFO", "error", "pipe.toml: a FIFO, not a file or a directory"),
    ("notebook not JSON", "graded", "not a readable Jupyter notebook"),
    ("source not UTF-8", "graded", "can't decode byte 0xff"),
    ("zip with an absolute path", "graded", "unsafe path in archive: '/etc/layers.py'"),
    ("zip with ..", "graded", "unsafe path in archive: '../layers.py'"),
    ("zip with a symlink", "graded", "archive contains a symbolic link: 'layers.py'"),
]


@pytest.mark.parametrize("kind, ending, words", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_gets_one_line_and_no_traceback_or_hang(tmp_path, kind, ending, words):
    """Through the real command line, with a time limit: a hang or a traceback fails the test."""
    argv = bad_input(kind, tmp_path)
    ran = subprocess.run(
        [sys.executable, "-m", "grader", "grade", *argv, "--no-step-summary"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert "Traceback" not in ran.stderr + ran.stdout
    if ending == "error":
        assert ran.returncode == 2 and ran.stderr.startswith("torcino-grade: error: "), ran.stderr
        assert len(ran.stderr.strip().splitlines()) == 1 and words in ran.stderr, ran.stderr
        assert not (tmp_path / "out").exists()
    else:
        results = json.loads((tmp_path / "out" / "results.json").read_text())
        assert ran.returncode == 0 and results["score"] == 0
        assert words in results["output"], results["output"]


@pytest.mark.parametrize("kind", ["fifo", "out is a file"])
def test_batch_checks_its_paths_too(tmp_path, capsys, kind):
    argv = bad_input(kind, tmp_path)
    folder = argv[0] if kind == "fifo" else str(tmp_path)
    out = argv[2] if kind == "out is a file" else str(tmp_path / "out")
    assert run("batch", folder, "--out", out)[0] == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and ("a FIFO, not a directory" in error or "--out" in error), error
