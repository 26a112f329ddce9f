"""Lesson 8's own code, transcribed from the slides as literally as possible (style: "the slides").

Typos of the slides' text extraction fixed: `dX pad` -> `dX_pad`, `H out`/`W out` -> `H_out`/`W_out`,
`np.zeros like` -> `np.zeros_like`, `X_{col}`/`X col` -> `X_col`, `max mask` -> `max_mask`,
`dX patch` -> `dX_patch`, `col2im(dX col. 1, H pad, W pad, ...)` -> `col2im(dX_col, 1, H_pad, W_pad, ...)`,
`(N. C. H out, W out)` -> `(N, C, H_out, W_out)`, `class linear.` -> `class Linear:`,
`v = v + self.bias` -> `y = y + self.bias`, `\\# dI./dW = dY^T \\oslash X` -> `# dL/dW = dY^T @ X`,
`forward(self. x)` -> `forward(self, x)`, `laver`/`self.lavers` -> `layer`/`self.layers`,
`layer bias` -> `layer.bias`, `Ir` -> `lr`; the Linear docstrings lost their quotes and got them back.
Filled in where the slides elide code: he_normal, im2col, col2im, normalize_fit, normalize_apply,
all of Conv2d, MaxPool2d.__init__ and MaxPool2d.forward (the "..." of the slides).
"""

import numpy as np


# ---------------------------------------------------------------------------
# Helpers from earlier lessons (elided on the slides, filled in)
# ---------------------------------------------------------------------------

def he_normal(shape, fan_in):
    """He initialisation: Normal with sigma = sqrt(2 / fan_in)."""
    std = np.sqrt(2.0 / fan_in)
    return (np.random.randn(*shape) * std).astype(np.float32)


def im2col(x, kH, kW, stride=1):
    """x: one image (C, H, W) -> (C*kH*kW, H_out*W_out), one column per window."""
    C, H, W = x.shape
    H_out = (H - kH) // stride + 1
    W_out = (W - kW) // stride + 1
    cols = np.zeros((C * kH * kW, H_out * W_out), dtype=x.dtype)
    col = 0
    for i in range(H_out):
        for j in range(W_out):
            h = i * stride
            w = j * stride
            patch = x[:, h:h + kH, w:w + kW]
            cols[:, col] = patch.reshape(-1)
            col += 1
    return cols


def col2im(cols, C, H, W, kH, kW, stride=1):
    """cols: (C*kH*kW, H_out*W_out) -> image (C, H, W), adding where windows overlap."""
    H_out = (H - kH) // stride + 1
    W_out = (W - kW) // stride + 1
    x = np.zeros((C, H, W), dtype=cols.dtype)
    col = 0
    for i in range(H_out):
        for j in range(W_out):
            h = i * stride
            w = j * stride
            x[:, h:h + kH, w:w + kW] += cols[:, col].reshape(C, kH, kW)
            col += 1
    return x


def normalize_fit(X):
    """Mean and std of the training set (over all pixels)."""
    mean = X.mean()
    std = X.std()
    return mean, std


def normalize_apply(X, mean, std):
    """Apply the normalization fitted on the training set."""
    return (X - mean) / std


# ---------------------------------------------------------------------------
# Conv2d (from earlier lessons, elided on the slides, filled in)
# ---------------------------------------------------------------------------

class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = (kernel_size, kernel_size)
        self.stride = stride
        self.padding = padding

        kH, kW = self.kernel_size
        # PyTorch: weight shape = (out_channels, in_channels, kH, kW)
        self.weight = he_normal((out_channels, in_channels, kH, kW), fan_in=in_channels * kH * kW)
        self.bias = np.zeros(out_channels, dtype=np.float32)

        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)

        self.cache = None

    def forward(self, x):
        # x: (N, C, H, W) return: (N, out_channels, H_out, W_out)
        kH, kW = self.kernel_size
        p = self.padding
        s = self.stride
        if p > 0:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
        N, C, H_pad, W_pad = x.shape
        H_out = (H_pad - kH) // s + 1
        W_out = (W_pad - kW) // s + 1

        W_col = self.weight.reshape(self.out_channels, -1)
        outs = []
        X_cols = []
        for n in range(N):
            X_col = im2col(x[n], kH, kW, stride=s)
            y = W_col @ X_col + self.bias.reshape(-1, 1)
            outs.append(y.reshape(self.out_channels, H_out, W_out))
            X_cols.append(X_col)
        out = np.stack(outs)

        self.cache = {
            "x": x,  # padded input
            "X_cols": X_cols,
        }
        return out

    def backward(self, dY):
        # dY: (N, out_channels, H_out, W_out) return: dX with shape (N, C, H, W)
        x = self.cache["x"]
        X_cols = self.cache["X_cols"]
        N, C, H_pad, W_pad = x.shape
        kH, kW = self.kernel_size
        p = self.padding
        s = self.stride
        W_col = self.weight.reshape(self.out_channels, -1)
        dX_pad = np.zeros_like(x)
        for n in range(N):
            dY_n = dY[n].reshape(self.out_channels, -1)
            self.grad_weight += (dY_n @ X_cols[n].T).reshape(self.weight.shape)
            self.grad_bias += dY_n.sum(axis=1)
            dX_col = W_col.T @ dY_n
            dX_pad[n] = col2im(dX_col, C, H_pad, W_pad, kH, kW, stride=s)
        if p > 0:
            dX = dX_pad[:, :, p:-p, p:-p]
        else:
            dX = dX_pad
        return dX

    def zero_grad(self):
        self.grad_weight.fill(0.0)
        self.grad_bias.fill(0.0)


# ---------------------------------------------------------------------------
# MaxPool2d (slides: "Lab Time: Update MaxPool2d Forward and Implement Backward")
# ---------------------------------------------------------------------------

class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = (kernel_size, kernel_size)
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.cache = None  # NEW: cache to store values for backward

    def forward(self, x):
        N, C, H, W = x.shape
        kH, kW = self.kernel_size
        p = self.padding
        s = self.stride
        if p > 0:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
        H_pad, W_pad = x.shape[2], x.shape[3]
        H_out = (H_pad - kH) // s + 1
        W_out = (W_pad - kW) // s + 1
        out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            for c in range(C):
                X_col = im2col(x[n, c:c+1], kH, kW, stride=s)
                out[n, c] = X_col.max(axis=0).reshape(H_out, W_out)
        self.cache = {
            "x": x,  # padded input
            "input_shape": (N, C, H, W),  # original (before padding)
        }
        return out

    def backward(self, dY):
        # dY: (N, C, H_out, W_out) return: dX with shape (N, C, H, W)
        x = self.cache["x"]
        N, C, H_pad, W_pad = x.shape
        N2, C2, H_out, W_out = dY.shape
        kH, kW = self.kernel_size
        p = self.padding
        s = self.stride
        dX_pad = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                X_col = im2col(x[n, c:c+1], kH, kW, stride=s)
                max_vals = X_col.max(axis=0, keepdims=True)
                max_mask = (X_col == max_vals)
                dY_flat = dY[n, c].reshape(1, -1)
                dX_col = max_mask * dY_flat
                dX_patch = col2im(dX_col, 1, H_pad, W_pad, kH, kW, stride=s)
                dX_pad[n, c] = dX_patch[0]
        if p > 0:
            dX = dX_pad[:, :, p:-p, p:-p]
        else:
            dX = dX_pad
        return dX


# ---------------------------------------------------------------------------
# Linear (slides: "Lab time: Implementing a Linear Layer")
# ---------------------------------------------------------------------------

class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features

        # PyTorch: weight shape = (out_features, in_features)
        self.weight = he_normal((out_features, in_features), fan_in=in_features)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None

        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias) if bias else None

        self.x = None

    def forward(self, x):
        """
        x: shape (N, in_features)
        return: shape (N, out_features)
        """
        self.x = x  # Cached for the backward
        y = x @ self.weight.T
        if self.bias is not None:
            y = y + self.bias
        return y

    def backward(self, dY):
        """
        dY: gradient from the next layer, shape (N, out_features)
        return: dX, shape (N, in_features)
        """
        # dL/dX = dY @ W
        dX = dY @ self.weight
        # dL/dW = dY^T @ X
        # shape: (out_features, in_features)
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dX

    def zero_grad(self):
        """ Reset gradient buffers."""
        self.grad_weight.fill(0.0)
        if self.grad_bias is not None:
            self.grad_bias.fill(0.0)


# ---------------------------------------------------------------------------
# ReLU (slides: "Lab time: Implement ReLU as a Layer")
# ---------------------------------------------------------------------------

class ReLU:
    def forward(self, x):
        self.mask = (x > 0)
        return x * self.mask

    def backward(self, dY):
        return dY * self.mask


# ---------------------------------------------------------------------------
# Flatten (slides: "Exercise: Implementing a Flatten Layer")
# ---------------------------------------------------------------------------

class Flatten:
    def __init__(self):
        self.original_shape = None

    def forward(self, x):
        # x has shape (N, C, H, W)
        self.original_shape = x.shape
        N = x.shape[0]
        return x.reshape(N, -1)

    def backward(self, dY):
        # dY has shape (N, C*H*W)
        return dY.reshape(self.original_shape)


# ---------------------------------------------------------------------------
# Sequential (slides: "Lab time: Implement a Minimal Sequential Container")
# ---------------------------------------------------------------------------

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
            if hasattr(layer, "bias") and layer.bias is not None:
                params.append((layer.bias, layer.grad_bias))
        return params


# ---------------------------------------------------------------------------
# SoftmaxCrossEntropyLoss (slides: "Lab time: Implement SoftmaxCrossEntropyLoss")
# ---------------------------------------------------------------------------

class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.probs = exp / exp.sum(axis=1, keepdims=True)
        self.targets = targets
        return -np.log(self.probs[np.arange(logits.shape[0]), targets]).mean()

    def backward(self):
        N = self.probs.shape[0]
        dLogits = self.probs.copy()
        dLogits[np.arange(N), self.targets] -= 1
        dLogits /= N
        return dLogits


# ---------------------------------------------------------------------------
# SGD (slides: "Lab time: Implement a Minimal SGD Optimizer")
# ---------------------------------------------------------------------------

class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def zero_grad(self):
        for param, grad in self.model.parameters():
            grad[...] = 0

    def step(self):
        for param, grad in self.model.parameters():
            param[...] -= self.lr * grad
