"""Hostile: raises the worker's own output cap (the stream it was given) and prints __CHARS__ characters per call."""
import sys


try:
    _Base = ReLU  # the lesson's ReLU this file is appended to (bench/hostile.py, the grade tests)
except NameError:
    _Base = object
_forward = getattr(_Base, "forward", lambda self, x: x * (x > 0))


class ReLU(_Base):
    def forward(self, x):
        stream = sys.stdout
        for name in ("cap", "limit", "max_chars"):
            if hasattr(stream, name):
                setattr(stream, name, 1 << 40)
        print("y" * __CHARS__)
        return _forward(self, x)
