"""Hostile (or just wrong): ReLU.forward returns a numpy scalar, a float subclass, instead of an array."""
import numpy as np


class ReLU:
    def forward(self, x):
        return np.float64(np.maximum(x, 0).sum())
