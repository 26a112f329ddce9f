"""`pip install .` (not editable) gives both packages, the bundled data and the console script."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("torcino_grader-*.whl")
    return path


def test_wheel_holds_both_packages_the_data_and_the_console_script(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {"grader/data/mnist_5k.npz", "grader/rubrics/lesson8.toml", "grader/fixtures/public.npz"} <= set(names)
    assert {"grader/checks/conftest.py", "grader/checks/test_layers.py", "grader/sandbox/worker.py"} <= set(names)
    assert {"grader/__init__.py", "grader/lenet.py", "reference/__init__.py", "reference/train.py"} <= set(names)
    assert not any(name.startswith(("tests/", "student_template/", "bench/")) for name in names)
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "torcino-grade = grader.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_loads_the_bundled_data_and_trains_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import grader, reference; from grader.data import load_mnist; "
        f"assert grader.__file__.startswith({str(target)!r}), grader.__file__; "
        "print(len(load_mnist()[0]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "4000"
    train = subprocess.run(
        [sys.executable, "-m", "reference.train", "--epochs", "1"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert train.returncode == 0, train.stderr
    assert "test accuracy" in train.stdout
    graded = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(target / "reference"), "--out", "out"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert graded.returncode == 0, graded.stderr
    assert "100 / 100" in graded.stdout and (tmp_path / "out" / "results.json").is_file()
