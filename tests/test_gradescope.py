"""The Gradescope autograder: the zip unpacked into a directory standing in for /autograder,
setup.sh run once, run_autograder on a correct and a buggy submission, as Gradescope would."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.sandbox.isolation import bubblewrap_problem, landlock_problem
from scripts.make_gradescope import make_gradescope
from tests.helpers.bug_bank import BY_NAME
from tests.helpers.submission_formats import build
from tests.test_sandbox_tiers import seccomp_problem

pytestmark = pytest.mark.slow  # builds and runs the autograder

ROOT = Path(__file__).resolve().parent.parent
VISIBILITIES = {"cache": "hidden", "lenet": "after_due_date", "sgd": "after_published"}


def rubric_with_visibilities(tmp_path):
    """lesson8.toml with some items not visible, to see the visibilities carry over."""
    text = (ROOT / "rubrics" / "lesson8.toml").read_text()
    for item, visibility in VISIBILITIES.items():
        text, count = re.subn(
            rf'(\[items\.{re.escape(item)}\]\npoints = \S+\n)visibility = "visible"',
            rf'\1visibility = "{visibility}"',
            text,
        )
        assert count == 1, item
    path = tmp_path / "course.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def autograder(tmp_path_factory):
    """An /autograder stand-in: source/ unpacked from the zip, run_autograder at the root (where
    Gradescope puts it), setup.sh already run."""
    tmp = tmp_path_factory.mktemp("gradescope")
    archive = make_gradescope(tmp / "gradescope-autograder.zip", rubric=rubric_with_visibilities(tmp))
    root = tmp / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(root / "source")
        for info in unpacked.infolist():  # zipfile does not restore modes
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    setup = subprocess.run(
        ["bash", "source/setup.sh"], cwd=root, env=environment(root), capture_output=True, text=True, timeout=900
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return root, archive


def environment(root):
    return {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}


def run_autograder(root, submission_files, container=()):
    """Put submission_files into root/submission (replacing it), run run_autograder; results.json.
    container: the command that runs it as a container would (tests/helpers/docker_like.py ... --)."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    for path in submission_files:
        shutil.copy(path, root / "submission" / path.name)
    run = subprocess.run(
        [*container, str(root / "run_autograder")],
        cwd=root,
        env=environment(root),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_the_scripts_the_rubric_and_the_full_grader(autograder):
    _, archive = autograder
    with zipfile.ZipFile(archive) as unpacked:
        names = set(unpacked.namelist())
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in unpacked.infolist()}
        (wheel,) = [name for name in names if name.endswith(".whl")]
        assert {"setup.sh", "run_autograder", "rubric.toml"} <= names and modes["run_autograder"] & 0o111
        assert re.fullmatch(r"torcino_grader-[\w.]+-py3-none-any\.whl", wheel)
        members = zipfile.ZipFile(unpacked.open(wheel)).namelist()
    assert "reference/layers.py" in members  # instructor mode: the live reference, fresh seeds


def test_a_correct_submission_gets_full_marks_with_the_rubrics_visibilities(autograder, tmp_path):
    root, _ = autograder
    results = run_autograder(root, [build("file", tmp_path)])
    assert results["score"] == 100 and results["extra_data"]["mode"] == "instructor"
    visibilities = {test["tags"][0]: test["visibility"] for test in results["tests"]}
    assert {item: visibilities[item] for item in VISIBILITIES} == VISIBILITIES
    assert set(visibilities.values()) == {"visible", *VISIBILITIES.values()}
    assert all(test["status"] == "passed" for test in results["tests"])


def test_a_buggy_submission_loses_the_item_it_breaks(autograder, tmp_path):
    root, _ = autograder
    bug = BY_NAME["linear_missing_transpose"]
    results = run_autograder(root, [build("file", tmp_path, bug.sources())])
    failed = {test["tags"][0] for test in results["tests"] if test["status"] == "failed"}
    assert set(bug.items) <= failed and results["score"] < 100
    primary = next(test for test in results["tests"] if test["tags"][0] == bug.items[0])
    assert primary["score"] < primary["max_score"] and "Hint:" in primary["output"]


def test_when_the_grader_cannot_grade_results_json_says_so(autograder, tmp_path):
    root, _ = autograder
    rubric = root / "source" / "rubric.toml"
    original = rubric.read_text()
    rubric.write_text(original.replace("[items.api]\npoints = 5", "[items.api]\npoints = -5"))
    try:
        results = run_autograder(root, [build("file", tmp_path)])
    finally:
        rubric.write_text(original)
    assert results["score"] == 0
    assert "could not grade" in results["output"] and "items.api.points" in results["output"]


DOCKER_LIKE = [sys.executable, str(ROOT / "tests" / "helpers" / "docker_like.py")]
NO_SECCOMP = pytest.mark.skipif(seccomp_problem() is not None, reason=f"{seccomp_problem()} (CI installs libseccomp2)")
CONTAINERS = [  # how the container runs the autograder, the tier results.json must name
    pytest.param(
        [],
        "bubblewrap" if bubblewrap_problem() is None else ("landlock" if landlock_problem() is None else "none"),
        id="here",
    ),
    pytest.param(
        [*DOCKER_LIKE, "--"], "landlock" if landlock_problem() is None else "none", id="docker-like", marks=NO_SECCOMP
    ),
    pytest.param([*DOCKER_LIKE, "--deny-landlock", "--"], "none", id="docker-like, no Landlock", marks=NO_SECCOMP),
]


@pytest.mark.parametrize("container, tier", CONTAINERS)
def test_the_autograder_uses_the_best_tier_its_container_allows(autograder, tmp_path, container, tier):
    root, _ = autograder
    results = run_autograder(root, [build("file", tmp_path)], container)
    assert results["score"] == 100 and results["extra_data"]["sandbox"] == tier
    assert ("WARNING: the submission ran without a sandbox" in results["output"]) == (tier == "none")
    assert f"<dt>Sandbox</dt><dd>{tier}</dd>" in (root / "results" / "report.html").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh restricts permissions when it runs as root, as on Gradescope")
def test_the_solution_and_the_rubric_are_readable_by_root_only(autograder):
    root, _ = autograder
    site = subprocess.run(
        [
            str(root / "venv" / "bin" / "python"),
            "-I",
            "-c",
            "import os, reference, grader; print(os.path.dirname(reference.__file__)); "
            "print(os.path.dirname(grader.__file__))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for top in [root / "source", *map(Path, site.stdout.split())]:
        for path in [top, *top.rglob("*")]:
            assert path.stat().st_mode & 0o077 == 0, path
