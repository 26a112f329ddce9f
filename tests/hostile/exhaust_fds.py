"""Hostile: opens files at import until the process has no descriptor left, and keeps them."""
import os

HELD = []
while True:
    try:
        HELD.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        break


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        return _forward(self, x)
