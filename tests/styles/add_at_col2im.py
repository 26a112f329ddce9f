"""Torcino lesson 8 -- batch im2col by fancy indexing, col2im with np.add.at.

im2col works on the whole batch at once: index arrays (channel, row, col) for every entry of every
column are built once per input shape (cached in a dict, "im2col_indices" style) and one fancy-index
read gathers all columns; col2im is the same indices used with np.add.at, which adds up overlaps.
MaxPool2d reuses both on the batch reshaped to (N*C, 1, H, W), with argmax (first max) per column.
The loss follows "Deep Learning from Scratch": a small epsilon inside the log.
"""

import numpy as np

_INDEX_CACHE = {}


def get_im2col_indices(x_shape, kh, kw, padding=0, stride=1):
    """Index arrays k, i, j, each broadcastable to (C*kh*kw, out_h*out_w)."""
    key = (tuple(x_shape), kh, kw, padding, stride)
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    N, C, H, W = x_shape
    out_h = (H + 2 * padding - kh) // stride + 1
    out_w = (W + 2 * padding - kw) // stride + 1

    # row offsets inside the window, repeated for every channel
    i0 = np.repeat(np.arange(kh), kw)
    i0 = np.tile(i0, C)
    # top row of every window
    i1 = stride * np.repeat(np.arange(out_h), out_w)
    j0 = np.tile(np.arange(kw), kh * C)
    j1 = stride * np.tile(np.arange(out_w), out_h)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    k = np.repeat(np.arange(C), kh * kw).reshape(-1, 1)

    _INDEX_CACHE[key] = (k, i, j, out_h, out_w)
    return _INDEX_CACHE[key]


def im2col_indices(x, kh, kw, padding=0, stride=1):
    """x (N, C, H, W) -> cols (N, C*kh*kw, out_h*out_w)."""
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant") if p > 0 else x
    k, i, j, _, _ = get_im2col_indices(x.shape, kh, kw, padding, stride)
    return x_padded[:, k, i, j]


def col2im_indices(cols, x_shape, kh, kw, padding=0, stride=1):
    """cols (N, C*kh*kw, out_h*out_w) -> (N, C, H, W); overlapping windows add up."""
    N, C, H, W = x_shape
    p = padding
    x_padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    k, i, j, _, _ = get_im2col_indices(x_shape, kh, kw, padding, stride)
    np.add.at(x_padded, (slice(None), k, i, j), cols)
    if p == 0:
        return x_padded
    return x_padded[:, :, p:-p, p:-p]


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        fan_in = in_channels * kernel_size * kernel_size
        self.weight = np.random.randn(out_channels, in_channels, kernel_size, kernel_size) * np.sqrt(2.0 / fan_in)
        self.weight = self.weight.astype(np.float32)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)

    def forward(self, x):
        N = x.shape[0]
        k = self.kernel_size
        cols = im2col_indices(x, k, k, self.padding, self.stride)       # (N, C*k*k, L)
        _, _, _, out_h, out_w = get_im2col_indices(x.shape, k, k, self.padding, self.stride)
        w_row = self.weight.reshape(self.out_channels, -1)               # (F, C*k*k)
        out = np.matmul(w_row, cols) + self.bias.reshape(-1, 1)          # (N, F, L)
        self.x_shape = x.shape
        self.cols = cols
        return out.reshape(N, self.out_channels, out_h, out_w)

    def backward(self, dY):
        N, F = dY.shape[0], self.out_channels
        k = self.kernel_size
        dY_r = dY.reshape(N, F, -1)                                      # (N, F, L)
        dW = np.matmul(dY_r, self.cols.transpose(0, 2, 1)).sum(axis=0)   # (F, C*k*k)
        self.grad_weight += dW.reshape(self.weight.shape)
        self.grad_bias += dY_r.sum(axis=(0, 2))
        dcols = np.matmul(self.weight.reshape(F, -1).T, dY_r)            # (N, C*k*k, L)
        return col2im_indices(dcols, self.x_shape, k, k, self.padding, self.stride)


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        N, C, H, W = x.shape
        k = self.kernel_size
        x_r = x.reshape(N * C, 1, H, W)
        cols = im2col_indices(x_r, k, k, self.padding, self.stride)     # (N*C, k*k, L)
        _, _, _, out_h, out_w = get_im2col_indices(x_r.shape, k, k, self.padding, self.stride)
        max_idx = np.argmax(cols, axis=1)                               # (N*C, L)
        nc, l = np.meshgrid(np.arange(N * C), np.arange(cols.shape[2]), indexing="ij")
        out = cols[nc, max_idx, l]
        self.x_shape = x.shape
        self.cols_shape = cols.shape
        self.max_idx = max_idx
        return out.reshape(N, C, out_h, out_w)

    def backward(self, dY):
        N, C, H, W = self.x_shape
        k = self.kernel_size
        dcols = np.zeros(self.cols_shape, dtype=dY.dtype)
        nc, l = np.meshgrid(np.arange(N * C), np.arange(self.cols_shape[2]), indexing="ij")
        dcols[nc, self.max_idx, l] = dY.reshape(N * C, -1)
        dx = col2im_indices(dcols, (N * C, 1, H, W), k, k, self.padding, self.stride)
        return dx.reshape(N, C, H, W)


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        self.weight = (np.random.randn(out_features, in_features) * np.sqrt(2.0 / in_features)).astype(np.float32)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = None if self.bias is None else np.zeros_like(self.bias)

    def forward(self, x):
        self.x = x
        out = np.dot(x, self.weight.T)
        if self.bias is not None:
            out = out + self.bias
        return out

    def backward(self, dY):
        self.grad_weight += np.dot(dY.T, self.x)
        if self.bias is not None:
            self.grad_bias += np.sum(dY, axis=0)
        return np.dot(dY, self.weight)


class ReLU:
    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dY):
        dx = dY.copy()
        dx[self.mask] = 0
        return dx


class Flatten:
    def forward(self, x):
        self.original_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dY):
        return dY.reshape(*self.original_shape)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dY):
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def parameters(self):
        params = []
        for layer in self.layers:
            if hasattr(layer, "weight"):
                params.append((layer.weight, layer.grad_weight))
                if layer.bias is not None:
                    params.append((layer.bias, layer.grad_bias))
        return params


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)   # against overflow
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        self.t = targets
        self.probs = softmax(logits)
        N = logits.shape[0]
        return -np.log(self.probs[range(N), targets] + 1e-7).mean()

    def backward(self):
        N = self.probs.shape[0]
        dx = self.probs.copy()
        dx[range(N), self.t] -= 1
        return dx / N


class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def zero_grad(self):
        for _, grad in self.model.parameters():
            grad[...] = 0

    def step(self):
        for param, grad in self.model.parameters():
            param -= self.lr * grad
