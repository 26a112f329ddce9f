"""Torcino lesson 8 -- sliding windows + einsum.

The windows of the (padded) input are a zero-copy view from np.lib.stride_tricks.sliding_window_view,
subsampled by the stride; Conv2d forward and grad_weight are single np.einsum contractions over it,
and dX is scattered back with a short loop over the kH*kW kernel offsets.
MaxPool2d takes the same window view, flattens each window, and keeps a one-hot argmax mask
(the first maximum) for backward, which is scattered back the same way (overlaps add up).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def windows(x, k, s):
    """x (N, C, H, W) -> view (N, C, H_out, W_out, k, k) of every k x k window, stride s."""
    v = sliding_window_view(x, (k, k), axis=(2, 3))
    return v[:, :, ::s, ::s]


def scatter_windows(dwin, out_shape, k, s):
    """Adjoint of windows(): add dwin (N, C, H_out, W_out, k, k) back into an (N, C, H, W) array."""
    dx = np.zeros(out_shape, dtype=dwin.dtype)
    H_out, W_out = dwin.shape[2], dwin.shape[3]
    for a in range(k):
        for b in range(k):
            dx[:, :, a:a + s * H_out:s, b:b + s * W_out:s] += dwin[..., a, b]
    return dx


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        k = kernel_size
        std = np.sqrt(2.0 / (in_channels * k * k))
        self.weight = (np.random.randn(out_channels, in_channels, k, k) * std).astype(np.float32)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)

    def forward(self, x):
        p = self.padding
        if p > 0:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        win = windows(x, self.kernel_size, self.stride)   # (N, C, Ho, Wo, k, k), a view
        out = np.einsum("nchwij,fcij->nfhw", win, self.weight, optimize=True)
        out = out + self.bias[None, :, None, None]
        self.padded_shape = x.shape
        self.win = win
        return out

    def backward(self, dY):
        k, s, p = self.kernel_size, self.stride, self.padding
        self.grad_weight += np.einsum("nchwij,nfhw->fcij", self.win, dY, optimize=True)
        self.grad_bias += dY.sum(axis=(0, 2, 3))

        N, C, Hp, Wp = self.padded_shape
        H_out, W_out = dY.shape[2], dY.shape[3]
        dx = np.zeros(self.padded_shape, dtype=np.result_type(dY, self.weight))
        for a in range(k):
            for b in range(k):
                # every output pixel sends dY * weight[:, :, a, b] back to input pixel (s*h + a, s*w + b)
                contrib = np.einsum("nfhw,fc->nchw", dY, self.weight[:, :, a, b], optimize=True)
                dx[:, :, a:a + s * H_out:s, b:b + s * W_out:s] += contrib
        if p > 0:
            dx = dx[:, :, p:-p, p:-p]
        return dx


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        k, s, p = self.kernel_size, self.stride, self.padding
        if p > 0:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
        win = windows(x, k, s)
        N, C, H_out, W_out = win.shape[:4]
        flat = win.reshape(N, C, H_out, W_out, k * k)          # copies the windows
        idx = flat.argmax(axis=-1)                              # first max of each window
        out = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
        self.mask = idx[..., None] == np.arange(k * k)          # one-hot (N, C, Ho, Wo, k*k)
        self.padded_shape = x.shape
        return out

    def backward(self, dY):
        k, p = self.kernel_size, self.padding
        N, C, H_out, W_out = dY.shape
        dwin = (self.mask * dY[..., None]).reshape(N, C, H_out, W_out, k, k)
        dx = scatter_windows(dwin, self.padded_shape, k, self.stride)
        if p > 0:
            dx = dx[:, :, p:-p, p:-p]
        return dx


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        std = np.sqrt(2.0 / in_features)
        self.weight = (np.random.randn(out_features, in_features) * std).astype(np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_bias = np.zeros(out_features, dtype=np.float32) if bias else None

    def forward(self, x):
        self.x = x
        y = np.einsum("ni,oi->no", x, self.weight)
        if self.bias is not None:
            y += self.bias
        return y

    def backward(self, dY):
        self.grad_weight += np.einsum("no,ni->oi", dY, self.x)
        if self.bias is not None:
            self.grad_bias += np.einsum("no->o", dY)
        return np.einsum("no,oi->ni", dY, self.weight)


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, np.zeros_like(x))

    def backward(self, dY):
        return np.where(self.mask, dY, np.zeros_like(dY))


class Flatten:
    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dY):
        return dY.reshape(self.in_shape)


class Sequential:
    def __init__(self, *layers):
        self.layers = layers

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
        pairs = []
        for layer in self.layers:
            for name in ("weight", "bias"):
                param = getattr(layer, name, None)
                if param is not None:
                    pairs.append((param, getattr(layer, "grad_" + name)))
        return pairs


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        z = logits - logits.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(z).sum(axis=1, keepdims=True))
        log_p = z - log_sum
        self.p = np.exp(log_p)
        self.onehot = np.eye(logits.shape[1], dtype=self.p.dtype)[targets]
        return -np.einsum("nk,nk->", self.onehot, log_p) / logits.shape[0]

    def backward(self):
        return (self.p - self.onehot) / self.p.shape[0]


class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def zero_grad(self):
        for _, g in self.model.parameters():
            g[...] = 0.0

    def step(self):
        for w, g in self.model.parameters():
            w -= self.lr * g
