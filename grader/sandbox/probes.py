"""Trusted stand-ins that the sequential, sgd and api checks hand to the submission's containers.

They are shipped into the worker with its runtime (never the reference) and built there on the
grader's request (Sandbox.probe), so that a bug in the submission's Linear or Conv2d cannot cost
those items: Sequential is run with layers whose behaviour is known, SGD with a model whose
parameters are known. NumPy only; every array is float64.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np


class CallLog:
    """The calls the probe layers received, in order: ["first.forward", "second.forward", ...]."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def entries(self) -> list[str]:
        return list(self.calls)


class AffineLayer:
    """forward(x) = x * scale + shift, backward(dY) = dY * scale, each call recorded in log.

    Extra arguments a Sequential passes along (a training flag, say) are accepted and ignored.
    """

    def __init__(self, name: str, scale: float, shift: float, log: CallLog) -> None:
        self.name, self.scale, self.shift, self.log = name, float(scale), float(shift), log

    def forward(self, x: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        self.log.calls.append(f"{self.name}.forward")
        return np.asarray(x) * self.scale + self.shift

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        return AffineLayer.forward(self, x)

    def backward(self, dY: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        self.log.calls.append(f"{self.name}.backward")
        return np.asarray(dY) * self.scale


class ParameterModel:
    """A model whose parameters() returns known (param, grad) pairs of float64 arrays of shapes.

    parameters() returns a new list of the same arrays on every call; set_gradients(values) writes
    new gradients into the grad arrays in place.
    """

    def __init__(self, shapes: Sequence[Sequence[int]]) -> None:
        self.pairs = [(np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape), np.zeros(shape)) for shape in shapes]

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(self.pairs)

    def set_gradients(self, values: list[Any]) -> None:
        for (_, grad), value in zip(self.pairs, values, strict=False):
            grad[...] = value


PROBES = {"CallLog": CallLog, "AffineLayer": AffineLayer, "ParameterModel": ParameterModel}
