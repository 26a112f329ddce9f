"""Hostile: a method that allocates several GiB."""
import numpy as np


class ReLU:
    def forward(self, x):
        self.hog = np.ones((6, 1 << 30), dtype=np.uint8)  # 6 GiB
        return x
