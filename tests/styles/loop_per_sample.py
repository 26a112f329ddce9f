"""The whole lesson 8 API written plainly, one sample at a time, like the lesson's own code.

This is a deliberately plain, loop-per-sample implementation: Conv2d and MaxPool2d loop over the
images of the batch (`for n in range(N)`, and MaxPool2d also `for c in range(C)`) and call
im2col / col2im on one image at a time, exactly as on the slides. It is not used by the grader;
it is kept as the baseline of bench/train_lenet.py and as a correct "loop style" submission for
the grader's tests. It imports only NumPy.

Differences from the reference that are the lesson's own choices:
- MaxPool2d.backward gives the gradient to ALL maxima of a window (`max_mask = X_col == max_vals`),
  where the reference gives it to the first one only; they differ only when a window has ties.
- MaxPool2d pads with zeros (np.pad), like the lesson; the reference pads with -inf.
One difference from the slides: the loss takes the log of the softmax stably (see forward), as the
rubric requires a finite loss for logits around 1e3 to 1e4.
"""

import numpy as np


def _pair(value):
    """An int or a pair (kernel_size, stride, padding) as a pair of ints."""
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def he_normal(shape, fan_in):
    """He-normal float32 weights of the given shape, N(0, 2 / fan_in), from np.random.randn."""
    std = np.sqrt(2.0 / fan_in)
    return (np.random.randn(*shape) * std).astype(np.float32)


def im2col(x, kH, kW, stride=1):
    """One image x (C, H, W) -> columns (C*kH*kW, H_out*W_out), one column per window.

    Row c*kH*kW + i*kW + j, column oh*W_out + ow holds x[c, oh*sH + i, ow*sW + j].
    """
    sH, sW = _pair(stride)
    C, H, W = x.shape
    H_out = (H - kH) // sH + 1
    W_out = (W - kW) // sW + 1
    cols = np.zeros((C, kH, kW, H_out, W_out), dtype=x.dtype)
    for i in range(kH):
        for j in range(kW):
            cols[:, i, j] = x[:, i:i + sH * H_out:sH, j:j + sW * W_out:sW]
    return cols.reshape(C * kH * kW, H_out * W_out)


def col2im(cols, C, H, W, kH, kW, stride=1):
    """Columns (C*kH*kW, H_out*W_out) -> one image (C, H, W), adding (+=) where windows overlap."""
    sH, sW = _pair(stride)
    H_out = (H - kH) // sH + 1
    W_out = (W - kW) // sW + 1
    cols = cols.reshape(C, kH, kW, H_out, W_out)
    x = np.zeros((C, H, W), dtype=cols.dtype)
    for i in range(kH):
        for j in range(kW):
            x[:, i:i + sH * H_out:sH, j:j + sW * W_out:sW] += cols[:, i, j]
    return x


def normalize_fit(X):
    """Training images X -> (mean, std) over all pixels, two float32 scalars."""
    return np.float32(X.mean()), np.float32(X.std())


def normalize_apply(X, mean, std):
    """(X - mean) / std, same shape as X."""
    return (X - mean) / std


def _pad(x, pH, pW):
    """Zero-pad the two spatial axes of x (N, C, H, W)."""
    if pH == 0 and pW == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))


def _crop(x, pH, pW):
    """Undo _pad on x (N, C, H_pad, W_pad)."""
    H, W = x.shape[2:]
    return x[:, :, pH:H - pH, pW:W - pW]


class Conv2d:
    """2-D convolution (cross-correlation), one im2col and one matrix product per sample.

    weight (out_channels, in_channels, kH, kW) He-normal, bias (out_channels,) zeros.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        kH, kW = self.kernel_size
        self.weight = he_normal((out_channels, in_channels, kH, kW), fan_in=in_channels * kH * kW)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.cache = None

    def forward(self, x):
        """x (N, in_channels, H, W) -> (N, out_channels, H_out, W_out). Caches the padded x."""
        x = _pad(x, *self.padding)
        N, C, H_pad, W_pad = x.shape
        kH, kW = self.kernel_size
        sH, sW = self.stride
        H_out = (H_pad - kH) // sH + 1
        W_out = (W_pad - kW) // sW + 1
        W_rows = self.weight.reshape(self.out_channels, -1)        # (out, C*kH*kW)
        out = np.zeros((N, self.out_channels, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            X_col = im2col(x[n], kH, kW, stride=self.stride)       # (C*kH*kW, H_out*W_out)
            y = W_rows @ X_col + self.bias.reshape(-1, 1)          # (out, H_out*W_out)
            out[n] = y.reshape(self.out_channels, H_out, W_out)
        self.cache = {"x": x}
        return out

    def backward(self, dY):
        """dY (N, out_channels, H_out, W_out) -> dX (N, in_channels, H, W).

        Adds dL/dweight to grad_weight and dL/dbias to grad_bias, one sample at a time.
        """
        x = self.cache["x"]
        N, C, H_pad, W_pad = x.shape
        kH, kW = self.kernel_size
        W_rows = self.weight.reshape(self.out_channels, -1)
        dX_pad = np.zeros_like(x)
        for n in range(N):
            X_col = im2col(x[n], kH, kW, stride=self.stride)       # (C*kH*kW, L)
            dY_n = dY[n].reshape(self.out_channels, -1)            # (out, L)
            self.grad_weight += (dY_n @ X_col.T).reshape(self.weight.shape)
            self.grad_bias += dY_n.sum(axis=1)
            dX_col = W_rows.T @ dY_n                               # (C*kH*kW, L)
            dX_pad[n] = col2im(dX_col, C, H_pad, W_pad, kH, kW, stride=self.stride)
        return _crop(dX_pad, *self.padding)

    def zero_grad(self):
        """Reset grad_weight and grad_bias to zero, in place."""
        self.grad_weight.fill(0.0)
        self.grad_bias.fill(0.0)


class MaxPool2d:
    """Max pooling, one channel of one sample at a time. stride=None means stride = kernel_size.

    padding adds zeros; backward gives dY to every element equal to its window's maximum.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = _pair(kernel_size)
        self.stride = self.kernel_size if stride is None else _pair(stride)
        self.padding = _pair(padding)
        self.cache = None

    def forward(self, x):
        """x (N, C, H, W) -> (N, C, H_out, W_out). Caches the padded x and the original shape."""
        input_shape = x.shape
        x = _pad(x, *self.padding)
        N, C, H_pad, W_pad = x.shape
        kH, kW = self.kernel_size
        sH, sW = self.stride
        H_out = (H_pad - kH) // sH + 1
        W_out = (W_pad - kW) // sW + 1
        out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
        for n in range(N):
            for c in range(C):
                X_col = im2col(x[n, c:c + 1], kH, kW, stride=self.stride)   # (kH*kW, L)
                out[n, c] = X_col.max(axis=0).reshape(H_out, W_out)
        self.cache = {"x": x, "input_shape": input_shape}
        return out

    def backward(self, dY):
        """dY (N, C, H_out, W_out) -> dX (N, C, H, W), nonzero only at window maxima."""
        x = self.cache["x"]
        N, C, H_pad, W_pad = x.shape
        kH, kW = self.kernel_size
        dX_pad = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                X_col = im2col(x[n, c:c + 1], kH, kW, stride=self.stride)
                max_vals = X_col.max(axis=0, keepdims=True)
                max_mask = (X_col == max_vals)
                dY_flat = dY[n, c].reshape(1, -1)
                dX_col = max_mask * dY_flat
                dX_patch = col2im(dX_col, 1, H_pad, W_pad, kH, kW, stride=self.stride)
                dX_pad[n, c] = dX_patch[0]
        return _crop(dX_pad, *self.padding)


class Linear:
    """y = x @ weight.T + bias; weight (out_features, in_features) He-normal, bias (out_features,)."""

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
        """x (N, in_features) -> (N, out_features). Caches x."""
        self.x = x
        y = x @ self.weight.T
        if self.bias is not None:
            y = y + self.bias
        return y

    def backward(self, dY):
        """dY (N, out_features) -> dX (N, in_features). Adds to grad_weight and grad_bias."""
        dX = dY @ self.weight                    # dL/dX = dY @ W
        self.grad_weight += dY.T @ self.x        # dL/dW = dY^T @ X, (out_features, in_features)
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dX

    def zero_grad(self):
        """Reset grad_weight and grad_bias to zero, in place."""
        self.grad_weight.fill(0.0)
        if self.grad_bias is not None:
            self.grad_bias.fill(0.0)


class ReLU:
    """max(x, 0) elementwise; any shape in, same shape out."""

    def forward(self, x):
        self.mask = (x > 0)
        return x * self.mask

    def backward(self, dY):
        return dY * self.mask


class Flatten:
    """(N, C, H, W) -> (N, C*H*W); backward reshapes to the cached shape."""

    def __init__(self):
        self.original_shape = None

    def forward(self, x):
        self.original_shape = x.shape
        N = x.shape[0]
        return x.reshape(N, -1)

    def backward(self, dY):
        return dY.reshape(self.original_shape)


class Sequential:
    """model = Sequential(layer1, layer2, ...); model(x) runs the layers in order."""

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
        """[(param, grad), ...] for every layer's weight and (not None) bias, in layer order."""
        params = []
        for layer in self.layers:
            if hasattr(layer, "weight"):
                params.append((layer.weight, layer.grad_weight))
            if hasattr(layer, "bias") and layer.bias is not None:
                params.append((layer.bias, layer.grad_bias))
        return params


class SoftmaxCrossEntropyLoss:
    """logits (N, classes), targets (N,) class indices -> mean cross-entropy; backward -> dLogits."""

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

    def forward(self, logits, targets):
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.probs = exp / exp.sum(axis=1, keepdims=True)
        self.targets = targets
        # log of the softmax as shifted - log(sum(exp)): the slide's -log(probs[...]) gives inf as soon
        # as a target's probability underflows (logits of a few hundred apart), which the rubric rejects
        log_probs = shifted - np.log(exp.sum(axis=1, keepdims=True))
        return -log_probs[np.arange(logits.shape[0]), targets].mean()

    def backward(self):
        """-> dLogits (N, classes) = (probs - one_hot(targets)) / N."""
        N = self.probs.shape[0]
        dLogits = self.probs.copy()
        dLogits[np.arange(N), self.targets] -= 1
        dLogits /= N
        return dLogits


class SGD:
    """Plain SGD over model.parameters(): param -= lr * grad, in place."""

    def __init__(self, model, lr=0.01):
        self.model = model
        self.lr = lr

    def zero_grad(self):
        for param, grad in self.model.parameters():
            grad[...] = 0

    def step(self):
        for param, grad in self.model.parameters():
            param[...] -= self.lr * grad
