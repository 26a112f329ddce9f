"""The student kit: a ready-to-push repository without the reference solution, whose Makefile and
GitHub workflow grade it with the public checks (0 for the untouched template, full marks with the
reference's layers copied in)."""

import contextlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import make_template
from scripts.make_student_kit import make_student_kit
from tests.helpers import workflow_runner

pytestmark = pytest.mark.slow  # builds the kit and runs its workflow

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
LAYER_MODULES = ("functional.py", "layers.py", "model.py", "loss.py", "optim.py")
PINNED = re.compile(r"actions/[\w-]+@v\d+\.\d+\.\d+")


@pytest.fixture(scope="session")
def kit(tmp_path_factory):
    return make_student_kit(tmp_path_factory.mktemp("build") / "student-kit")


@pytest.fixture(scope="session")
def runner_python(tmp_path_factory):
    """A fresh Python environment, standing in for what actions/setup-python leaves on PATH."""
    venv = tmp_path_factory.mktemp("runner") / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    return venv / "bin"


def normalised(text):
    return " ".join(text.split())


def texts_of(directory):
    """{name: text} of every text file under directory and every text member of its wheels."""
    texts = {}
    for path in sorted(Path(directory).rglob("*")):
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                for member in wheel.namelist():
                    with contextlib.suppress(UnicodeDecodeError):
                        texts[f"{path.name}!{member}"] = wheel.read(member).decode("utf-8")
        elif path.is_file():
            with contextlib.suppress(UnicodeDecodeError):
                texts[str(path.relative_to(directory))] = path.read_text(encoding="utf-8")
    return texts


def solution_code_in(directory):
    """[(file, first line of the region)] for every solution region of the reference that appears,
    whitespace normalised, in a file of directory (or in a wheel there)."""
    blocks = [
        normalised(block)
        for path in sorted(REFERENCE.glob("*.py"))
        for block in make_template.solution_code(path.read_text(), path.name)
    ]
    texts = {name: normalised(text) for name, text in texts_of(directory).items()}
    return [(name, block[:60]) for block in blocks for name, text in texts.items() if block in text]


def test_the_kit_is_the_template_a_makefile_a_workflow_and_a_wheel_without_the_reference(kit):
    files = {str(path.relative_to(kit)) for path in kit.rglob("*") if path.is_file()}
    (wheel,) = kit.glob(".grader/torcino_grader-*-py3-none-any.whl")
    assert {"README.md", "Makefile", ".gitignore", ".github/workflows/grade.yml", "torcino/train.py"} <= files
    for module in (ROOT / "student_template" / "torcino").glob("*.py"):
        assert (kit / "torcino" / module.name).read_text() == module.read_text(), module.name
    assert (kit / "README.md").read_text() == (ROOT / "student_template" / "README.md").read_text()
    assert not any(part == "reference" for name in files for part in Path(name).parts)
    members = zipfile.ZipFile(wheel).namelist()
    assert not [m for m in members if m.startswith("reference/")]
    assert {"grader/fixtures/public.npz", "grader/checks/test_layers.py", "grader/rubrics/lesson8.toml"} <= set(members)


def test_no_solution_region_of_the_reference_appears_in_the_kit(kit, tmp_path):
    assert solution_code_in(kit) == []
    shutil.copy(REFERENCE / "layers.py", tmp_path / "copied.py")  # the scan finds a region where there is one
    assert solution_code_in(tmp_path)


def test_the_workflow_runs_on_push_and_pull_request_with_pinned_actions(kit):
    workflow = workflow_runner.load(kit / ".github" / "workflows" / "grade.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert workflow["env"]["FAIL_UNDER"] == ""  # --fail-under is off by default
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert set(uses) == {"actions/checkout", "actions/setup-python", "actions/upload-artifact"}
    assert all(PINNED.fullmatch(step["uses"]) for step in uses.values()), [s["uses"] for s in uses.values()]
    assert uses["actions/setup-python"]["with"]["python-version"]
    assert uses["actions/upload-artifact"]["with"]["path"].rstrip("/") == "out"
    runs = [step["run"] for step in steps if "run" in step]
    assert any("pip install" in run and ".grader/torcino_grader-*.whl" in run for run in runs)
    assert any("torcino-grade grade . --out out" in run and "--fail-under" in run for run in runs)
    assert any("out/summary.md" in run and "GITHUB_STEP_SUMMARY" in run for run in runs)
    always = [step.get("uses", step.get("run")) for step in steps if "always()" in str(step.get("if", ""))]
    assert len(always) == 2 and any("summary.md" in s for s in always) and any("upload-artifact" in s for s in always)


def checkout(kit, tmp_path, with_reference_layers=False):
    """A fresh copy of the kit, as a student's clone would be, optionally with the reference's layers."""
    repository = tmp_path / "repository"
    shutil.copytree(kit, repository)
    if with_reference_layers:
        for module in LAYER_MODULES:
            shutil.copy(REFERENCE / module, repository / "torcino" / module)
    return repository


def results_of(repository):
    return json.loads((repository / "out" / "results.json").read_text())


@pytest.mark.parametrize("fail_under, job_fails", [("", False), ("50", True)])
def test_the_workflow_grades_the_untouched_template_zero(kit, runner_python, tmp_path, fail_under, job_fails):
    repository = checkout(kit, tmp_path)
    workflow = workflow_runner.load(repository / ".github" / "workflows" / "grade.yml")
    job_summary = tmp_path / "job_summary.md"
    job = workflow_runner.run_job(workflow, repository, runner_python, job_summary, env={"FAIL_UNDER": fail_under})
    assert job.failed == job_fails, job.output
    assert job.statuses["Grade"] == (1 if job_fails else 0), job.output.get("Grade")
    assert all(status == 0 for name, status in job.statuses.items() if name != "Grade"), job.statuses
    assert results_of(repository)["score"] == 0 and results_of(repository)["extra_data"]["mode"] == "public"
    assert (repository / "out" / "report.html").is_file()
    summary = job_summary.read_text()
    assert summary.count("Lesson 8 grading: 0 / 100") == 1 and "public checks" in summary


def test_the_workflow_gives_the_reference_layers_full_marks(kit, runner_python, tmp_path):
    repository = checkout(kit, tmp_path, with_reference_layers=True)
    workflow = workflow_runner.load(repository / ".github" / "workflows" / "grade.yml")
    job = workflow_runner.run_job(workflow, repository, runner_python, tmp_path / "job_summary.md")
    assert not job.failed, job.output
    assert results_of(repository)["score"] == 100, job.output["Grade"]
    assert "Lesson 8 grading: 100 / 100" in (tmp_path / "job_summary.md").read_text()


def test_make_check_and_make_train_work_in_a_clone(kit, tmp_path):
    repository = checkout(kit, tmp_path)
    make = ["make", "--no-print-directory", f"PYTHON={sys.executable}"]
    check = subprocess.run([*make, "check"], cwd=repository, capture_output=True, text=True, timeout=900)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "public mode" in check.stdout and "0 / 100" in check.stdout and "out/report.html" in check.stdout
    for module in LAYER_MODULES:
        shutil.copy(REFERENCE / module, repository / "torcino" / module)
    check = subprocess.run([*make, "check"], cwd=repository, capture_output=True, text=True, timeout=900)
    assert check.returncode == 0 and "100 / 100" in check.stdout, check.stdout + check.stderr
    train = subprocess.run([*make, "train"], cwd=repository, capture_output=True, text=True, timeout=300)
    assert train.returncode == 0 and "test accuracy" in train.stdout, train.stdout + train.stderr
