"""Misconceptions of Linear (slides "Lab time: Implementing a Linear Layer", "Class Linear: Function Signatures")."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import change_added, module_of, variant

LAB = 'Slide "Lab time: Implementing a Linear Layer": '
SIGNATURES = 'Slide "Class Linear: Function Signatures": '
KINDS = ("layer.forward", "layer.backward", "cache", "accumulation")  # every experiment on the layer


def untransposed_forward(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        self.x = x
        y = x @ self.weight
        return y if self.bias is None else y + self.bias

    return variant(ref.Linear, forward=forward)


def weight_in_out(ref: ModuleType) -> type:
    def __init__(self: Any, in_features: int, out_features: int, bias: bool = True) -> None:
        ref.Linear.__init__(self, in_features, out_features, bias)
        self.weight = module_of(ref, "Linear").he_normal((in_features, out_features), fan_in=in_features)
        self.grad_weight = np.zeros_like(self.weight)

    def backward(self: Any, dY: np.ndarray) -> Any:
        self.grad_weight += self.x.T @ dY
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dY @ self.weight.T

    return variant(untransposed_forward(ref), __init__=__init__, backward=backward)


def backward_changed(grad_weight: Any = None, grad_bias: Any = None, dX: Any = None) -> Any:
    def build(ref: ModuleType) -> type:
        def backward(self: Any, dY: np.ndarray) -> Any:
            changes = {}
            if grad_weight is not None:
                changes["weight"] = lambda added: grad_weight(self, dY, added)
            if grad_bias is not None and self.bias is not None:
                changes["bias"] = lambda added: grad_bias(self, dY, added)
            result = change_added(self, lambda d: ref.Linear.backward(self, d), dY, **changes)
            return result if dX is None else dX(self, dY)

        return variant(ref.Linear, backward=backward)

    return build


def transposed_grad_weight(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        saved = np.array(self.grad_weight)
        dX = ref.Linear.backward(self, dY)
        self.grad_weight[...] = saved
        self.grad_weight += self.x.T @ dY  # raises when in != out, as the student's += does
        return dX

    return variant(ref.Linear, backward=backward)


def no_bias(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        y = ref.Linear.forward(self, x)
        return y if self.bias is None else y - self.bias

    return variant(ref.Linear, forward=forward)


def stale_cache(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        first = self.x
        y = ref.Linear.forward(self, x)
        self.x = first if first is not None else x
        return y

    return variant(ref.Linear, forward=forward)


def grads_assigned(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        self.grad_weight[...] = 0.0
        if self.grad_bias is not None:
            self.grad_bias[...] = 0.0
        return ref.Linear.backward(self, dY)

    return variant(ref.Linear, backward=backward)


def backward_requires_x(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray, x: np.ndarray) -> Any:
        return ref.Linear.backward(self, dY)

    return variant(ref.Linear, backward=backward)


def without_bias_parameter(ref: ModuleType) -> type:
    def __init__(self: Any, in_features: int, out_features: int) -> None:
        ref.Linear.__init__(self, in_features, out_features)

    return variant(ref.Linear, __init__=__init__)


def _m(id: str, title: str, rule: str, relation: str, kinds: tuple[str, ...], build: Any) -> Misconception:
    return Misconception(f"linear.{id}", "Linear", title, rule, relation, kinds, build)


MISCONCEPTIONS = (
    _m(
        "missing_transpose",
        "Linear forward computes x @ W instead of x @ W.T",
        SIGNATURES + "weight has shape (out_features, in_features) and forward returns y = x @ self.weight.T + bias.",
        "your output is x @ W + b (it runs only when in == out)",
        KINDS,
        untransposed_forward,
    ),
    _m(
        "weight_in_out",
        "Linear treats its weight as (in, out) throughout (y = x @ W), against the lesson's (out, in)",
        SIGNATURES + "# PyTorch: weight shape = (out_features, in_features); y = x @ W.T, dX = dY @ W, "
        "grad_weight = dY.T @ x.",
        "your values are those of a Linear whose weight is used as (in, out)",
        (*KINDS, "init"),
        weight_in_out,
    ),
    _m(
        "no_bias",
        "Linear forward does not add the bias",
        SIGNATURES + "if self.bias is not None: y = y + self.bias.",
        "your output is the expected one minus the bias",
        KINDS,
        no_bias,
    ),
    _m(
        "grad_weight_transposed",
        "grad_weight is computed as x.T @ dY, shaped (in, out), instead of dY.T @ x",
        SIGNATURES + "self.grad_weight += dY.T @ self.x, shape (out_features, in_features).",
        "your grad_weight is the expected one transposed",
        KINDS,
        transposed_grad_weight,
    ),
    _m(
        "dx_transposed_weight",
        "Linear backward returns dY @ W.T (copying forward) instead of dY @ W",
        SIGNATURES + "dL/dX = dY @ W: W is (out, in), so dY (N, out) @ W gives (N, in).",
        "your dX is dY @ W.T",
        KINDS,
        backward_changed(dX=lambda layer, dY: dY @ layer.weight.T),
    ),
    _m(
        "grad_weight_mean",
        "grad_weight is averaged over the batch instead of summed (the loss already divided by N)",
        SIGNATURES + "self.grad_weight += dY.T @ self.x sums over the batch; the 1/N is already in dY.",
        "your grad_weight is the expected one divided by the batch size N",
        KINDS,
        backward_changed(grad_weight=lambda layer, dY, added: added / len(dY)),
    ),
    _m(
        "grad_bias_mean",
        "grad_bias averages dY over the batch instead of summing it",
        SIGNATURES + "self.grad_bias += dY.sum(axis=0): a sum; the 1/N is already in dY.",
        "your grad_bias is the expected one divided by the batch size N",
        KINDS,
        backward_changed(grad_bias=lambda layer, dY, added: added / len(dY)),
    ),
    _m(
        "stale_cache",
        "Linear caches only the first x it sees, so backward after a second forward uses a stale x",
        SIGNATURES + "self.x = x on every forward (# Cached for the backward): backward uses the latest input.",
        "your grad_weight is dY.T @ (the first forward's x)",
        ("cache",),
        stale_cache,
    ),
    _m(
        "grads_assigned",
        "Linear assigns its parameter gradients (=) instead of accumulating them (+=)",
        SIGNATURES + "self.grad_weight += ..., self.grad_bias += ...: gradients accumulate until zero_grad().",
        "after two backward calls your gradients equal those of one call",
        ("accumulation",),
        grads_assigned,
    ),
    _m(
        "backward_requires_x",
        "Linear.backward(dY, x) expects the input again instead of using what forward cached",
        SIGNATURES + "backward(self, dY) takes dY only; forward caches self.x for it.",
        "the same TypeError",
        KINDS,
        backward_requires_x,
    ),
    _m(
        "without_bias_parameter",
        "Linear has no bias=True parameter, so Linear(in, out, bias=False) raises TypeError",
        SIGNATURES + "def __init__(self, in_features, out_features, bias=True).",
        "the same TypeError",
        KINDS,
        without_bias_parameter,
    ),
)
