"""Misconceptions of SoftmaxCrossEntropyLoss (slides "Implementation: Forward Pass (NumPy)",
"Implementation: Backward Pass (NumPy)", "Lab time: Implement SoftmaxCrossEntropyLoss")."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import variant

FORWARD = 'Slide "Implementation: Forward Pass (NumPy)": '
BACKWARD = 'Slide "Implementation: Backward Pass (NumPy)": '
KINDS = ("loss",)


def unshifted(ref: ModuleType) -> type:
    def forward(self: Any, logits: np.ndarray, targets: np.ndarray) -> Any:
        with np.errstate(all="ignore"):
            log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))  # the slide's, unshifted
            self.probs, self.targets = np.exp(log_probs), targets
            return -log_probs[np.arange(len(logits)), targets].mean()

    return variant(ref.SoftmaxCrossEntropyLoss, forward=forward)


def scaled(value: Any, gradient: Any) -> Any:
    def build(ref: ModuleType) -> type:
        base = ref.SoftmaxCrossEntropyLoss

        def forward(self: Any, logits: np.ndarray, targets: np.ndarray) -> Any:
            return value(base.forward(self, logits, targets), logits)

        def backward(self: Any) -> Any:
            return gradient(base.backward(self), self)

        return variant(base, forward=forward, backward=backward)

    return build


def one_hot(probs: Any, targets: np.ndarray) -> np.ndarray:
    encoded = np.zeros_like(probs)
    encoded[np.arange(len(targets)), targets] = 1.0
    return encoded


def one_hot_targets(ref: ModuleType) -> type:
    base = ref.SoftmaxCrossEntropyLoss

    def forward(self: Any, logits: np.ndarray, targets: np.ndarray) -> Any:
        base.forward(self, logits, np.zeros(len(logits), dtype=int))  # for self.probs
        self.targets = targets
        log_probs = np.log(self.probs)
        return -(log_probs * targets).sum(axis=1).mean()

    def backward(self: Any) -> Any:
        return (self.probs - self.targets) / self.probs.shape[0]

    return variant(base, forward=forward, backward=backward)


def _m(id: str, title: str, rule: str, relation: str, build: Any) -> Misconception:
    return Misconception(f"loss.{id}", "SoftmaxCrossEntropyLoss", title, rule, relation, KINDS, build)


MISCONCEPTIONS = (
    _m(
        "no_max_shift",
        "softmax without subtracting each row's max: exp overflows for large logits",
        FORWARD + "Step 1: Softmax shifts each row by its max before np.exp, so that exp never overflows.",
        "your loss is not finite exactly where exp(logits) overflows",
        unshifted,
    ),
    _m(
        "sum_not_mean",
        "the loss is the sum over the batch instead of the mean (value and dLogits)",
        BACKWARD + "Loss: L = 1/N sum L_sample, so dLogits = (probs - targets) / N.",
        "your loss and dLogits are N times the expected ones (N = the batch size)",
        scaled(lambda value, logits: value * len(logits), lambda grad, loss: grad * len(grad)),
    ),
    _m(
        "value_sum_not_mean",
        "the loss value is the sum over the batch instead of the mean (dLogits are right)",
        'Slide "Implementation: Backward Pass (NumPy)": Loss: L = 1/N sum L_sample, the batch mean.',
        "your loss is N times the expected one (N = the batch size), your dLogits are right",
        scaled(lambda value, logits: value * len(logits), lambda grad, loss: grad),
    ),
    _m(
        "dlogits_not_divided_by_n",
        "the gradient is not divided by the batch size N",
        BACKWARD + "dLogits = (probs - targets) / N, because the loss is the batch mean.",
        "your dLogits are N times the expected ones (N = the batch size), your loss is right",
        scaled(lambda value, logits: value, lambda grad, loss: grad * len(grad)),
    ),
    _m(
        "dlogits_without_one_hot",
        "backward returns probs / N, forgetting to subtract the one-hot targets",
        BACKWARD + "dLogits = probs.copy(); dLogits[np.arange(N), targets] -= 1; dLogits /= N.",
        "your dLogits are the expected ones plus one_hot(targets) / N",
        scaled(lambda value, logits: value, lambda grad, loss: grad + one_hot(grad, loss.targets) / len(grad)),
    ),
    _m(
        "dlogits_sign",
        "dLogits has the wrong sign: (one_hot - probs) / N instead of (probs - one_hot) / N",
        BACKWARD + "dLogits = (probs - targets) / N.",
        "your dLogits are minus the expected ones",
        scaled(lambda value, logits: value, lambda grad, loss: -grad),
    ),
    _m(
        "one_hot_targets",
        "the loss expects one-hot targets (N, classes) where the lesson passes class indices (N,)",
        'Slide "Lab time: Implement SoftmaxCrossEntropyLoss": targets are class indices of shape (N,); '
        "pick log_probs[np.arange(N), targets].",
        "your values are those of -(log_probs * targets) with class indices as targets",
        one_hot_targets,
    ),
)
