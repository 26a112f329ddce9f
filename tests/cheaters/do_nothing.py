"""A do-nothing submission: every class of the lesson with the lesson's signatures and parameter
shapes, but forward returns its input, backward returns dY, and nothing else happens. It must
score at most the api share: cache and accumulation are equal to themselves here, but no work
was done for them."""

import numpy as np


class Module:
    def __call__(self, x, *args):
        return self.forward(x, *args)

    def forward(self, x):
        return x

    def backward(self, dY):
        return dY

    def parameters(self):
        return []


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.weight = np.zeros((out_channels, in_channels, kernel_size, kernel_size))
        self.bias = np.zeros(out_channels)
        self.grad_weight, self.grad_bias = np.zeros_like(self.weight), np.zeros_like(self.bias)


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        self.weight = np.zeros((out_features, in_features))
        self.bias = np.zeros(out_features) if bias else None
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = None if self.bias is None else np.zeros_like(self.bias)


class ReLU(Module):
    pass


class Flatten(Module):
    pass


class Sequential(Module):
    def __init__(self, *layers):
        self.layers = list(layers)


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return 0.0

    def backward(self):
        return 0.0


class SGD:
    def __init__(self, model, lr=0.01):
        self.model, self.lr = model, lr

    def zero_grad(self):
        pass

    def step(self):
        pass
