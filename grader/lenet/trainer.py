"""The lesson's LeNet and its training protocol, for any namespace that has the lesson's classes.

The same code trains the reference (`python -m reference.train`), a student's package
(`python -m torcino.train`) and a submission inside the sandbox's worker (this module is copied
there: it imports only numpy): `api` is anything with attributes Conv2d, ReLU, MaxPool2d, Flatten,
Linear, Sequential, SoftmaxCrossEntropyLoss and SGD. Preprocessing and accuracy are computed by
the grader, never by the code under test, and the test labels never enter the sandbox (in
instructor mode neither do the test images: grader.lenet.evaluation).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Protocol:
    """How to train: the default is 2 epochs of SGD, lr 0.05, batch 32 on the 4,000 bundled images
    (the rubric's [lenet] protocol; rubrics/lesson8.toml says why these values).

    seed seeds NumPy's global RNG where the model is built (He-normal init draws from it: in this
    process, or in the sandbox's worker) and, separately, the shuffling of the training set.
    """

    epochs: int = 2
    lr: float = 0.05
    batch_size: int = 32
    seed: int = 0


@dataclass
class TrainResult:
    """What one run of the protocol measured."""

    accuracy: float | None = None  # on the test images
    losses: list[float] = field(default_factory=list)  # training loss per batch
    batch_seconds: list[float] = field(default_factory=list)  # wall time per batch
    seconds: float = 0.0  # whole run, evaluation included


def lenet_layers(api: Any) -> list[Any]:
    """Conv2d(1,4,5), ReLU, MaxPool2d(2,2), Flatten, Linear(576,32), ReLU, Linear(32,10) built from api."""
    return [
        api.Conv2d(1, 4, 5),
        api.ReLU(),
        api.MaxPool2d(2, 2),
        api.Flatten(),
        api.Linear(4 * 12 * 12, 32),
        api.ReLU(),
        api.Linear(32, 10),
    ]


def build_lenet(api: Any) -> Any:
    """Conv2d(1,4,5) -> ReLU -> MaxPool2d(2,2) -> Flatten -> Linear(576,32) -> ReLU -> Linear(32,10)."""
    return api.Sequential(*lenet_layers(api))


PARAMETRIC_LAYERS = (0, 4, 6)  # positions of the LeNet's layers with a weight and a bias
PARAMETER_SHAPES = ((4, 1, 5, 5), (4,), (32, 576), (32,), (10, 32), (10,))  # weight, bias of each, in order


def layer_parameters(layers: list[Any]) -> list[np.ndarray]:
    """[conv weight, conv bias, fc1 weight, fc1 bias, fc2 weight, fc2 bias] as arrays, read from the
    layers' `weight` and `bias` attributes (the lesson's names; a wrapper with `.data`, as in a
    PyTorch-like Parameter, is unwrapped)."""
    values = []
    for position in PARAMETRIC_LAYERS:
        for name in ("weight", "bias"):
            value = getattr(layers[position], name)
            if not isinstance(value, np.ndarray) and hasattr(value, "data"):
                value = value.data
            values.append(np.array(value))
    return values


def load_parameters(layers: list[Any], values: list[np.ndarray]) -> None:
    """Copy values (layer_parameters' order) into the layers' weight and bias arrays in place (into a
    wrapper's `.data`), so that whatever the layers derived from those arrays sees them; an attribute
    that is not an array of that shape is replaced instead."""
    names = [(position, name) for position in PARAMETRIC_LAYERS for name in ("weight", "bias")]
    for (position, name), value in zip(names, values, strict=True):
        current = getattr(layers[position], name)
        target = current.data if not isinstance(current, np.ndarray) and hasattr(current, "data") else current
        if isinstance(target, np.ndarray) and target.shape == np.shape(value):
            target[...] = value
        else:
            setattr(layers[position], name, np.array(value))


def seed_global_rng(api: Any, seed: int) -> None:
    """Seed the global RNG that api's constructors draw from: the sandbox's worker (api.seed), or
    NumPy's in this process for a plain module."""
    if hasattr(api, "seed"):
        api.seed(seed)
    else:
        np.random.seed(seed)


def preprocess(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw pixels (N, 784) in [0, 255] -> float32 (N, 1, 28, 28): scaled to [0, 1], then
    standardised with the mean and std of all training pixels."""
    X_train = X_train.astype(np.float32) / 255.0
    X_test = X_test.astype(np.float32) / 255.0
    mean, std = X_train.mean(), X_train.std()
    standardise = lambda X: ((X - mean) / std).reshape(-1, 1, 28, 28)  # noqa: E731
    return standardise(X_train), standardise(X_test)


def scalar(loss: Any) -> float:
    """The loss as a float; a ValueError that says what came back when it is not one number."""
    value = np.asarray(loss)
    if value.size != 1 or value.dtype.kind not in "biuf":
        raise ValueError(
            f"the loss function returned {type(loss).__name__} of shape {value.shape}, expected one number"
        )
    return float(value.reshape(()))


class Trainer:
    """One LeNet built from api's classes, trained one SGD step at a time.

    The worker holds one (the grader drives it batch by batch through the sandbox, so that every
    step has the per-call time limit and the run can stop at a checkpoint); train() drives one
    in-process for `python -m reference.train`. X_train (N, 1, 28, 28) float32, y_train (N,) ints.
    """

    def __init__(self, api: Any, X_train: np.ndarray, y_train: np.ndarray, protocol: Protocol = Protocol()) -> None:
        seed_global_rng(api, protocol.seed)
        self.layers = lenet_layers(api)
        self.model = api.Sequential(*self.layers)
        self.loss_fn = api.SoftmaxCrossEntropyLoss()
        self.optimizer = api.SGD(self.model, lr=protocol.lr)
        self.X_train, self.y_train = X_train, y_train

    def step(self, indices: np.ndarray) -> float:
        """One SGD step on the training images at indices (batch,): the loss as a float."""
        logits = self.model(self.X_train[indices])
        loss = self.loss_fn(logits, self.y_train[indices])
        self.optimizer.zero_grad()
        self.model.backward(self.loss_fn.backward())
        self.optimizer.step()
        return scalar(loss)

    def logits(self, X: np.ndarray) -> np.ndarray:
        """The model's logits for X (M, 1, 28, 28), as an array."""
        return np.asarray(self.model(X))

    def parameters(self) -> list[np.ndarray]:
        """The trained weights and biases of the layers this Trainer built (layer_parameters)."""
        return layer_parameters(self.layers)

    def load_parameters(self, values: list[np.ndarray]) -> None:
        """Give this Trainer's layers another's trained weights and biases (load_parameters)."""
        load_parameters(self.layers, values)


HOPELESS_LOSS = 1.6  # a checkpoint whose mean training loss since the last one is above this is not evaluated
# (chance level is ln 10 = 2.30; in 60 runs of the reference no checkpoint reached 0.70 with a loss above 1.6,
# none above 0.63 at lr 0.05, batch 32):
# it only saves time, since the last checkpoint is always evaluated


def checkpoint_due(number: int, total: int, losses: list[float], every: int) -> bool:
    """Whether the model is evaluated after batch number (1-based) of total: always after the last one,
    and every `every` batches when the mean of the last `every` training losses is below HOPELESS_LOSS."""
    return number == total or (number % every == 0 and float(np.mean(losses[-every:])) < HOPELESS_LOSS)


def batch_order(protocol: Protocol, N: int) -> list[np.ndarray]:
    """The batches of the whole protocol, in order: a list of index arrays (shuffled per epoch from
    protocol.seed, the last batch of an epoch possibly smaller)."""
    shuffling = np.random.default_rng(protocol.seed)
    batches = []
    for _ in range(protocol.epochs):
        order = shuffling.permutation(N)
        batches += [order[start : start + protocol.batch_size] for start in range(0, N, protocol.batch_size)]
    return batches


OnBatch = Callable[[int, int, int, float], object]  # on_batch(epoch, batch, batches_per_epoch, loss)


def train(
    api: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    protocol: Protocol = Protocol(),
    on_batch: OnBatch | None = None,
) -> tuple[np.ndarray, TrainResult]:
    """Train the lesson's LeNet built from api's classes; returns (logits for X_test, TrainResult).

    X_train (N, 1, 28, 28) float32 preprocessed, y_train (N,) ints, X_test (M, 1, 28, 28).
    on_batch(epoch, batch, batches_per_epoch, loss) is called after every SGD step.
    """
    started = time.perf_counter()
    trainer = Trainer(api, X_train, y_train, protocol)
    result = TrainResult()
    per_epoch = -(-len(X_train) // protocol.batch_size)
    for number, indices in enumerate(batch_order(protocol, len(X_train))):
        batch_started = time.perf_counter()
        result.losses.append(trainer.step(indices))
        result.batch_seconds.append(time.perf_counter() - batch_started)
        if on_batch is not None:
            on_batch(number // per_epoch, number % per_epoch, per_epoch, result.losses[-1])
    logits = trainer.logits(X_test)
    result.seconds = time.perf_counter() - started
    return logits, result


def accuracy(logits: ArrayLike, y_test: np.ndarray) -> float:
    """Share of test images whose largest logit is their label; logits must be (N, 10)."""
    logits = np.asarray(logits)
    if logits.shape != (len(y_test), 10) or logits.dtype.kind not in "biuf":
        raise ValueError(
            f"the model returned logits of shape {logits.shape} for {len(y_test)} test images, "
            f"expected ({len(y_test)}, 10)"
        )
    return float((logits.argmax(axis=1) == y_test).mean())


def train_lenet(
    api: Any,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    protocol: Protocol = Protocol(),
    on_batch: OnBatch | None = None,
) -> TrainResult:
    """Preprocess data = (Xtr, ytr, Xte, yte), train, and score: a TrainResult with the accuracy."""
    started = time.perf_counter()
    X_train, y_train, X_test, y_test = data
    X_train, X_test = preprocess(X_train, X_test)
    logits, result = train(api, X_train, y_train, X_test, protocol, on_batch)
    result.accuracy = accuracy(logits, y_test)
    result.seconds = time.perf_counter() - started
    return result


def layer_times(api: Any, X: np.ndarray, repeats: int = 3) -> list[dict[str, Any]]:
    """[{"layer", "forward_ms", "backward_ms"}]: each LeNet layer's best time on the batch X."""
    rows = []
    for position, layer in enumerate(build_lenet(api).layers):
        forward, out = _best_time(partial(layer.forward, X), repeats)
        dY = np.ones_like(np.asarray(out))
        backward, _ = _best_time(partial(layer.backward, dY), repeats)
        rows.append(
            {"layer": f"{position}: {type(layer).__name__}", "forward_ms": forward * 1e3, "backward_ms": backward * 1e3}
        )
        X = np.asarray(out)
    return rows


def _best_time(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - started)
    return best, value
