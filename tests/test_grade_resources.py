"""Whole grades of hostile submissions (the reference with one hostile class appended): the grader's
own peak memory stays under a fixed bound, no process of the submission outlives the grade, every
output file has a bounded size, and only the item of the hostile method loses points.

Runs here in the bubblewrap tier and, Docker-like under test_sandbox_tiers.py, in the landlock tier.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers.submission_formats import module_sources, single_source
from tests.test_sandbox_hostile import DOCKER_LIKE, HOSTILE, ISOLATING, REPO
from tests.test_sandbox_resources import PEAK_MIB, processes_named

pytestmark = pytest.mark.slow  # each grades a whole submission
PEAK_SCRIPT = Path(__file__).parent / "helpers" / "peak_memory.py"
MAX_FILE_BYTES = {"results.json": 1 << 20, "report.html": 1 << 20, "summary.md": 64 << 10}


def hostile_grade(tmp_path, name, mode, **tokens):
    """Grade the reference with hostile/<name>.py appended: (results, {file: size}, peak MiB, seconds)."""
    text = (HOSTILE / f"{name}.py").read_text()
    for token, value in tokens.items():
        text = text.replace(f"__{token}__", str(value))
    path = tmp_path / f"{name}.py"
    path.write_text(single_source(module_sources()) + "\n\n# ---- hostile\n" + text)
    out = tmp_path / "out"
    started = time.monotonic()
    command = [sys.executable, str(PEAK_SCRIPT), "grade", str(path), "--out", str(out), "--sandbox", mode]
    ran = subprocess.run([*command, "--no-step-summary"], capture_output=True, text=True, cwd=REPO, timeout=600)
    seconds = time.monotonic() - started
    peak = re.search(r"peak_rss_mib (\d+)", ran.stderr)
    assert peak and (out / "results.json").exists(), ran.stdout[-2000:] + ran.stderr[-2000:]
    sizes = {file: (out / file).stat().st_size for file in MAX_FILE_BYTES}
    return json.loads((out / "results.json").read_text()), sizes, int(peak.group(1)), seconds


def lost(results):
    return {test["name"] for test in results["tests"] if test["score"] < test["max_score"]}


def grader_errors(results):
    return [test["output"] for test in results["tests"] if "grader error" in test["output"]]


# hostile submission, its tokens, the items it may cost (ReLU's own, or the ones built on it)
CASES = [
    ("huge_reply", {}, {"relu", "api", "sequential", "lenet", "cache"}),
    ("numpy_scalar", {}, {"relu", "api", "sequential", "lenet"}),
    ("raise_output_caps", {"CHARS": 256 << 10}, set()),
    ("raise_output_caps", {"CHARS": 60 << 10}, set()),  # a correct submission printing under the per-call cap
    ("fill_disk", {}, {"relu", "api", "sequential", "lenet", "cache"}),
]


@pytest.mark.parametrize("mode", ISOLATING)
@pytest.mark.parametrize(
    "name, tokens, may_lose", CASES, ids=[f"{case[0]}-{case[1].get('CHARS', '')}" for case in CASES]
)
def test_a_hostile_grade_is_bounded(tmp_path, mode, name, tokens, may_lose):
    results, sizes, peak, _ = hostile_grade(tmp_path, name, mode, **tokens)
    assert results["extra_data"]["sandbox"] == mode
    assert grader_errors(results) == []
    assert lost(results) <= may_lose and ("relu" in lost(results)) == bool(may_lose), results["tests"]
    assert peak < PEAK_MIB and all(sizes[file] <= cap for file, cap in MAX_FILE_BYTES.items()), (peak, sizes)


@pytest.mark.parametrize("mode", ISOLATING)
def test_the_graders_own_steps_are_not_starved_by_a_submission_out_of_descriptors(tmp_path, mode):
    """Its own constructors, which import numpy.random lazily, fail for want of descriptors (its own
    doing); the grader's seeding, which needs the same import, does not: init keeps its points."""
    results, _, peak, _ = hostile_grade(tmp_path, "exhaust_fds", mode)
    outputs = "\n".join(test["output"] for test in results["tests"])
    assert "init" not in lost(results) and "seeding" not in outputs and grader_errors(results) == []
    assert peak < PEAK_MIB


@pytest.mark.parametrize("mode", ISOLATING)
def test_no_process_outlives_the_grade(tmp_path, mode):
    marker = f"h3g{uuid.uuid4().hex[:10]}"
    results, _, _, seconds = hostile_grade(tmp_path, "double_fork_setsid", mode, MARKER=marker)
    assert lost(results) == set() and processes_named(marker) == [], processes_named(marker)
    assert seconds < 60


def test_the_docker_like_run_grades_in_the_landlock_tier():
    assert ISOLATING[0].values[0] == ("landlock" if DOCKER_LIKE else "bubblewrap")
    assert os.environ.get("TORCINO_TEST_ENV", "") in ("", "docker-like")


def test_results_json_is_cut_to_its_size_limit_whatever_its_parts_hold():
    from grader.reports.results import MAX_RESULTS_CHARS, bounded

    failure = {"case": "c", "message": "m" * 3000, "details": {"traceback": "t" * 6000, "kind": "exception"}}
    items = [
        {"id": f"i{n}", "failures": [dict(failure, details=dict(failure["details"])) for _ in range(60)]}
        for n in range(8)
    ]
    extra = {
        "items": items,
        "output": [{"call": "f", "text": "x" * 60_000, "dropped": 0}] * 40,
        "incidents": [{"kind": "crash", "call": "f", "detail": "d" * 2500}] * 400,
    }
    document = bounded({"score": 1, "tests": [], "output": "", "extra_data": extra})
    assert len(json.dumps(document)) <= MAX_RESULTS_CHARS
    assert document["extra_data"]["items"][0]["failures"][0]["details"]["kind"] == "exception"
