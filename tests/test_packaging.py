"""`pip install .` (not editable) gives both packages, the bundled data and the console script."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
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
    assert {"grader/__init__.py", "grader/lenet/trainer.py", "reference/__init__.py", "reference/train.py"} <= set(
        names
    )
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
        "import grader, reference; from grader.lenet.data import load_mnist; "
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


@pytest.mark.slow
def test_a_plain_install_in_a_fresh_venv_grades_a_class_and_writes_the_similarity_table(tmp_path):
    """`pip install .` (no extras) then `torcino-grade batch DIR --out OUT`: the default path, similarity
    included, works outside the checkout (the base code comes from the installed grader/template)."""
    from tests.helpers.submission_formats import module_sources, single_source

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr
    directory = tmp_path / "class"
    directory.mkdir()
    code = single_source(module_sources())
    (directory / "alice.py").write_text(code)
    (directory / "bob.py").write_text(code)  # a copy: the pair must be flagged
    batch = subprocess.run(
        [str(venv / "bin" / "torcino-grade"), "batch", str(directory), "--out", "out", "--jobs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert "2 graded" in batch.stdout and "similarity: 1 pairs" in batch.stdout
    grades = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(grades) == 3 and all(",100.0,100.0,graded," in line for line in grades[1:])
    pairs = (tmp_path / "out" / "similarity.csv").read_text().splitlines()
    assert len(pairs) == 2 and pairs[1].startswith("alice,") and ",bob," in pairs[1]
