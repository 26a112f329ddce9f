"""SoftmaxCrossEntropyLoss: softmax and cross-entropy in one numerically stable layer."""

import numpy as np


class SoftmaxCrossEntropyLoss:
    """loss = loss_fn(logits, targets); dLogits = loss_fn.backward().

    logits (N, classes), targets (N,) class indices; the loss is the mean over the batch.
    """

    def __init__(self) -> None:
        raise NotImplementedError("lesson 8, lab 'SoftmaxCrossEntropyLoss': the cache")

    def __call__(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """Same as forward(logits, targets)."""
        raise NotImplementedError("lesson 8, lab 'SoftmaxCrossEntropyLoss': __call__ runs forward")

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """logits (N, classes), targets (N,) ints -> mean cross-entropy, a scalar.

        Shifts each row by its max and takes the log of the softmax as shifted - log(sum(exp)),
        so the loss stays finite even when a softmax probability underflows to 0.
        Caches the probabilities (N, classes) and the targets.
        """
        raise NotImplementedError("lesson 8, lab 'SoftmaxCrossEntropyLoss': stable softmax and mean cross-entropy")

    def backward(self) -> np.ndarray:
        """-> dLogits (N, classes) = (probs - one_hot(targets)) / N."""
        raise NotImplementedError("lesson 8, lab 'SoftmaxCrossEntropyLoss': backward returns dLogits")
