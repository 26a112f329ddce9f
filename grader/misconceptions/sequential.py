"""Misconceptions of Sequential (slide "Lab time: Implement a Minimal Sequential Container")."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import variant

LAB = 'Slide "Lab time: Implement a Minimal Sequential Container": '
KINDS = ("sequential.order", "sequential.parameters")


def backward_in_order(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        for layer in self.layers:
            dY = layer.backward(dY)
        return dY

    return variant(ref.Sequential, backward=backward)


def backward_not_chained(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        dX = dY
        for layer in reversed(self.layers):
            dX = layer.backward(dY)
        return dX

    return variant(ref.Sequential, backward=backward)


def _biases(layers: list[Any]) -> list[Any]:
    return [layer.bias for layer in layers if getattr(layer, "bias", None) is not None]


def parameters_changed(change: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def parameters(self: Any) -> Any:
            return change(self, ref.Sequential.parameters(self))

        return variant(ref.Sequential, parameters=parameters)

    return build


def _copies(model: Any, pairs: list[Any]) -> list[Any]:
    return [(param.copy(), grad.copy()) for param, grad in pairs]


def _without_biases(model: Any, pairs: list[Any]) -> list[Any]:
    biases = _biases(model.layers)
    return [(param, grad) for param, grad in pairs if not any(param is bias for bias in biases)]


def _bias_none_too(model: Any, pairs: list[Any]) -> list[Any]:
    result: list[Any] = []
    for layer in model.layers:
        own = [pair for pair in pairs if any(pair[0] is getattr(layer, name, None) for name in ("weight", "bias"))]
        result += own
        if getattr(layer, "weight", None) is not None and getattr(layer, "bias", None) is None:
            result.append((None, None))
    return result


def _m(id: str, title: str, rule: str, relation: str, build: Any) -> Misconception:
    return Misconception(f"sequential.{id}", "Sequential", title, LAB + rule, relation, KINDS, build)


MISCONCEPTIONS = (
    _m(
        "backward_in_order",
        "Sequential.backward walks the layers in forward order instead of reversed",
        "backward feeds dY through the layers in reverse order: for layer in reversed(self.layers).",
        "your backward called the layers first to last",
        backward_in_order,
    ),
    _m(
        "backward_not_chained",
        "Sequential.backward gives every layer the model's dY instead of the previous layer's result",
        "dY = layer.backward(dY): each layer's backward gets what the layer after it returned.",
        "your dX is the first layer's backward of the model's dY",
        backward_not_chained,
    ),
    _m(
        "parameters_copies",
        "parameters() returns copies of the arrays, so SGD updates copies and the model never learns",
        "parameters() returns the layers' own (param, grad) arrays, which SGD updates in place.",
        "none of the arrays you returned is the layer's own",
        parameters_changed(_copies),
    ),
    _m(
        "parameters_without_biases",
        "parameters() collects the weights only and forgets the biases",
        "parameters() returns a (param, grad) pair for every weight and every bias.",
        "you returned the weights' pairs only",
        parameters_changed(_without_biases),
    ),
    _m(
        "parameters_bias_none",
        "parameters() adds a (bias, grad_bias) pair also for a layer built with bias=False, i.e. (None, None)",
        "parameters() skips a bias that is None (Linear(..., bias=False)).",
        "you returned one more pair, (None, None), for the layer without bias",
        parameters_changed(_bias_none_too),
    ),
)
