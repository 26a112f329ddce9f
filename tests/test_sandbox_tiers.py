"""The isolation tiers for real: the hostile cases under a Docker-like seccomp profile (the landlock
tier), the loud fallback to none when no tier can run, and what the landlock tier denies."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.isolation import landlock_problem
from tests.test_sandbox_hostile import REPO, run, write_submission

pytestmark = pytest.mark.slow  # runs the hostile suite again in a Docker-like process

DOCKER_LIKE = [sys.executable, str(Path(__file__).parent / "helpers" / "docker_like.py")]
needs_landlock = pytest.mark.skipif(
    landlock_problem() is not None, reason=f"{landlock_problem()} (CI installs libseccomp2)"
)


def seccomp_problem():
    """None when tests/helpers/docker_like.py can install its filter here (it needs libseccomp)."""
    from grader.sandbox.landlock_tier import TierUnavailable, seccomp_program

    try:
        seccomp_program()
    except TierUnavailable as error:
        return str(error)
    return None


needs_seccomp = pytest.mark.skipif(
    seccomp_problem() is not None, reason=f"{seccomp_problem()} (CI installs libseccomp2)"
)


def docker_like(*command, options=(), **environment):
    return subprocess.run(
        [*DOCKER_LIKE, *options, "--", *command],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env={**os.environ, **environment},
    )


def pytest_docker_like(*arguments):
    """(completed process, its last line): pytest run on arguments in a Docker-like process."""
    inner = docker_like(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rs",
        *arguments,
        TORCINO_TEST_ENV="docker-like",
    )
    return inner, inner.stdout.strip().splitlines()[-1] if inner.stdout.strip() else inner.stderr


@needs_landlock
def test_the_hostile_cases_hold_in_a_docker_like_container():
    """test_sandbox_hostile.py, run where namespaces are denied: bubblewrap fails, landlock isolates."""
    inner, summary = pytest_docker_like("tests/test_sandbox_hostile.py")
    assert inner.returncode == 0, inner.stdout[-4000:] + inner.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 17 and "skipped" not in summary and "failed" not in summary, summary


@needs_landlock
def test_lying_in_the_worker_is_caught_in_a_docker_like_container():
    """The hostile submissions of test_hostile_verdicts.py that lie about identities in their worker,
    graded in the landlock tier."""
    inner, summary = pytest_docker_like("tests/test_hostile_verdicts.py", "-k", "lying")
    assert inner.returncode == 0, inner.stdout[-4000:] + inner.stderr[-2000:]
    assert "2 passed" in summary and "skipped" not in summary, summary


@needs_landlock
def test_the_resource_bounds_hold_in_a_docker_like_container():
    """test_sandbox_resources.py and test_grade_resources.py where namespaces are denied: the landlock tier."""
    inner, summary = pytest_docker_like("tests/test_sandbox_resources.py", "tests/test_grade_resources.py")
    assert inner.returncode == 0, inner.stdout[-4000:] + inner.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 14 and "skipped" not in summary and "failed" not in summary, summary


@needs_seccomp
def test_with_neither_tier_auto_announces_that_it_runs_without_a_sandbox():
    script = (
        "import warnings\nfrom grader.sandbox.isolation import choose_mode\n"
        "with warnings.catch_warnings(record=True) as caught:\n    warnings.simplefilter('always')\n"
        "    print(choose_mode('auto'))\nprint(*[w.message for w in caught])"
    )
    outcome = docker_like(sys.executable, "-c", script, options=("--deny-landlock",))
    assert outcome.returncode == 0, outcome.stderr
    chosen, warning = outcome.stdout.splitlines()[:2]
    assert chosen == "none"
    assert "namespace" in warning and "Landlock is not available" in warning and "WITHOUT a sandbox" in warning


ROOT = os.geteuid() == 0
EXPECTED = [  # attempt, what the landlock tier answers
    ("tcp socket", "Address family not supported by protocol"),
    ("udp socket", "Address family not supported by protocol"),
    ("netlink socket", "Address family not supported by protocol"),
    ("unix socketpair", "ok"),
    ("unix connect", "Operation not permitted"),
    ("unshare user namespace", "Operation not permitted"),
    ("unshare mount namespace", "Operation not permitted"),
    ("mount", "Operation not permitted"),
    ("ptrace the grader", "Operation not permitted"),
    ("signal the grader", "Operation not permitted"),
    ("read /etc/passwd", "Permission denied"),
    ("read the grader's environment", "Permission denied"),
    ("read the reference", "Permission denied"),
    ("read the rubric", "Permission denied"),
    ("write in its copy", "ok"),
    ("write in /tmp", "Permission denied"),
]


@pytest.fixture(scope="module")
def escape_attempts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("escape")
    box = run(write_submission(tmp, "escape_attempts", REPO=REPO, MARKER=tmp.name), "landlock", names=("ReLU", "probe"))
    try:
        return box.api.probe()
    finally:
        box.close()


@needs_landlock
@pytest.mark.parametrize("attempt, answer", EXPECTED, ids=[case[0] for case in EXPECTED])
def test_the_landlock_tier_denies_what_a_worker_never_needs(escape_attempts, attempt, answer):
    assert escape_attempts[attempt] == answer


@needs_landlock
@pytest.mark.skipif(not ROOT, reason="the worker changes user only when the grader runs as root")
def test_as_root_the_worker_runs_as_nobody(escape_attempts):
    assert (escape_attempts["uid"], escape_attempts["gid"], escape_attempts["groups"]) == (65534, 65534, [])


GRANTED = [  # hidden trees (relative to the granted one), the paths granted instead of the whole tree
    ((), ["ALIAS"]),
    (("b/c",), ["ALIAS/b/d", "ALIAS/e"]),
    (("b",), ["ALIAS/e"]),
    (("b/c", "b/d"), ["ALIAS/e"]),
    (("../a-sibling", "../b"), ["ALIAS"]),
]


@pytest.mark.parametrize("hidden, expected", GRANTED)
def test_landlock_grants_a_tree_except_the_installed_packages_within_it(tmp_path, hidden, expected):
    from grader.sandbox.landlock_tier import granted

    for folder in ("a/b/c", "a/b/d", "a/e"):
        (tmp_path / folder).mkdir(parents=True)
    real = str(tmp_path / "a")
    assert granted(real, "ALIAS", {os.path.normpath(f"{real}/{h}") for h in hidden}) == expected


def test_the_graders_and_the_interpreters_packages_are_hidden():
    import site

    from grader.sandbox.file_policy import hidden_paths

    hidden = hidden_paths()
    assert {os.path.realpath(p) for p in site.getsitepackages()} <= hidden
    assert os.path.realpath(REPO / "grader") in hidden and os.path.realpath(REPO / "reference") in hidden
