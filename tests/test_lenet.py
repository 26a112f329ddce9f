"""The lesson's LeNet trained with the reference under the default protocol."""

import numpy as np
import pytest

import reference
from grader.lenet.data import load_mnist
from grader.lenet.trainer import Protocol, build_lenet, preprocess, train_lenet

SEEDS = range(20)


@pytest.fixture(scope="module")
def data():
    return load_mnist()


def test_lenet_has_the_lessons_layers_and_shapes():
    model = build_lenet(reference)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
        "Linear",
        "ReLU",
        "Linear",
    ]
    assert model(np.zeros((3, 1, 28, 28), dtype=np.float32)).shape == (3, 10)


def test_preprocess_standardises_with_training_statistics(data):
    X_train, X_test = preprocess(data[0], data[2])
    assert X_train.shape == (4000, 1, 28, 28) and X_test.shape == (1000, 1, 28, 28)
    assert X_train.dtype == np.float32
    assert abs(X_train.mean()) < 1e-4 and abs(X_train.std() - 1) < 1e-3


def test_default_seed_reaches_80_percent_and_is_reproducible(data):
    first = train_lenet(reference, data, Protocol())
    again = train_lenet(reference, data, Protocol())
    assert first.accuracy >= 0.80
    assert first.losses == again.losses and first.accuracy == again.accuracy
    assert len(first.losses) == 2 * 125 and first.losses[-1] < first.losses[0]


@pytest.mark.slow
def test_accuracy_over_20_seeds(data, report):
    accuracies = np.array([train_lenet(reference, data, Protocol(seed=seed)).accuracy for seed in SEEDS])
    report(
        f"LeNet protocol {Protocol()} with the reference over {len(SEEDS)} seeds: "
        f"min {accuracies.min():.3f}, median {np.median(accuracies):.3f}, max {accuracies.max():.3f}"
    )
    # the guard is on the distribution's bulk (these 20 seeds: 0.87 to 0.93 at lr 0.05, batch 32; lr 0.1 at
    # batch 64 had a long lower tail); bench/lenet_threshold.py sets the grader's threshold from many more seeds.
    assert np.median(accuracies) >= 0.85 and (accuracies >= 0.75).sum() >= 18


def test_training_through_the_sandbox_matches_training_in_process(data):
    """Sequential(conv, relu, ...) and SGD(model) across the sandbox boundary, with the reference."""
    import tempfile

    from grader.sandbox.runner import Limits, Sandbox
    from tests.helpers.submission_formats import build

    protocol = Protocol(epochs=1)
    in_process = train_lenet(reference, data, protocol)
    with tempfile.TemporaryDirectory() as directory, Sandbox(build("package", directory), Limits()) as box:
        sandboxed = train_lenet(box.api, data, protocol)
        assert box.incidents == []
    np.testing.assert_allclose(sandboxed.losses, in_process.losses, rtol=1e-3)
    assert abs(sandboxed.accuracy - in_process.accuracy) <= 0.01
