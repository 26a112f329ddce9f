"""SoftmaxCrossEntropyLoss: softmax and cross-entropy in one numerically stable layer."""

import numpy as np


class SoftmaxCrossEntropyLoss:
    """loss = loss_fn(logits, targets); dLogits = loss_fn.backward().

    logits (N, classes), targets (N,) class indices; the loss is the mean over the batch.
    """

    def __init__(self) -> None:
        # BEGIN SOLUTION: lesson 8, lab 'SoftmaxCrossEntropyLoss': the cache
        self.probs: np.ndarray | None = None
        self.targets: np.ndarray | None = None
        # END SOLUTION

    def __call__(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """Same as forward(logits, targets)."""
        # BEGIN SOLUTION: lesson 8, lab 'SoftmaxCrossEntropyLoss': __call__ runs forward
        return self.forward(logits, targets)
        # END SOLUTION

    def forward(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """logits (N, classes), targets (N,) ints -> mean cross-entropy, a scalar.

        Shifts each row by its max and takes the log of the softmax as shifted - log(sum(exp)),
        so the loss stays finite even when a softmax probability underflows to 0.
        Caches the probabilities (N, classes) and the targets.
        """
        # BEGIN SOLUTION: lesson 8, lab 'SoftmaxCrossEntropyLoss': stable softmax and mean cross-entropy
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        self.targets = targets
        return -log_probs[np.arange(logits.shape[0]), targets].mean()
        # END SOLUTION

    def backward(self) -> np.ndarray:
        """-> dLogits (N, classes) = (probs - one_hot(targets)) / N."""
        # BEGIN SOLUTION: lesson 8, lab 'SoftmaxCrossEntropyLoss': backward returns dLogits
        assert self.probs is not None, "forward must run before backward"
        N = self.probs.shape[0]
        dLogits = self.probs.copy()
        dLogits[np.arange(N), self.targets] -= 1
        dLogits /= N
        return dLogits
        # END SOLUTION
