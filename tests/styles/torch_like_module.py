"""Torcino lesson 8 -- a PyTorch-like Module base class (style: "torch-like module").

Every layer derives from Module, whose __setattr__ registers parameters (declared with
register_parameter, like torch's) in an ordered `_parameters` dict, their gradients (`grad_<name>`)
in `_grads` and sub-modules in `_modules`; attribute reads fall back to those registries through
__getattr__. parameters() walks the registries recursively, as torch.nn.Module.parameters() does.
Sequential keeps its layers in `_modules` (an OrderedDict keyed "0", "1", ...) and, like
torch.nn.Sequential, accepts only Module instances. Conv2d and MaxPool2d gather their windows with
one strided slice per kernel offset; MaxPool2d routes each window's gradient to its first maximum.
"""

from collections import OrderedDict

import numpy as np


class Module:
    """Base class: registries of parameters, gradients and sub-modules; __call__ runs forward."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_grads", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        self.training = True

    def register_parameter(self, name, value):
        """Declare a parameter (an array, or None for an absent one) with a zero gradient."""
        self._parameters[name] = value
        self._grads[name] = None if value is None else np.zeros_like(value)

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    def __setattr__(self, name, value):
        registries = self.__dict__.get("_parameters")
        if registries is None:
            raise AttributeError("cannot assign before Module.__init__() call")
        if name in self._parameters:
            self._parameters[name] = value
        elif name.startswith("grad_") and name[5:] in self._parameters:
            self._grads[name[5:]] = value
        elif isinstance(value, Module):
            self.add_module(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        state = self.__dict__
        for registry in ("_parameters", "_modules"):
            if name in state.get(registry, {}):
                return state[registry][name]
        if name.startswith("grad_") and name[5:] in state.get("_grads", {}):
            return state["_grads"][name[5:]]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def children(self):
        return list(self._modules.values())

    def parameters(self):
        """[(param, grad)] of this module's registry, then of its sub-modules, in order."""
        pairs = [(value, self._grads[name]) for name, value in self._parameters.items() if value is not None]
        for child in self.children():
            pairs.extend(child.parameters())
        return pairs

    def zero_grad(self):
        for _, grad in self.parameters():
            grad[...] = 0

    def train(self, mode=True):
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)


def offsets(k):
    """The kernel's offsets (a, b) in row-major order."""
    return [(a, b) for a in range(k) for b in range(k)]


def gather(x, k, s, H_out, W_out):
    """x (N, C, H, W) -> (N, C, k*k, H_out, W_out): every window's values, offset by offset."""
    return np.stack([x[:, :, a:a + s * H_out:s, b:b + s * W_out:s] for a, b in offsets(k)], axis=2)


def scatter(windows, shape, k, s):
    """Adjoint of gather: add windows (N, C, k*k, H_out, W_out) back into an array of shape."""
    out = np.zeros(shape, dtype=windows.dtype)
    H_out, W_out = windows.shape[3], windows.shape[4]
    for index, (a, b) in enumerate(offsets(k)):
        out[:, :, a:a + s * H_out:s, b:b + s * W_out:s] += windows[:, :, index]
    return out


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        fan_in = in_channels * kernel_size * kernel_size
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.register_parameter("weight", (np.random.randn(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        self.register_parameter("bias", np.zeros(out_channels, dtype=np.float32))

    def forward(self, x):
        k, s, p = self.kernel_size, self.stride, self.padding
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        N, C, H, W = x.shape
        H_out, W_out = (H - k) // s + 1, (W - k) // s + 1
        cols = gather(x, k, s, H_out, W_out).reshape(N, C * k * k, H_out * W_out)
        out = self.weight.reshape(self.out_channels, -1) @ cols + self.bias[:, None]
        self.cols, self.padded_shape = cols, x.shape
        return out.reshape(N, self.out_channels, H_out, W_out)

    def backward(self, dY):
        k, s, p = self.kernel_size, self.stride, self.padding
        N, F, H_out, W_out = dY.shape
        dY = dY.reshape(N, F, H_out * W_out)
        self.grad_weight += np.einsum("nfl,ncl->fc", dY, self.cols).reshape(self.weight.shape)
        self.grad_bias += dY.sum(axis=(0, 2))
        dcols = self.weight.reshape(F, -1).T @ dY
        C = self.padded_shape[1]
        dX = scatter(dcols.reshape(N, C, k * k, H_out, W_out), self.padded_shape, k, s)
        return dX[:, :, p:dX.shape[2] - p, p:dX.shape[3] - p]


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        k, s, p = self.kernel_size, self.stride, self.padding
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf) if p else x
        H_out, W_out = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
        windows = gather(x, k, s, H_out, W_out)
        first = windows.argmax(axis=2)
        self.mask = np.arange(k * k)[None, None, :, None, None] == first[:, :, None]
        self.padded_shape = x.shape
        return np.take_along_axis(windows, first[:, :, None], axis=2)[:, :, 0]

    def backward(self, dY):
        k, s, p = self.kernel_size, self.stride, self.padding
        dX = scatter(self.mask * dY[:, :, None], self.padded_shape, k, s)
        return dX[:, :, p:dX.shape[2] - p, p:dX.shape[3] - p]


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        weight = np.random.randn(out_features, in_features) * np.sqrt(2.0 / in_features)
        self.register_parameter("weight", weight.astype(np.float32))
        self.register_parameter("bias", np.zeros(out_features, dtype=np.float32) if bias else None)

    def forward(self, x):
        self.x = x
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def backward(self, dY):
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dY @ self.weight


class ReLU(Module):
    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, 0).astype(x.dtype, copy=False)

    def backward(self, dY):
        return np.where(self.positive, dY, 0).astype(dY.dtype, copy=False)


class Flatten(Module):
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dY):
        return dY.reshape(self.shape)


class Sequential(Module):
    """Like torch.nn.Sequential: the layers are sub-modules "0", "1", ... of an OrderedDict."""

    def __init__(self, *layers):
        super().__init__()
        for index, layer in enumerate(layers):
            self.add_module(str(index), layer)

    def __iter__(self):
        return iter(self._modules.values())

    def __len__(self):
        return len(self._modules)

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def forward(self, x):
        for layer in self:
            x = layer(x)
        return x

    def backward(self, dY):
        for layer in reversed(self._modules.values()):
            dY = layer.backward(dY)
        return dY


class SoftmaxCrossEntropyLoss(Module):
    def forward(self, logits, targets):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs, self.targets = np.exp(log_probs), targets
        return -log_probs[np.arange(len(targets)), targets].mean()

    def backward(self):
        dLogits = self.probs.copy()
        dLogits[np.arange(len(self.targets)), self.targets] -= 1
        return dLogits / len(self.targets)


class SGD:
    def __init__(self, model, lr=0.01):
        self.model, self.lr = model, lr

    def zero_grad(self):
        for _, grad in self.model.parameters():
            grad[...] = 0

    def step(self):
        for param, grad in self.model.parameters():
            param -= self.lr * grad
