"""Torcino lesson 8 -- everything in float64, MaxPool2d shares the gradient with every tied max.

Inputs are cast with x.astype(np.float64) and the weights are float64 from the start, so a float32
batch comes out float64. Windows are gathered by a loop over the kernel offsets (vectorised over the
batch) into a (N, C, kH*kW, H_out, W_out) stack; Conv2d contracts it with np.tensordot.
MaxPool2d.backward gives dY to ALL maxima of a window (mask window == window.max(), nothing divided).
ReLU is np.maximum(x, 0); layers and Sequential have zero_grad(); SGD keeps the parameter list
it got from model.parameters() once, in __init__.
"""

import numpy as np


def stack_windows(x, k, stride):
    """x (N, C, H, W) -> (N, C, k*k, H_out, W_out); entry [:, :, a*k + b, i, j] = x[:, :, i*s + a, j*s + b]."""
    H, W = x.shape[2], x.shape[3]
    H_out = (H - k) // stride + 1
    W_out = (W - k) // stride + 1
    parts = []
    for a in range(k):
        for b in range(k):
            parts.append(x[:, :, a:a + stride * (H_out - 1) + 1:stride, b:b + stride * (W_out - 1) + 1:stride])
    return np.stack(parts, axis=2)


def unstack_windows(dwin, shape, k, stride):
    """Adjoint of stack_windows: (N, C, k*k, H_out, W_out) -> (N, C, H, W), summing overlaps."""
    dx = np.zeros(shape, dtype=np.float64)
    H_out, W_out = dwin.shape[3], dwin.shape[4]
    for a in range(k):
        for b in range(k):
            dx[:, :, a:a + stride * (H_out - 1) + 1:stride, b:b + stride * (W_out - 1) + 1:stride] += dwin[:, :, a * k + b]
    return dx


def pad2d(x, p, value=0.0):
    if p > 0:
        return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)
    return x


def unpad2d(x, p):
    if p > 0:
        return x[:, :, p:-p, p:-p]
    return x


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        fan_in = in_channels * kernel_size ** 2
        self.weight = np.random.randn(out_channels, in_channels, kernel_size, kernel_size) * np.sqrt(2 / fan_in)
        self.bias = np.zeros(out_channels)
        self.grad_weight = np.zeros(self.weight.shape)
        self.grad_bias = np.zeros(out_channels)

    def forward(self, x):
        x = pad2d(x.astype(np.float64), self.padding)
        win = stack_windows(x, self.kernel_size, self.stride)                # (N, C, kk, Ho, Wo)
        w = self.weight.reshape(self.out_channels, self.in_channels, -1)    # (F, C, kk)
        out = np.tensordot(win, w, axes=([1, 2], [1, 2]))                   # (N, Ho, Wo, F)
        out = out + self.bias
        self.win = win
        self.padded_shape = x.shape
        return out.transpose(0, 3, 1, 2)

    def backward(self, dY):
        dY = dY.astype(np.float64)
        w = self.weight.reshape(self.out_channels, self.in_channels, -1)
        # dL/dw[f, c, kk] = sum over n, i, j of dY[n, f, i, j] * win[n, c, kk, i, j]
        gw = np.tensordot(dY, self.win, axes=([0, 2, 3], [0, 3, 4]))        # (F, C, kk)
        self.grad_weight += gw.reshape(self.weight.shape)
        self.grad_bias += dY.sum(axis=(0, 2, 3))
        dwin = np.tensordot(dY, w, axes=([1], [0]))                         # (N, Ho, Wo, C, kk)
        dwin = dwin.transpose(0, 3, 4, 1, 2)                                # (N, C, kk, Ho, Wo)
        dx = unstack_windows(dwin, self.padded_shape, self.kernel_size, self.stride)
        return unpad2d(dx, self.padding)

    def zero_grad(self):
        self.grad_weight[...] = 0.0
        self.grad_bias[...] = 0.0


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        x = pad2d(x.astype(np.float64), self.padding, value=-np.inf)
        win = stack_windows(x, self.kernel_size, self.stride)   # (N, C, kk, Ho, Wo)
        out = win.max(axis=2)
        self.mask = win == out[:, :, None]                      # every max of the window
        self.padded_shape = x.shape
        return out

    def backward(self, dY):
        dwin = self.mask * dY.astype(np.float64)[:, :, None]
        dx = unstack_windows(dwin, self.padded_shape, self.kernel_size, self.stride)
        return unpad2d(dx, self.padding)

    def zero_grad(self):
        pass


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        self.weight = np.random.randn(out_features, in_features) * np.sqrt(2 / in_features)
        self.grad_weight = np.zeros((out_features, in_features))
        if bias:
            self.bias = np.zeros(out_features)
            self.grad_bias = np.zeros(out_features)
        else:
            self.bias = None
            self.grad_bias = None

    def forward(self, x):
        self.x = x.astype(np.float64)
        y = self.x @ self.weight.T
        if self.bias is not None:
            y += self.bias
        return y

    def backward(self, dY):
        dY = dY.astype(np.float64)
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dY @ self.weight

    def zero_grad(self):
        self.grad_weight[...] = 0.0
        if self.grad_bias is not None:
            self.grad_bias[...] = 0.0


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dY):
        return dY * self.mask

    def zero_grad(self):
        pass


class Flatten:
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dY):
        return dY.reshape(self.shape)

    def zero_grad(self):
        pass


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
        for layer in self.layers[::-1]:
            dY = layer.backward(dY)
        return dY

    def parameters(self):
        result = []
        for layer in self.layers:
            if hasattr(layer, "weight"):
                result.append((layer.weight, layer.grad_weight))
            if getattr(layer, "bias", None) is not None:
                result.append((layer.bias, layer.grad_bias))
        return result

    def zero_grad(self):
        for layer in self.layers:
            layer.zero_grad()


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        z = logits.astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)
        logsumexp = np.log(np.exp(z).sum(axis=1))
        n = np.arange(z.shape[0])
        self.probs = np.exp(z - logsumexp[:, None])
        self.targets = targets
        return np.mean(logsumexp - z[n, targets])

    def backward(self):
        n = self.probs.shape[0]
        d = self.probs.copy()
        d[np.arange(n), self.targets] -= 1.0
        return d / n


class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr
        self.params = list(model.parameters())

    def zero_grad(self):
        for _, grad in self.params:
            grad.fill(0.0)

    def step(self):
        for param, grad in self.params:
            param -= self.lr * grad
