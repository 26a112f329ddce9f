"""Torcino lesson 8 -- channels-last (NHWC) internals behind the lesson's NCHW API.

Conv2d and MaxPool2d transpose their input to NHWC, do the work there and transpose the outputs
and dX back to NCHW. Conv2d unfolds patches to (N*H_out*W_out, kH*kW*C) and multiplies by the weight
rearranged to (kH, kW, C, out); MaxPool2d reshapes when stride == kernel and gathers the windows
with a loop over window offsets otherwise. Extras a tinkering student adds: an optional `retain`
argument on backward (keeps the upstream gradient for inspection), `dout` on the loss's backward,
__repr__, num_params() and Sequential.summary().
"""

import numpy as np


def he_init(shape, fan_in):
    return (np.random.randn(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def to_nhwc(x):
    return x.transpose(0, 2, 3, 1)


def to_nchw(x):
    return x.transpose(0, 3, 1, 2)


def pad_nhwc(x, p, value=0.0):
    if p == 0:
        return x
    return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), mode="constant", constant_values=value)


class Layer:
    """Common bits: parameter count, repr, gradient retention."""

    def num_params(self):
        total = 0
        for name in ("weight", "bias"):
            value = getattr(self, name, None)
            if value is not None:
                total += value.size
        return total

    def _retain(self, dY, retain):
        if retain:
            self.grad_output = dY.copy()

    def __repr__(self):
        return f"{type(self).__name__}()"


class Conv2d(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        k = kernel_size
        self.weight = he_init((out_channels, in_channels, k, k), fan_in=in_channels * k * k)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.grad_output = None

    def __repr__(self):
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding})")

    def _weight_matrix(self):
        # (out, C, kH, kW) -> (kH, kW, C, out) -> (kH*kW*C, out), same order as the patch columns
        return self.weight.transpose(2, 3, 1, 0).reshape(-1, self.out_channels)

    def forward(self, x):
        k, s = self.kernel_size, self.stride
        xh = pad_nhwc(to_nhwc(x), self.padding)                  # (N, Hp, Wp, C)
        N, Hp, Wp, C = xh.shape
        Ho = (Hp - k) // s + 1
        Wo = (Wp - k) // s + 1
        patches = np.empty((N, Ho, Wo, k, k, C), dtype=xh.dtype)
        for di in range(k):
            for dj in range(k):
                patches[:, :, :, di, dj, :] = xh[:, di:di + s * Ho:s, dj:dj + s * Wo:s, :]
        patches = patches.reshape(N * Ho * Wo, k * k * C)
        out = patches @ self._weight_matrix() + self.bias      # (N*Ho*Wo, out)
        self.patches = patches
        self.padded_nhwc_shape = xh.shape
        return to_nchw(out.reshape(N, Ho, Wo, self.out_channels))

    def backward(self, dY, retain=False):
        self._retain(dY, retain)
        k, s, p = self.kernel_size, self.stride, self.padding
        N, Hp, Wp, C = self.padded_nhwc_shape
        Ho, Wo = dY.shape[2], dY.shape[3]
        dY_mat = to_nhwc(dY).reshape(-1, self.out_channels)     # (N*Ho*Wo, out)

        dW_mat = self.patches.T @ dY_mat                         # (kH*kW*C, out)
        self.grad_weight += dW_mat.reshape(k, k, C, self.out_channels).transpose(3, 2, 0, 1)
        self.grad_bias += dY_mat.sum(axis=0)

        dpatches = (dY_mat @ self._weight_matrix().T).reshape(N, Ho, Wo, k, k, C)
        dxh = np.zeros((N, Hp, Wp, C), dtype=dpatches.dtype)
        for di in range(k):
            for dj in range(k):
                dxh[:, di:di + s * Ho:s, dj:dj + s * Wo:s, :] += dpatches[:, :, :, di, dj, :]
        dxh = dxh[:, p:Hp - p, p:Wp - p, :]
        return to_nchw(dxh)


class MaxPool2d(Layer):
    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.grad_output = None

    def __repr__(self):
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})"

    def forward(self, x):
        k, s = self.kernel_size, self.stride
        xh = pad_nhwc(to_nhwc(x), self.padding, value=-np.inf)  # (N, Hp, Wp, C)
        N, Hp, Wp, C = xh.shape
        Ho = (Hp - k) // s + 1
        Wo = (Wp - k) // s + 1
        if s == k:
            # non-overlapping: cut the image into k x k tiles with a reshape
            tiles = xh[:, :Ho * k, :Wo * k, :].reshape(N, Ho, k, Wo, k, C)
            win = tiles.transpose(0, 1, 3, 5, 2, 4).reshape(N, Ho, Wo, C, k * k)
        else:
            win = np.empty((N, Ho, Wo, C, k * k), dtype=xh.dtype)
            for di in range(k):
                for dj in range(k):
                    win[..., di * k + dj] = xh[:, di:di + s * Ho:s, dj:dj + s * Wo:s, :]
        arg = win.argmax(axis=-1)                                # (N, Ho, Wo, C), first max
        out = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
        self.arg = arg
        self.padded_nhwc_shape = xh.shape
        return to_nchw(out)

    def backward(self, dY, retain=False):
        self._retain(dY, retain)
        k, s, p = self.kernel_size, self.stride, self.padding
        N, Hp, Wp, C = self.padded_nhwc_shape
        Ho, Wo = dY.shape[2], dY.shape[3]
        onehot = self.arg[..., None] == np.arange(k * k)          # (N, Ho, Wo, C, k*k)
        dwin = onehot * to_nhwc(dY)[..., None]
        dxh = np.zeros((N, Hp, Wp, C), dtype=dwin.dtype)
        if s == k:
            tiles = dwin.reshape(N, Ho, Wo, C, k, k).transpose(0, 1, 4, 2, 5, 3)
            dxh[:, :Ho * k, :Wo * k, :] = tiles.reshape(N, Ho * k, Wo * k, C)
        else:
            for di in range(k):
                for dj in range(k):
                    dxh[:, di:di + s * Ho:s, dj:dj + s * Wo:s, :] += dwin[..., di * k + dj]
        dxh = dxh[:, p:Hp - p, p:Wp - p, :]
        return to_nchw(dxh)


class Linear(Layer):
    def __init__(self, in_features, out_features, bias=True):
        self.in_features = in_features
        self.out_features = out_features
        self.weight = he_init((out_features, in_features), fan_in=in_features)
        self.grad_weight = np.zeros_like(self.weight)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_bias = np.zeros_like(self.bias) if bias else None
        self.grad_output = None

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"

    def forward(self, x):
        self.x = x
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias

    def backward(self, dY, retain=False):
        self._retain(dY, retain)
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(0)
        return dY @ self.weight


class ReLU(Layer):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dY, retain=False):
        self._retain(dY, retain)
        return dY * self.mask


class Flatten(Layer):
    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dY, retain=False):
        self._retain(dY, retain)
        return dY.reshape(self.input_shape)


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)

    def __call__(self, x):
        return self.forward(x)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __repr__(self):
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dY, retain=False):
        for layer in reversed(self.layers):
            dY = layer.backward(dY, retain=retain)
        return dY

    def parameters(self):
        out = []
        for layer in self.layers:
            if getattr(layer, "weight", None) is not None:
                out.append((layer.weight, layer.grad_weight))
            if getattr(layer, "bias", None) is not None:
                out.append((layer.bias, layer.grad_bias))
        return out

    def num_params(self):
        return sum(layer.num_params() for layer in self.layers)

    def summary(self):
        for layer in self.layers:
            print(f"{layer!r:70s} {layer.num_params():>8d}")
        print(f"{'total':70s} {self.num_params():>8d}")


class SoftmaxCrossEntropyLoss:
    def __init__(self):
        self.probs = None
        self.targets = None

    def __repr__(self):
        return "SoftmaxCrossEntropyLoss()"

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_probs = shifted - log_norm
        self.probs = np.exp(log_probs)
        self.targets = np.asarray(targets)
        N = logits.shape[0]
        return float(-log_probs[np.arange(N), self.targets].sum() / N)

    def backward(self, dout=1):
        N = self.probs.shape[0]
        grad = self.probs.copy()
        grad[np.arange(N), self.targets] -= 1
        return grad * (dout / N)


class SGD:
    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def __repr__(self):
        return f"SGD(lr={self.lr})"

    def zero_grad(self):
        for _, grad in self.model.parameters():
            grad.fill(0)

    def step(self):
        for param, grad in self.model.parameters():
            param -= self.lr * grad
