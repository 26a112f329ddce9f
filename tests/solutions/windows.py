# Lesson 8 in one file, written independently of the reference and of tests/styles/loop_per_sample.py:
# convolution and pooling through strided window views and einsum, no im2col in the layers.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def as_pair(v):
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def he_normal(shape, fan_in):
    return (np.random.randn(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def im2col(x, kH, kW, stride=1):
    s_h, s_w = as_pair(stride)
    win = sliding_window_view(x, (kH, kW), axis=(1, 2))[:, ::s_h, ::s_w]
    C, oh, ow = win.shape[:3]
    return win.transpose(0, 3, 4, 1, 2).reshape(C * kH * kW, oh * ow)


def col2im(cols, C, H, W, kH, kW, stride=1):
    s_h, s_w = as_pair(stride)
    oh, ow = (H - kH) // s_h + 1, (W - kW) // s_w + 1
    blocks = cols.reshape(C, kH, kW, oh, ow)
    image = np.zeros((C, H, W), dtype=cols.dtype)
    for a in range(kH):
        for b in range(kW):
            np.add.at(image, (slice(None), slice(a, a + s_h * oh, s_h), slice(b, b + s_w * ow, s_w)), blocks[:, a, b])
    return image


def normalize_fit(X):
    return np.float32(np.mean(X)), np.float32(np.std(X))


def normalize_apply(X, mean, std):
    return ((X - mean) / std).astype(np.float32)


def windows(x, size, step):
    """(N, C, Hp, Wp) -> view (N, C, oh, ow, kh, kw)."""
    return sliding_window_view(x, size, axis=(2, 3))[:, :, ::step[0], ::step[1]]


def surround(x, pad, fill):
    if pad == (0, 0):
        return x
    return np.pad(x, [(0, 0), (0, 0), (pad[0],) * 2, (pad[1],) * 2], constant_values=fill)


def unpad(g, pad):
    return g[:, :, pad[0]:g.shape[2] - pad[0], pad[1]:g.shape[3] - pad[1]]


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        out = x
        for lay in self.layers:
            out = lay.forward(out)
        return out

    def backward(self, dY):
        g = dY
        for lay in self.layers[::-1]:
            g = lay.backward(g)
        return g

    def parameters(self):
        found = []
        for lay in self.layers:
            for name in ("weight", "bias"):
                p = getattr(lay, name, None)
                if p is not None:
                    found.append((p, getattr(lay, "grad_" + name)))
        return found


class Conv2d:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.kernel_size, self.stride, self.padding = as_pair(kernel_size), as_pair(stride), as_pair(padding)
        kh, kw = self.kernel_size
        self.in_channels, self.out_channels = in_channels, out_channels
        self.weight = he_normal((out_channels, in_channels, kh, kw), in_channels * kh * kw)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)

    def forward(self, x):
        self.shape = x.shape
        self.xp = surround(x, self.padding, 0)
        patches = windows(self.xp, self.kernel_size, self.stride)
        y = np.einsum("ncijhw,ochw->noij", patches, self.weight, optimize=True)
        return (y + self.bias[None, :, None, None]).astype(x.dtype)

    def backward(self, dY):
        patches = windows(self.xp, self.kernel_size, self.stride)
        self.grad_weight += np.einsum("noij,ncijhw->ochw", dY, patches, optimize=True)
        self.grad_bias += dY.sum(axis=(0, 2, 3))
        grad = np.zeros_like(self.xp)
        kh, kw = self.kernel_size
        sh, sw = self.stride
        oh, ow = dY.shape[2], dY.shape[3]
        for a in range(kh):
            for b in range(kw):
                grad[:, :, a:a + sh * oh:sh, b:b + sw * ow:sw] += np.einsum("noij,oc->ncij", dY, self.weight[:, :, a, b])
        return unpad(grad, self.padding)


class MaxPool2d:
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = as_pair(kernel_size)
        self.stride = as_pair(kernel_size if stride is None else stride)
        self.padding = as_pair(padding)

    def forward(self, x):
        self.xp = surround(x, self.padding, -np.inf)
        patches = windows(self.xp, self.kernel_size, self.stride)
        n, c, oh, ow, kh, kw = patches.shape
        flat = patches.reshape(n, c, oh, ow, kh * kw)
        self.arg = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self.arg[..., None], axis=-1)[..., 0].astype(x.dtype)

    def backward(self, dY):
        grad = np.zeros_like(self.xp)
        kh, kw = self.kernel_size
        sh, sw = self.stride
        n, c, oh, ow = dY.shape
        rows = np.arange(oh)[:, None] * sh + self.arg // kw
        cols = np.arange(ow)[None, :] * sw + self.arg % kw
        ni, ci = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
        np.add.at(grad, (ni[:, :, None, None], ci[:, :, None, None], rows, cols), dY)
        return unpad(grad, self.padding)


class Linear:
    def __init__(self, in_features, out_features, bias=True):
        self.weight = he_normal((out_features, in_features), in_features)
        self.grad_weight = np.zeros_like(self.weight)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_bias = np.zeros_like(self.bias) if bias else None

    def forward(self, x):
        self.inp = x
        out = np.einsum("ni,oi->no", x, self.weight)
        return out if self.bias is None else out + self.bias

    def backward(self, dY):
        self.grad_weight += np.einsum("no,ni->oi", dY, self.inp)
        if self.bias is not None:
            self.grad_bias += np.einsum("no->o", dY)
        return np.einsum("no,oi->ni", dY, self.weight)


class ReLU:
    def forward(self, x):
        self.keep = x > 0
        return np.where(self.keep, x, np.zeros_like(x))

    def backward(self, dY):
        return np.where(self.keep, dY, np.zeros_like(dY))


class Flatten:
    def forward(self, x):
        self.before = x.shape
        return np.reshape(x, (x.shape[0], -1))

    def backward(self, dY):
        return np.reshape(dY, self.before)


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.p = np.exp(logp)
        self.t = np.asarray(targets)
        return float(-np.mean(logp[np.arange(len(self.t)), self.t]))

    def backward(self):
        d = self.p.copy()
        d[np.arange(len(self.t)), self.t] -= 1.0
        return d / len(self.t)


class SGD:
    def __init__(self, model, lr=0.01):
        self.model, self.lr = model, lr

    def zero_grad(self):
        for _, g in self.model.parameters():
            g.fill(0)

    def step(self):
        for p, g in self.model.parameters():
            p -= self.lr * g
