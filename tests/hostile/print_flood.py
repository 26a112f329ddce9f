"""Hostile: a method that prints 100 MB, through Python and straight to the file descriptors."""
import os
import sys


class ReLU:
    def forward(self, x):
        line = "x" * 99_999
        for _ in range(1000):
            print(line)
        os.write(1, b"y" * (8 << 20))
        os.write(2, b"z" * (8 << 20))
        sys.__stdout__.write("w" * 1000)
        return x * (x > 0)
