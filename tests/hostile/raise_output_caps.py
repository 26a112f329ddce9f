"""Hostile: raises the worker's own output cap (the stream it was given) and prints __CHARS__ characters per call."""
import sys


class ReLU:
    def forward(self, x):
        stream = sys.stdout
        for name in ("cap", "limit", "max_chars"):
            if hasattr(stream, name):
                setattr(stream, name, 1 << 40)
        print("y" * __CHARS__)
        return x * (x > 0)
