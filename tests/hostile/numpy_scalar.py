"""Hostile (or just wrong): ReLU.forward returns a numpy scalar, a float subclass, instead of an array."""
import numpy as np


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        return np.float64(np.maximum(x, 0).sum())
