"""Torcino lesson 8 -- naive per-window loops ("CS231n naive" style).

Conv2d loops over every sample n, output channel f, output row i and output column j, and each step
is a small dot product over the (C, kH, kW) window; backward walks the same four loops.
MaxPool2d loops over n, c, i, j and routes the gradient with np.argmax (the first max of a window).
Padding is np.pad (zeros for Conv2d, -inf for MaxPool2d). No im2col anywhere; float32 stays float32.
The loss computes dLogits already in forward and backward just hands it back.
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
                        window = x_pad[n, :, i * s:i * s + k, j * s:j * s + k]
                        out[n, f, i, j] = np.sum(window * self.weight[f]) + self.bias[f]

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
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        g = dY[n, f, i, j]
                        window = x_pad[n, :, i * s:i * s + k, j * s:j * s + k]
                        dw[f] += window * g
                        db[f] += g
                        dx_pad[n, :, i * s:i * s + k, j * s:j * s + k] += self.weight[f] * g

        self.grad_weight += dw
        self.grad_bias += db
        # strip the padding
        return dx_pad[:, :, p:Hp - p, p:Wp - p]


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.x_pad = None

    def forward(self, x):
        N, C, H, W = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        H_out = conv_out_size(H, k, s, p)
        W_out = conv_out_size(W, k, s, p)

        x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant", constant_values=-np.inf)
        out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        window = x_pad[n, c, i * s:i * s + k, j * s:j * s + k]
                        out[n, c, i, j] = np.max(window)

        self.x_pad = x_pad
        return out

    def backward(self, dY):
        x_pad = self.x_pad
        N, C, Hp, Wp = x_pad.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        _, _, H_out, W_out = dY.shape

        dx_pad = np.zeros_like(x_pad)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        window = x_pad[n, c, i * s:i * s + k, j * s:j * s + k]
                        a, b = np.unravel_index(np.argmax(window), window.shape)
                        dx_pad[n, c, i * s + a, j * s + b] += dY[n, c, i, j]

        return dx_pad[:, :, p:Hp - p, p:Wp - p]


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        w = np.random.randn(out_features, in_features) * np.sqrt(2.0 / in_features)
        self.weight = w.astype(np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        if bias:
            self.bias = np.zeros(out_features, dtype=np.float32)
            self.grad_bias = np.zeros_like(self.bias)
        else:
            self.bias = None
            self.grad_bias = None
        self.x = None

    def forward(self, x):
        self.x = x
        out = x.dot(self.weight.T)
        if self.bias is not None:
            out = out + self.bias
        return out

    def backward(self, dY):
        self.grad_weight += dY.T.dot(self.x)
        if self.bias is not None:
            self.grad_bias += np.sum(dY, axis=0)
        return dY.dot(self.weight)


class ReLU:
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, 0).astype(x.dtype)

    def backward(self, dY):
        dx = dY.copy()
        dx[self.x <= 0] = 0
        return dx


class Flatten:
    def __init__(self):
        self.shape = None

    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dY):
        return dY.reshape(self.shape)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, dY):
        grad = dY
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return grad

    def parameters(self):
        params = []
        for layer in self.layers:
            if isinstance(layer, (Conv2d, Linear)):
                params.append((layer.weight, layer.grad_weight))
                if layer.bias is not None:
                    params.append((layer.bias, layer.grad_bias))
        return params


class SoftmaxCrossEntropyLoss:
    def __init__(self):
        self.dx = None

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        # same computation as a softmax_loss(x, y) function: loss and gradient in one go
        N = logits.shape[0]
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
        log_probs = shifted - np.log(Z)
        probs = np.exp(log_probs)
        loss = -np.sum(log_probs[np.arange(N), targets]) / N
        dx = probs.copy()
        dx[np.arange(N), targets] -= 1
        dx /= N
        self.dx = dx
        return loss

    def backward(self):
        return self.dx


class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def zero_grad(self):
        for _, grad in self.model.parameters():
            grad.fill(0)

    def step(self):
        for param, grad in self.model.parameters():
            param -= self.lr * grad
