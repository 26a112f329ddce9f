"""Hostile submissions, each run end to end through the sandbox: the grader survives and is not fooled.

These tests do not go through the checks: each calls the submission directly, its ReLU (where each
file puts its hostile behaviour) and then its Linear (a correct one, appended from hostile/_linear.py),
and compares both with the reference on the trusted side, so what is on trial is the sandbox alone.

The module runs in three environments:
- here, with bubblewrap (the isolating tier) and none;
- Docker-like (TORCINO_TEST_ENV=docker-like, run by test_sandbox_tiers.py under tests/helpers/docker_like.py):
  namespaces are denied as Docker denies them, so bubblewrap fails and the landlock tier isolates;
- none: the cases that need no isolation hold without a sandbox (the `none` runs here).
"""

import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import reference
from grader.sandbox.errors import NotRun, SandboxError
from grader.sandbox.isolation import bubblewrap_problem, choose_mode, landlock_problem
from grader.sandbox.runner import Limits, Sandbox

HOSTILE = Path(__file__).parent / "hostile"
REPO = Path(__file__).resolve().parent.parent
LIMITS = dict(call_seconds=3.0, memory_bytes=2 << 30)
DOCKER_LIKE = os.environ.get("TORCINO_TEST_ENV") == "docker-like"


def tier(name, problem):
    return pytest.param(name, marks=pytest.mark.skipif(problem is not None, reason=f"{problem}: the {name} runs skip"))


ISOLATING = [tier("landlock", landlock_problem())] if DOCKER_LIKE else [tier("bubblewrap", bubblewrap_problem())]
MODES = ISOLATING if DOCKER_LIKE else ["none", *ISOLATING]


def write_submission(tmp_path, name, **tokens):
    """hostile/<name>.py with its tokens filled in and the correct Linear appended; returns its path."""
    source = (HOSTILE / f"{name}.py").read_text() + "\n\n" + (HOSTILE / "_linear.py").read_text()
    for token, value in tokens.items():
        source = source.replace(f"__{token}__", str(value))
    folder = tmp_path / "submissions"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(source)
    return path


def verdict(call, expected):
    """'correct', 'wrong', or the kind of SandboxError the call raised: computed here, not in the worker."""
    try:
        got = call()
    except SandboxError as error:
        return error.kind
    ok = isinstance(got, np.ndarray) and got.shape == expected.shape and np.abs(got - expected).max() < 1e-5
    return "correct" if ok else "wrong"


def probe(box):
    """{'relu': verdict, 'linear': verdict} for one sandboxed submission."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    weight = rng.standard_normal((2, 4)).astype(np.float32)
    relu = verdict(lambda: box.api.ReLU().forward(x), reference.ReLU().forward(x))

    def linear_forward():
        layer = box.api.Linear(4, 2)
        layer.weight = weight
        return layer.forward(x)

    trusted = reference.Linear(4, 2)
    trusted.weight = weight
    return {"relu": relu, "linear": verdict(linear_forward, trusted.forward(x))}


def run(path, mode, names=("ReLU", "Linear"), **limits):
    box = Sandbox(path, Limits(sandbox=mode, **{**LIMITS, **limits}), names=names)
    box.start()
    return box


# name, expected probe, and what else must hold of the sandbox afterwards
CASES = [
    (
        "infinite_loop",
        {"relu": "timeout", "linear": "correct"},
        lambda box: box.incidents[0]["kind"] == "timeout" and "longer than 3 s" in box.incidents[0]["detail"],
    ),
    (
        "sys_exit_at_import",
        {"relu": "missing", "linear": "correct"},
        lambda box: any(
            "SystemExit" in note["message"] and note["kind"] == "definitions-only" for note in box.load_report["notes"]
        ),
    ),
    (
        "os_exit_in_method",
        {"relu": "crash", "linear": "correct"},
        lambda box: "exit code 7" in box.incidents[0]["detail"] and box.generation == 2,
    ),
    ("allocate_gib", {"relu": "memory", "linear": "correct"}, lambda box: box.generation == 1),
    (
        "print_flood",
        {"relu": "correct", "linear": "correct"},
        lambda box: sum(len(o["text"]) for o in box.output) <= 64 << 10 and box.output[0]["dropped"] > 99_000_000,
    ),
    ("monkeypatch_numpy", {"relu": "wrong", "linear": "correct"}, lambda box: True),
    ("fake_results", {"relu": "wrong", "linear": "correct"}, lambda box: True),
    (
        "import_reference",
        {"relu": "missing", "linear": "correct"},
        lambda box: any("No module named 'reference'" in note["message"] for note in box.load_report["notes"]),
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, expected, holds", CASES, ids=[case[0] for case in CASES])
def test_hostile_submission_is_contained(tmp_path, mode, name, expected, holds):
    out = tmp_path / "out"
    out.mkdir()
    path = write_submission(tmp_path, name, OUT=out)
    box = run(path, mode)
    try:
        assert probe(box) == expected
        assert holds(box), (box.incidents, box.load_report, box.output[:1])
        assert box.mode == mode
    finally:
        box.close()
    if mode != "none":  # without isolation, only the grader writing results after the worker is gone protects them
        assert not list(out.iterdir()) and not (path.parent / "results.json").exists()
        assert not (tmp_path / "results.json").exists()


FAIL_FAST = [  # hostile submission, what the first call raises, what later calls say at once
    ("infinite_loop", "timeout", "not run: it timed out after 1 s on an earlier case"),
    ("os_exit_in_method", "crash", "not run: it killed its worker (exit code 7) on an earlier case"),
]


@pytest.mark.parametrize("name, first, later", FAIL_FAST, ids=[case[0] for case in FAIL_FAST])
def test_a_method_that_timed_out_or_crashed_is_not_called_again(tmp_path, name, first, later):
    box = run(write_submission(tmp_path, name), "none", call_seconds=1.0)
    x = np.ones((2, 3), dtype=np.float32)
    try:
        assert verdict(lambda: box.api.ReLU().forward(x), x) == first
        generation = box.generation
        relu = box.api.ReLU()  # other calls still run (in a fresh worker, whose start is not timed here)
        started = time.monotonic()
        for _ in range(3):
            with pytest.raises(NotRun) as raised:
                relu.forward(x)
            assert raised.value.detail == later and raised.value.call == "ReLU.forward"
        assert time.monotonic() - started < 0.5 and len(box.incidents) == 1
        assert box.generation == generation + 1
        assert verdict(lambda: box.api.Linear(3, 2).forward(x), np.zeros((2, 2))) in ("correct", "wrong")
    finally:
        box.close()


def test_print_flood_keeps_the_raw_descriptor_output_capped(tmp_path):
    box = run(write_submission(tmp_path, "print_flood"), "none")
    try:
        box.api.ReLU().forward(np.ones((2, 2)))
        drain = box.worker.drain
    finally:
        box.close()
    assert len(drain.kept) == 64 << 10 and len(drain.kept) + drain.dropped >= 16 << 20


def probed(path, mode):
    """(what the submission's own probe() reports from inside the sandbox, the trusted probe)."""
    box = run(path, mode, names=("ReLU", "Linear", "probe"))
    try:
        return box.api.probe(), probe(box)
    finally:
        box.close()


@pytest.mark.parametrize("mode", ISOLATING)
def test_searching_the_disk_finds_no_reference(tmp_path, mode):
    found, verdicts = probed(write_submission(tmp_path, "search_for_reference", REPO=REPO), mode)
    assert found == [] and verdicts == {"relu": "exception", "linear": "correct"}


@pytest.mark.parametrize("mode", ISOLATING)
def test_importing_the_reference_from_the_graders_folder_fails(tmp_path, mode):
    box = run(write_submission(tmp_path, "import_reference_by_path", REPO=REPO), mode)
    try:
        assert probe(box) == {"relu": "missing", "linear": "correct"}
        assert any("reference" in note["message"] for note in box.load_report["notes"]), box.load_report
    finally:
        box.close()


@pytest.mark.parametrize("mode", ISOLATING)
def test_no_network_inside_the_sandbox(tmp_path, mode):
    received = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)

        def listen():
            for _ in range(25):
                try:
                    connection, _ = server.accept()
                    received.append(connection.recv(100))
                    connection.close()
                except OSError:
                    pass

        listener = threading.Thread(target=listen)
        listener.start()
        try:
            outcome, verdicts = probed(write_submission(tmp_path, "phone_home", PORT=server.getsockname()[1]), mode)
        finally:
            listener.join()
    assert verdicts == {"relu": "correct", "linear": "correct"}
    assert outcome != "sent" and "Error" in outcome
    assert received == []


@pytest.mark.parametrize("mode", ISOLATING)
def test_nothing_is_written_outside_the_submission_copy(tmp_path, mode):
    marker = f"torcino-hostile-{tmp_path.name}-{mode}"
    home, parent = Path.home(), tmp_path / "submissions"
    path = write_submission(tmp_path, "write_outside", HOME=home, PARENT=parent, MARKER=marker)
    try:
        outcome, verdicts = probed(path, mode)
    finally:
        planted = [
            p
            for p in (
                home / marker,
                parent / marker,
                home.parent / marker,
                Path("/tmp") / marker,
                Path("/dev/shm") / marker,
            )
            if p.exists()
        ]
        for p in planted:
            p.unlink()
    assert planted == [], outcome
    assert verdicts == {"relu": "correct", "linear": "correct"}
    assert outcome[f"{home}/{marker}"] != "written" and outcome[f"{parent}/{marker}"] != "written"


@pytest.mark.parametrize("mode", ISOLATING)
def test_another_submission_cannot_be_read(tmp_path, mode):
    """Neither another student's file in the batch's folder nor another live sandbox's copy."""
    other = write_submission(tmp_path, "print_flood")
    neighbour = run(other, mode)
    try:
        copy = next(neighbour.tmp.glob("work-*")) / other.name
        assert copy.is_file()
        outcome, verdicts = probed(
            write_submission(tmp_path, "read_other_submission", OTHER=other, OTHER_COPY=copy), mode
        )
    finally:
        neighbour.close()
    assert verdicts == {"relu": "correct", "linear": "correct"}
    assert set(outcome.values()) <= {"PermissionError", "FileNotFoundError"}, outcome


def test_auto_falls_back_to_none_loudly_and_a_required_tier_fails_instead(tmp_path, monkeypatch):
    from grader.sandbox import isolation
    from grader.sandbox.errors import SandboxUnavailable

    monkeypatch.setattr(isolation, "tier_problem", lambda tier: f"{tier} cannot run here")
    for required in ("bubblewrap", "landlock"):
        with pytest.raises(SandboxUnavailable, match=f"{required} cannot run here"):
            Sandbox(write_submission(tmp_path, "print_flood"), Limits(sandbox=required)).start()
    box = Sandbox(write_submission(tmp_path, "print_flood"), Limits(sandbox="auto"))
    with pytest.warns(isolation.SandboxWarning, match="WITHOUT a sandbox"):
        box.start()
    try:
        assert box.mode == "none"
    finally:
        box.close()


@pytest.mark.skipif(not DOCKER_LIKE, reason="checks the Docker-like environment (run by test_sandbox_tiers.py)")
def test_the_docker_like_environment_denies_bubblewrap_and_auto_picks_landlock():
    assert "namespace" in (bubblewrap_problem() or ""), bubblewrap_problem()
    assert choose_mode("auto") == "landlock"
