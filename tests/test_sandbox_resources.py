"""Resources a hostile submission cannot take, in every tier: processes, disk, reply size, output,
file descriptors; and values whose type the wire must keep (a numpy scalar is not an array).

Runs here (bubblewrap and none) and, like test_sandbox_hostile.py, Docker-like under
test_sandbox_tiers.py (TORCINO_TEST_ENV=docker-like: the landlock tier).
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pytest

from grader.sandbox.disk import usage
from tests.test_sandbox_hostile import ISOLATING, MODES, REPO, probe, run, write_submission

PEAK_MIB = 512  # what the grader's own process may use whatever a submission returns (Gradescope has 768 MB)


def processes_named(name):
    """Pids of the live processes whose name (comm) is name, in any PID namespace of this machine."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as comm, open(f"/proc/{entry}/stat") as stat:
                if comm.read().strip() == name and stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.parametrize("mode", MODES)
def test_no_process_of_the_submission_survives_and_closing_is_quick(tmp_path, mode):
    marker = f"h3s{uuid.uuid4().hex[:10]}"
    box = run(write_submission(tmp_path, "double_fork_setsid", MARKER=marker), mode)
    try:
        assert probe(box) == {"relu": "correct", "linear": "correct"}
        assert processes_named(marker), "the hostile submission did not leave its process behind"
    finally:
        started = time.monotonic()
        box.close()
        closing = time.monotonic() - started
    time.sleep(0.2)
    assert processes_named(marker) == [] and closing < 3, closing  # main waited 5 s for the survivor's pipe


@pytest.mark.parametrize("mode", MODES)
def test_what_a_submission_writes_is_bounded_in_all(tmp_path, mode):
    cap = 64 << 20
    box = run(write_submission(tmp_path, "fill_disk"), mode, disk_bytes=cap, file_bytes=16 << 20)
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], usage(box.tmp.glob("work-*")))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        verdicts = probe(box)
        generations = box.generation
    finally:
        done.set()
        sampler.join()
        box.close()
    assert verdicts == {"relu": "crash", "linear": "correct"} and generations == 2
    assert "more than the limit of 64 MiB to disk" in box.incidents[0]["detail"], box.incidents
    assert cap < peak[0] <= cap + (96 << 20), peak[0] >> 20  # what it writes in the watcher's 50 ms, at most


@pytest.mark.parametrize("mode", ISOLATING)
def test_no_memory_backed_file_system_is_writable(tmp_path, mode):
    """A tmpfs counts against the host's memory, outside every limit: none may be writable."""
    box = run(write_submission(tmp_path, "write_tmpfs"), mode, names=("ReLU", "Linear", "probe"))
    try:
        assert box.api.probe() == []
    finally:
        box.close()


PEAK_SCRIPT = """
import json, sys
from tests.helpers.peak_memory import peak_rss_mib
from tests.test_sandbox_hostile import probe, run
box = run(sys.argv[1], sys.argv[2], names=("ReLU", "Linear", "probe"))
try:
    verdicts, incidents = probe(box), list(box.incidents)
    wrong = box.api.probe()
finally:
    box.close()
print(json.dumps({"verdicts": verdicts, "incidents": incidents, "shape": list(wrong.shape),
                  "peak_mib": peak_rss_mib()}))
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_huge_reply_is_refused_before_it_is_read(tmp_path, mode):
    path = write_submission(tmp_path, "huge_reply")
    ran = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path), mode], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    outcome = json.loads(ran.stdout.splitlines()[-1])
    assert outcome["verdicts"] == {"relu": "protocol", "linear": "correct"}
    assert "960 MiB of arrays is larger than 64 MiB" in outcome["incidents"][0]["detail"]
    assert outcome["shape"] == [3, 2_000_000] and outcome["peak_mib"] < 200, outcome


@pytest.mark.parametrize("mode", MODES)
def test_output_is_capped_on_the_trusted_side(tmp_path, mode):
    """Under the reply's size the output is cut here, per call and in all; past it the call is refused."""
    limits = dict(output_bytes=16 << 10, kept_output_bytes=40 << 10)
    box = run(write_submission(tmp_path, "raise_output_caps", CHARS=1 << 20), mode, **limits)
    try:
        verdicts = [probe(box)["relu"] for _ in range(4)]
    finally:
        box.close()
    texts = [len(call["text"]) for call in box.output]
    assert verdicts == ["correct"] * 4
    assert max(texts) == 16 << 10 and sum(texts) == 40 << 10 and box.output[-1]["dropped"] >= 1 << 20
    box = run(write_submission(tmp_path, "raise_output_caps", CHARS=8 << 20), mode, **limits)
    try:
        assert probe(box) == {"relu": "protocol", "linear": "correct"}
        assert "larger than 2 MiB" in box.incidents[0]["detail"] and box.output == []
    finally:
        box.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_out_of_file_descriptors_does_not_starve_the_graders_steps(tmp_path, mode):
    box = run(write_submission(tmp_path, "exhaust_fds"), mode)
    try:
        box.api.seed(3)
        assert probe(box) == {"relu": "correct", "linear": "correct"}
        assert box.incidents == [] and box.generation == 1
    finally:
        box.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_numpy_scalar_crosses_as_a_numpy_scalar(tmp_path, mode):
    box = run(write_submission(tmp_path, "numpy_scalar"), mode)
    try:
        got = box.api.ReLU().forward(np.ones((2, 3)))
        assert probe(box) == {"relu": "wrong", "linear": "correct"}
    finally:
        box.close()
    assert type(got) is np.float64 and got == 6.0
