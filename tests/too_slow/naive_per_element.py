"""Torcino lesson 8 -- the CS231n "naive" style taken all the way: correct, but too slow for the LeNet.

Like tests/styles/per_window_loops.py, with its vectorised inner parts replaced by loops: Conv2d loops
over every sample, output channel, output element, input channel and kernel element, and its backward makes one pass for the bias, one for the weights and one for the input,
like conv_backward_naive; MaxPool2d finds each window's maximum with loops over its elements. About
2.5 times slower a batch than per_window_loops: the LeNet item's probe stops it (grader/lenet/run.py)
and it loses the LeNet only. Linear, ReLU, Flatten, Sequential, the loss and SGD are borrowed
(tests/helpers/submission_formats.completed_style).
"""

import numpy as np


def conv_out_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        fan_in = in_channels * kernel_size * kernel_size
        w = np.random.randn(out_channels, in_channels, kernel_size, kernel_size) * np.sqrt(2.0 / fan_in)
        self.weight = w.astype(np.float32)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.x_pad = None

    def forward(self, x):
        N, C, H, W = x.shape
        F = self.out_channels
        k, s, p = self.kernel_size, self.stride, self.padding
        H_out = conv_out_size(H, k, s, p)
        W_out = conv_out_size(W, k, s, p)
        x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
        out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        total = self.bias[f]
                        for c in range(C):
                            for a in range(k):
                                for b in range(k):
                                    total += x_pad[n, c, i * s + a, j * s + b] * self.weight[f, c, a, b]
                        out[n, f, i, j] = total
        self.x_pad = x_pad
        return out

    def backward(self, dY):
        x_pad = self.x_pad
        N, C, Hp, Wp = x_pad.shape
        F = self.out_channels
        k, s, p = self.kernel_size, self.stride, self.padding
        _, _, H_out, W_out = dY.shape
        dx_pad = np.zeros_like(x_pad)
        dw = np.zeros_like(self.grad_weight)
        db = np.zeros_like(self.grad_bias)
        for f in range(F):
            for n in range(N):
                for i in range(H_out):
                    for j in range(W_out):
                        db[f] += dY[n, f, i, j]
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        g = dY[n, f, i, j]
                        for c in range(C):
                            for a in range(k):
                                for b in range(k):
                                    dw[f, c, a, b] += x_pad[n, c, i * s + a, j * s + b] * g
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        g = dY[n, f, i, j]
                        for c in range(C):
                            for a in range(k):
                                for b in range(k):
                                    dx_pad[n, c, i * s + a, j * s + b] += self.weight[f, c, a, b] * g
        self.grad_weight += dw
        self.grad_bias += db
        return dx_pad[:, :, p:Hp - p, p:Wp - p]


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.x_pad = None

    def _argmax(self, n, c, i, j):
        """The (row, column) of the first maximum of a window, by loops over its elements."""
        k, s = self.kernel_size, self.stride
        best, where = -np.inf, (i * s, j * s)
        for a in range(k):
            for b in range(k):
                value = self.x_pad[n, c, i * s + a, j * s + b]
                if value > best:
                    best, where = value, (i * s + a, j * s + b)
        return where

    def forward(self, x):
        N, C, H, W = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        H_out = conv_out_size(H, k, s, p)
        W_out = conv_out_size(W, k, s, p)
        self.x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant", constant_values=-np.inf)
        out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        out[n, c, i, j] = self.x_pad[(n, c) + self._argmax(n, c, i, j)]
        return out

    def backward(self, dY):
        N, C, Hp, Wp = self.x_pad.shape
        p = self.padding
        _, _, H_out, W_out = dY.shape
        dx_pad = np.zeros_like(self.x_pad)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        dx_pad[(n, c) + self._argmax(n, c, i, j)] += dY[n, c, i, j]
        return dx_pad[:, :, p:Hp - p, p:Wp - p]
