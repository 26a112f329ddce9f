"""The lesson's LeNet and its training protocol, for any namespace that has the lesson's classes.

The same code trains the reference (`python -m reference.train`), a student's package
(`python -m torcino.train`) and, later, a submission through the sandbox: `api` is anything with
attributes Conv2d, ReLU, MaxPool2d, Flatten, Linear, Sequential, SoftmaxCrossEntropyLoss and SGD.
Preprocessing and accuracy are computed here, never by the code under test.
"""

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Protocol:
    """How to train: the default is 2 epochs of SGD, lr 0.1, batch 64 on the 4,000 bundled images.

    seed seeds NumPy's global RNG where the model is built (He-normal init draws from it: in this
    process, or in the sandbox's worker) and, separately, the shuffling of the training set.
    """

    epochs: int = 2
    lr: float = 0.1
    batch_size: int = 64
    seed: int = 0


@dataclass
class TrainResult:
    """What one run of the protocol measured."""

    accuracy: float                                     # on the test images
    losses: list = field(default_factory=list)          # training loss per batch
    batch_seconds: list = field(default_factory=list)   # wall time per batch
    seconds: float = 0.0                                # whole run, evaluation included


def build_lenet(api):
    """Conv2d(1,4,5) -> ReLU -> MaxPool2d(2,2) -> Flatten -> Linear(576,32) -> ReLU -> Linear(32,10)."""
    return api.Sequential(
        api.Conv2d(1, 4, 5),
        api.ReLU(),
        api.MaxPool2d(2, 2),
        api.Flatten(),
        api.Linear(4 * 12 * 12, 32),
        api.ReLU(),
        api.Linear(32, 10),
    )


def seed_global_rng(api, seed):
    """Seed the global RNG that api's constructors draw from: the sandbox's worker (api.seed), or
    NumPy's in this process for a plain module."""
    if hasattr(api, "seed"):
        api.seed(seed)
    else:
        np.random.seed(seed)


def preprocess(X_train, X_test):
    """Raw pixels (N, 784) in [0, 255] -> float32 (N, 1, 28, 28): scaled to [0, 1], then
    standardised with the mean and std of all training pixels."""
    X_train = X_train.astype(np.float32) / 255.0
    X_test = X_test.astype(np.float32) / 255.0
    mean, std = X_train.mean(), X_train.std()
    standardise = lambda X: ((X - mean) / std).reshape(-1, 1, 28, 28)  # noqa: E731
    return standardise(X_train), standardise(X_test)


def scalar(loss):
    """The loss as a float; a ValueError that says what came back when it is not one number."""
    value = np.asarray(loss)
    if value.size != 1 or value.dtype.kind not in "biuf":
        raise ValueError(f"the loss function returned {type(loss).__name__} of shape {value.shape}, expected one number")
    return float(value.reshape(()))


def train_lenet(api, data, protocol=Protocol(), on_batch=None):
    """Train the lesson's LeNet built from api's classes on data = (Xtr, ytr, Xte, yte).

    on_batch(epoch, batch, batches_per_epoch, loss), if given, is called after every SGD step.
    Returns a TrainResult with the test accuracy computed here from the model's logits.
    """
    started = time.perf_counter()
    X_train, y_train, X_test, y_test = data
    X_train, X_test = preprocess(X_train, X_test)
    seed_global_rng(api, protocol.seed)
    model = build_lenet(api)
    loss_fn = api.SoftmaxCrossEntropyLoss()
    optimizer = api.SGD(model, lr=protocol.lr)
    result = TrainResult(accuracy=0.0)
    N, size = len(X_train), protocol.batch_size
    batches = -(-N // size)
    shuffling = np.random.default_rng(protocol.seed)
    for epoch in range(protocol.epochs):
        order = shuffling.permutation(N)
        for batch, start in enumerate(range(0, N, size)):
            batch_started = time.perf_counter()
            idx = order[start:start + size]
            logits = model(X_train[idx])
            loss = loss_fn(logits, y_train[idx])
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
            result.batch_seconds.append(time.perf_counter() - batch_started)
            result.losses.append(scalar(loss))
            if on_batch is not None:
                on_batch(epoch, batch, batches, result.losses[-1])
    logits = np.asarray(model(X_test))
    if logits.shape != (len(X_test), 10):
        raise ValueError(f"the model returned logits of shape {logits.shape} for {len(X_test)} test images, "
                         f"expected ({len(X_test)}, 10)")
    result.accuracy = float((logits.argmax(axis=1) == y_test).mean())
    result.seconds = time.perf_counter() - started
    return result
