"""Build the grader's wheel, with or without the reference solution.

The student kit vendors a wheel built without the `reference` package (public mode: the checks
replay grader/fixtures/public.npz); the Gradescope autograder ships the full one (instructor mode).
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "grader", "rubrics", "student_template")
PACKAGES = re.compile(r"^packages = \[(.*)\]$", re.M)


def without_reference(pyproject):
    """pyproject.toml's text with the reference package left out of the packages list."""
    match = PACKAGES.search(pyproject)
    if not match or '"reference"' not in match.group(1):
        raise ValueError('pyproject.toml: [tool.setuptools] packages = [...] does not list "reference"')
    packages = [p.strip() for p in match.group(1).split(",") if p.strip() != '"reference"']
    return pyproject[: match.start(1)] + ", ".join(packages) + pyproject[match.end(1) :]


def write_kit_subset(full, target):
    """The bundled MNIST subset without its held-out test images (grader.lenet.data.kit_part): the kit's
    wheel must not carry the instructor mode's test set."""
    sys.path.insert(0, str(ROOT))
    from grader.lenet.data import KIT_TEST_IMAGES

    with np.load(full, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["x_test"], arrays["y_test"] = arrays["x_test"][:KIT_TEST_IMAGES], arrays["y_test"][:KIT_TEST_IMAGES]
    with open(target, "wb") as out:
        np.savez_compressed(out, **arrays)


def build_wheel(out_dir, with_reference=True):
    """Build torcino_grader-<version>-py3-none-any.whl into out_dir from a clean copy of the
    sources (no build/ or egg-info of the checkout leaks in); returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        source.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        for name in SOURCES + (("reference",) if with_reference else ()):
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=ignore)
            else:
                shutil.copy(path, source / name)
        if not with_reference:
            pyproject = source / "pyproject.toml"
            pyproject.write_text(without_reference(pyproject.read_text()))
            write_kit_subset(ROOT / "grader" / "data" / "mnist_5k.npz", source / "grader" / "data" / "mnist_5k.npz")
        wheels = Path(scratch) / "wheels"
        build = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--wheel-dir",
                str(wheels),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if build.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{build.stdout}{build.stderr}")
        (wheel,) = wheels.glob("torcino_grader-*.whl")
        target = out_dir / wheel.name
        shutil.copy(wheel, target)
    return target


if __name__ == "__main__":
    print(
        build_wheel(
            sys.argv[1] if len(sys.argv) > 1 else ROOT / "dist", with_reference="--without-reference" not in sys.argv
        )
    )
