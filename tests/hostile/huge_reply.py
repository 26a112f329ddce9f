"""Hostile: replies larger than any check needs: the same 240 MiB array four times in one tuple,
and (probe()) one array of a shape nobody asked for."""
import numpy as np


def probe():
    return np.zeros((3, 2_000_000), dtype=np.float64)  # 46 MiB, under the reply cap: a wrong shape


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        big = np.ones(240 << 17, dtype=np.float64)  # 240 MiB
        return (big, big, big, big)
