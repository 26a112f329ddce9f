"""Sequential: chains layers, runs backward in reverse and collects their parameters."""

from typing import Any

import numpy as np


class Sequential:
    """model = Sequential(layer1, layer2, ...); model(x) runs the layers in order."""

    def __init__(self, *layers: Any) -> None:
        # BEGIN SOLUTION: lesson 8, lab 'Sequential container': keep the layers
        self.layers = list(layers)
        # END SOLUTION

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Same as forward(x)."""
        # BEGIN SOLUTION: lesson 8, lab 'Sequential container': __call__ runs forward
        return self.forward(x)
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Feed x through every layer in order; returns the last layer's output."""
        # BEGIN SOLUTION: lesson 8, lab 'Sequential container': forward through every layer in order
        for layer in self.layers:
            x = layer.forward(x)
        return x
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """Feed dY (shape of the output) back through the layers in reverse; returns dX (shape of x)."""
        # BEGIN SOLUTION: lesson 8, lab 'Sequential container': backward through the layers in reverse
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY
        # END SOLUTION

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(param, grad), ...]: each layer's weight and bias (when not None) with their gradient
        buffers, the layers' own arrays (not copies), in layer order."""
        # BEGIN SOLUTION: lesson 8, lab 'Sequential container': parameters() as (param, grad) pairs
        params = []
        for layer in self.layers:
            if getattr(layer, "weight", None) is not None:
                params.append((layer.weight, layer.grad_weight))
            if getattr(layer, "bias", None) is not None:
                params.append((layer.bias, layer.grad_bias))
        return params
        # END SOLUTION
