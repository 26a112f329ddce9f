"""MNIST for the LeNet protocol: the bundled 5,000-image subset, the lesson's .npy files, or a
Keras-style mnist.npz. No network, ever.

load_mnist(source) -> (Xtr, ytr, Xte, yte):
    Xtr (N_train, 784) float32 raw pixels in [0, 255], ytr (N_train,) int64 in 0..9, likewise test.
source:
    None            the bundled subset, grader/data/mnist_5k.npz: 4,000 train / 1,000 test images,
                    a stratified split with a fixed seed (scripts/build_mnist_subset.py);
    a directory     holding the lesson's train_images.npy (N, 784), train_labels.npy (N,),
                    test_images.npy and test_labels.npy, or else a mnist.npz;
    a .npz file     Keras-style, with x_train (N, 28, 28), y_train, x_test, y_test.
Anything else fails with a DataError whose one-line message names the file and what was expected.

The bundled subset's test images are split in two (lenet_data): the first KIT_TEST_IMAGES ship in the
student kit (scripts/build_wheel.py leaves the others out of its wheel) and are the public mode's test
set; the other 500 are held out, the instructor mode's test set, which no student has seen.
"""

from importlib import resources
from pathlib import Path
from zipfile import BadZipFile

import numpy as np

Mnist = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (Xtr, ytr, Xte, yte)

LESSON_FILES = ("train_images.npy", "train_labels.npy", "test_images.npy", "test_labels.npy")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
PIXELS = 28 * 28
CLASSES = 10


KIT_TEST_IMAGES = 500  # of the bundled subset's 1,000 test images (both halves have 43 to 57 per digit)


class DataError(ValueError):
    """A data source that is missing or not what the protocol expects; the message is one line."""


def bundled_path() -> Path:
    """Path of the bundled subset inside the installed grader package."""
    return Path(str(resources.files("grader") / "data" / "mnist_5k.npz"))


def load_mnist(source: str | Path | None = None) -> Mnist:
    """(Xtr, ytr, Xte, yte) from source (see the module docstring); raises DataError."""
    path = bundled_path() if source is None else Path(source)
    if path.is_dir():
        if any((path / name).exists() for name in LESSON_FILES):
            return _from_lesson_files(path)
        if (path / "mnist.npz").exists():
            return _from_npz(path / "mnist.npz")
        raise DataError(f"{path}: no MNIST data here (expected {', '.join(LESSON_FILES)} or mnist.npz)")
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.suffix != ".npz":
        raise DataError(f"{path}: expected a directory of the lesson's .npy files or a .npz file")
    return _from_npz(path)


def kit_part(mnist: Mnist) -> Mnist:
    """The bundled subset as the student kit ships it: every training image, the first
    KIT_TEST_IMAGES test images (unchanged when it is already the kit's copy)."""
    Xtr, ytr, Xte, yte = mnist
    return Xtr, ytr, Xte[:KIT_TEST_IMAGES], yte[:KIT_TEST_IMAGES]


def held_out_part(mnist: Mnist) -> Mnist:
    """The bundled subset with only its held-out test images (those after the kit's)."""
    Xtr, ytr, Xte, yte = mnist
    if len(Xte) <= KIT_TEST_IMAGES:
        raise DataError(f"{bundled_path()}: the student kit's copy has no held-out test images (instructor mode)")
    return Xtr, ytr, Xte[KIT_TEST_IMAGES:], yte[KIT_TEST_IMAGES:]


def lenet_data(source: str | Path | None, instructor: bool) -> Mnist:
    """The LeNet item's data: load_mnist(source); for the bundled subset, the held-out test images in
    instructor mode and the kit's in public mode. A source of the instructor's own is used whole."""
    mnist = load_mnist(source)
    if source is not None:
        return mnist
    return held_out_part(mnist) if instructor else kit_part(mnist)


def _from_lesson_files(directory: Path) -> Mnist:
    arrays = []
    for name in LESSON_FILES:
        file = directory / name
        if not file.exists():
            raise DataError(f"{file}: missing (the lesson's four files are {', '.join(LESSON_FILES)})")
        try:
            arrays.append(np.load(file, allow_pickle=False))
        except (ValueError, OSError) as error:
            raise DataError(f"{file}: not a NumPy .npy array ({_first_line(error)})") from None
    return _validated([str(directory / name) for name in LESSON_FILES], arrays)


def _from_npz(file: Path) -> Mnist:
    try:
        with np.load(file, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DataError(f"{file}: missing array {missing[0]!r} (expected {', '.join(NPZ_KEYS)})")
            arrays = [archive[key] for key in NPZ_KEYS]
    except (ValueError, OSError, BadZipFile) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"{file}: not a NumPy .npz archive ({_first_line(error)})") from None
    return _validated([f"{file}[{key}]" for key in NPZ_KEYS], arrays)


def _validated(names: list[str], arrays: list[np.ndarray]) -> Mnist:
    """Check shapes, dtypes and ranges of (x_train, y_train, x_test, y_test), each named for its
    error message; return (Xtr, ytr, Xte, yte) in the protocol's dtypes."""
    (x_train_name, y_train_name, x_test_name, y_test_name) = names
    x_train, y_train, x_test, y_test = arrays
    Xtr, Xte = _images(x_train_name, x_train), _images(x_test_name, x_test)
    return Xtr, _labels(y_train_name, y_train, len(Xtr)), Xte, _labels(y_test_name, y_test, len(Xte))


def _images(name: str, x: np.ndarray) -> np.ndarray:
    if x.ndim == 3 and x.shape[1:] == (28, 28):
        x = x.reshape(len(x), PIXELS)
    if x.ndim != 2 or x.shape[1] != PIXELS or len(x) == 0:
        raise DataError(f"{name}: expected images of shape (N, 784) or (N, 28, 28), got {x.shape}")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise DataError(f"{name}: expected integer or float pixels, got dtype {x.dtype}")
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 255:
        raise DataError(f"{name}: expected pixel values in [0, 255], got [{x.min()}, {x.max()}]")
    return x.astype(np.float32)


def _labels(name: str, y: np.ndarray, count: int) -> np.ndarray:
    if y.ndim != 1 or len(y) != count:
        raise DataError(f"{name}: expected labels of shape ({count},) to match the images, got {y.shape}")
    numeric = np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)
    if not numeric or not np.isfinite(y).all() or (y != np.round(y)).any():
        raise DataError(f"{name}: expected integer class labels, got dtype {y.dtype}")
    if y.min() < 0 or y.max() >= CLASSES:
        raise DataError(f"{name}: expected labels in 0..{CLASSES - 1}, got [{y.min()}, {y.max()}]")
    return y.astype(np.int64)


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
