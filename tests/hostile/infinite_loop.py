"""Hostile: a method that never returns."""


class ReLU:
    def forward(self, x):
        while True:
            pass
