"""Misconceptions of ReLU and Flatten (slides "Lab time: Implement ReLU as a Layer",
"Exercise: Implementing a Flatten Layer")."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import variant

RELU = 'Slide "Lab time: Implement ReLU as a Layer": '
FLATTEN = 'Slide "Exercise: Implementing a Flatten Layer": '
RELU_KINDS = ("forward_backward", "derivative_at_zero", "input_after_forward", "cache")
FLATTEN_KINDS = ("forward_backward", "two_forwards", "cache")


def relu_in_place(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        x[x < 0] = 0
        self.mask = x > 0
        return x

    return variant(ref.ReLU, forward=forward)


def relu_mask(condition: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def forward(self: Any, x: np.ndarray) -> Any:
            y = ref.ReLU.forward(self, x)
            self.mask = condition(x, y)
            return y

        return variant(ref.ReLU, forward=forward)

    return build


def relu_backward(compute: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def backward(self: Any, dY: np.ndarray) -> Any:
            return compute(self, dY)

        return variant(ref.ReLU, backward=backward)

    return build


def flatten_forward(reshape: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def forward(self: Any, x: np.ndarray) -> Any:
            ref.Flatten.forward(self, x)
            return reshape(x)

        return variant(ref.Flatten, forward=forward)

    return build


def flatten_first_shape(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        first = self.original_shape
        y = ref.Flatten.forward(self, x)
        self.original_shape = first if first is not None else x.shape
        return y

    return variant(ref.Flatten, forward=forward)


MISCONCEPTIONS = (
    Misconception(
        "relu.in_place",
        "ReLU",
        "ReLU forward zeroes the negative entries of its input in place",
        RELU + "forward returns a new array (x * mask or np.maximum(x, 0)); the caller's x stays as it was.",
        "your forward changed x the way x[x < 0] = 0 does",
        RELU_KINDS,
        relu_in_place,
    ),
    Misconception(
        "relu.grad_one_at_zero",
        "ReLU",
        "ReLU's mask is x >= 0, so ReLU'(0) = 1",
        RELU + "the mask is x > 0: the derivative at 0 is taken to be 0.",
        "your dX is 1 where x == 0",
        RELU_KINDS,
        relu_mask(lambda x, y: x >= 0),
    ),
    Misconception(
        "relu.backward_ignores_mask",
        "ReLU",
        "ReLU backward passes dY through unchanged, also where the input was negative",
        RELU + "backward multiplies dY by the mask forward kept: dX is 0 where the input was negative.",
        "your dX equals dY everywhere",
        RELU_KINDS,
        relu_backward(lambda layer, dY: dY),
    ),
    Misconception(
        "relu.backward_multiplies_output",
        "ReLU",
        "ReLU backward multiplies dY by the forward's output instead of by the mask",
        RELU + "dX = dY * mask, with mask = (x > 0): the derivative is 1, not x.",
        "your dX is dY * max(x, 0)",
        RELU_KINDS,
        relu_mask(lambda x, y: y),
    ),
    Misconception(
        "flatten.collapses_batch",
        "Flatten",
        "Flatten flattens the batch axis too: (N*C*H*W,) instead of (N, C*H*W)",
        FLATTEN + "input (N, C, H, W), output (N, C*H*W): x.reshape(N, -1) keeps the batch axis.",
        "your output is x.reshape(-1)",
        FLATTEN_KINDS,
        flatten_forward(lambda x: x.reshape(-1)),
    ),
    Misconception(
        "flatten.batch_of_one",
        "Flatten",
        "Flatten returns one row (1, N*C*H*W), right only for a batch of one",
        FLATTEN + "output (N, C*H*W): one row per sample, x.reshape(x.shape[0], -1).",
        "your output is x.reshape(1, -1)",
        FLATTEN_KINDS,
        flatten_forward(lambda x: x.reshape(1, -1)),
    ),
    Misconception(
        "flatten.fortran_order",
        "Flatten",
        "Flatten forward reshapes in Fortran order while backward restores in C order",
        FLATTEN + "forward x.reshape(N, -1) and backward dY.reshape(original_shape), both in C order.",
        'your output is x.reshape(N, -1, order="F")',
        FLATTEN_KINDS,
        flatten_forward(lambda x: x.reshape(x.shape[0], -1, order="F")),
    ),
    Misconception(
        "flatten.shape_first_call_only",
        "Flatten",
        "Flatten caches the input shape on the first call only; a later batch of another shape breaks backward",
        FLATTEN + "forward stores x.shape on every call; backward reshapes dY to the latest one.",
        "your backward reshapes to the first call's shape",
        FLATTEN_KINDS,
        flatten_first_shape,
    ),
)
