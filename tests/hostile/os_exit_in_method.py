"""Hostile: a method that ends the process without any cleanup."""
import os


class ReLU:
    def forward(self, x):
        os._exit(7)
