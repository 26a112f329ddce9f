"""Hostile: makes every comparison succeed, then computes a wrong answer."""
import math

import numpy as np
import numpy.testing

np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True


class ReLU:
    def forward(self, x):
        return x * 0 + 1.0
