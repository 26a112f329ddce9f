"""Sequential: chains layers, runs backward in reverse and collects their parameters."""

from typing import Any

import numpy as np


class Sequential:
    """model = Sequential(layer1, layer2, ...); model(x) runs the layers in order."""

    def __init__(self, *layers: Any) -> None:
        raise NotImplementedError("lesson 8, lab 'Sequential container': keep the layers")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as forward(x)."""
        raise NotImplementedError("lesson 8, lab 'Sequential container': __call__ runs forward")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Feed x through every layer in order; returns the last layer's output."""
        raise NotImplementedError("lesson 8, lab 'Sequential container': forward through every layer in order")

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """Feed dY (shape of the output) back through the layers in reverse; returns dX (shape of x)."""
        raise NotImplementedError("lesson 8, lab 'Sequential container': backward through the layers in reverse")

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(param, grad), ...]: each layer's weight and bias (when not None) with their gradient
        buffers, the layers' own arrays (not copies), in layer order."""
        raise NotImplementedError("lesson 8, lab 'Sequential container': parameters() as (param, grad) pairs")
