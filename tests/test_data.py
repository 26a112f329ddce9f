"""The MNIST loader: bundled subset, the lesson's .npy directory, a Keras-style npz, and bad inputs."""

import numpy as np
import pytest

from grader.lenet.data import DataError, bundled_path, load_mnist


def lesson_arrays(n_train=30, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train_images.npy": rng.integers(0, 256, (n_train, 784)).astype(np.uint8),
        "train_labels.npy": rng.integers(0, 10, n_train),
        "test_images.npy": rng.integers(0, 256, (n_test, 784)).astype(np.float64),
        "test_labels.npy": rng.integers(0, 10, n_test).astype(np.float32),
    }


def write_lesson_dir(directory, arrays):
    for name, array in arrays.items():
        np.save(directory / name, array)
    return directory


def check_protocol_arrays(data, n_train, n_test):
    Xtr, ytr, Xte, yte = data
    assert Xtr.shape == (n_train, 784) and Xte.shape == (n_test, 784)
    assert Xtr.dtype == Xte.dtype == np.float32 and ytr.dtype == yte.dtype == np.int64
    assert Xtr.min() >= 0 and Xtr.max() <= 255 and set(np.unique(ytr)) <= set(range(10))


def test_bundled_subset_is_a_stratified_4000_1000_split_under_one_megabyte():
    Xtr, ytr, Xte, yte = data = load_mnist()
    check_protocol_arrays(data, 4000, 1000)
    assert np.bincount(ytr).tolist() == [400] * 10 and np.bincount(yte).tolist() == [100] * 10
    assert Xtr.max() == 255 and bundled_path().stat().st_size < 1_000_000
    train_images = {image.tobytes() for image in Xtr}
    assert not any(image.tobytes() in train_images for image in Xte)  # no image in both splits


def test_lesson_npy_directory(tmp_path):
    arrays = lesson_arrays()
    data = load_mnist(write_lesson_dir(tmp_path, arrays))
    check_protocol_arrays(data, 30, 10)
    np.testing.assert_array_equal(data[0], arrays["train_images.npy"])
    np.testing.assert_array_equal(data[3], arrays["test_labels.npy"])


@pytest.mark.parametrize("as_directory", [False, True])
def test_keras_style_npz(tmp_path, as_directory):
    rng = np.random.default_rng(1)
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (20, 28, 28)).astype(np.uint8),
        y_train=rng.integers(0, 10, 20),
        x_test=rng.integers(0, 256, (5, 28, 28)).astype(np.uint8),
        y_test=rng.integers(0, 10, 5),
    )
    check_protocol_arrays(load_mnist(tmp_path if as_directory else path), 20, 5)


BAD_LESSON_FILES = [
    # (file to change, replacement or None to delete it, words the error must contain)
    ("train_labels.npy", None, ["train_labels.npy", "missing"]),
    ("train_images.npy", np.zeros((30, 785)), ["train_images.npy", "(N, 784)", "(30, 785)"]),
    ("test_images.npy", np.full((10, 784), 300.0), ["test_images.npy", "[0, 255]"]),
    ("test_images.npy", np.full((10, 784), np.nan), ["test_images.npy", "[0, 255]"]),
    ("train_images.npy", np.zeros((30, 784), dtype=bool), ["train_images.npy", "dtype bool"]),
    ("train_labels.npy", np.zeros(29, dtype=int), ["train_labels.npy", "(30,)", "(29,)"]),
    ("train_labels.npy", np.full(30, 10), ["train_labels.npy", "0..9"]),
    ("test_labels.npy", np.full(10, 2.5), ["test_labels.npy", "integer"]),
    ("test_labels.npy", np.zeros((10, 10)), ["test_labels.npy", "(10,)"]),
]


@pytest.mark.parametrize(
    "name, replacement, words", BAD_LESSON_FILES, ids=[f"{name}-{words[-1]}" for name, _, words in BAD_LESSON_FILES]
)
def test_bad_lesson_files_give_a_one_line_error_naming_the_file(tmp_path, name, replacement, words):
    arrays = lesson_arrays()
    if replacement is None:
        del arrays[name]
    else:
        arrays[name] = replacement
    write_lesson_dir(tmp_path, arrays)
    with pytest.raises(DataError) as error:
        load_mnist(tmp_path)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_a_pickled_object_array_is_refused(tmp_path):
    arrays = lesson_arrays()
    write_lesson_dir(tmp_path, arrays)
    np.save(tmp_path / "train_labels.npy", np.array([{"x": 1}] * 30, dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"train_labels\.npy: not a NumPy \.npy array"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "setup, words",
    [
        (lambda d: d / "nowhere", ["nowhere", "no such file"]),
        (lambda d: d, ["no MNIST data here", "train_images.npy"]),
        (lambda d: (d / "data.csv").write_text("1,2") and d / "data.csv", ["data.csv", ".npz"]),
        (lambda d: (d / "mnist.npz").write_text("not a zip") and d / "mnist.npz", ["mnist.npz", "not a NumPy .npz"]),
        (
            lambda d: np.savez(d / "m.npz", x_train=np.zeros((1, 784))) or d / "m.npz",
            ["m.npz", "missing array 'y_train'"],
        ),
    ],
    ids=["missing", "empty-dir", "wrong-type", "corrupt-npz", "npz-missing-key"],
)
def test_bad_sources_give_a_one_line_error(tmp_path, setup, words):
    with pytest.raises(DataError) as error:
        load_mnist(setup(tmp_path))
    assert "\n" not in str(error.value)
    for word in words:
        assert word in str(error.value)
