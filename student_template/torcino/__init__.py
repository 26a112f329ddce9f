"""Torcino, lesson 8: PyTorch-style layers in plain NumPy, and a LeNet-style CNN built from them."""

from .functional import col2im, he_normal, im2col, normalize_apply, normalize_fit
from .layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU
from .loss import SoftmaxCrossEntropyLoss
from .model import Sequential
from .optim import SGD

__all__ = [
    "SGD",
    "Conv2d",
    "Flatten",
    "Linear",
    "MaxPool2d",
    "ReLU",
    "Sequential",
    "SoftmaxCrossEntropyLoss",
    "col2im",
    "he_normal",
    "im2col",
    "normalize_apply",
    "normalize_fit",
]
