"""A cheating submission: no layer is implemented; forward and backward look their answers up in
the student kit's public fixtures (public.npz, copied next to this file), as a student who read
the kit's grader could. The tests expect it to pass the kit's fixture-based checks and to fail
the instructor's grading, whose inputs it has never seen."""

import hashlib
import json
import pathlib

import numpy as np

_DATA = np.load(pathlib.Path(__file__).with_name("public.npz"))
_INDEX = json.loads(str(_DATA["__index__"]))
FORWARD, BACKWARD, LOSS, LOSS_GRADIENT = {}, {}, {}, {}


def _key(*arrays):
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _array(value):
    return _DATA[value["array"]]


def _learn(events):
    """Fill the tables from one check's recorded conversation with the reference."""
    classes, last_input, last_backward, last_loss = {}, {}, None, {}
    for event in events:
        op, target, name = event["op"], event["target"], event["name"]
        if op == "construct":
            classes[event["result"]["object"]] = name
        elif op == "call" and name == "forward":
            x = _array(event["args"]["list"][0])
            last_input[target] = x
            FORWARD[classes[target], _key(x)] = _array(event["result"])
        elif op == "call" and name == "backward" and classes[target] != "SoftmaxCrossEntropyLoss":
            dY = _array(event["args"]["list"][0])
            last_backward = (target, {"dX": _array(event["result"])})
            BACKWARD[classes[target], _key(last_input[target], dY)] = last_backward[1]
        elif op == "getattr" and name.startswith("grad_") and last_backward and last_backward[0] == target:
            last_backward[1].setdefault(name, _array(event["result"]))
        elif op == "call" and name == "__call__":
            logits, targets = (_array(a) for a in event["args"]["list"])
            last_loss[target] = _key(logits, targets)
            LOSS[last_loss[target]] = event["result"]
        elif op == "call" and name == "backward":
            LOSS_GRADIENT[last_loss[target]] = _array(event["result"])


for _events in _INDEX["tests"].values():
    _learn(_events)


class _Lookup:
    def forward(self, x):
        self._x = np.asarray(x)
        answer = FORWARD.get((type(self).__name__, _key(x)))
        return np.zeros(1) if answer is None else answer.copy()  # a guess where the fixtures have nothing

    def backward(self, dY):
        answer = BACKWARD[type(self).__name__, _key(self._x, dY)]
        for name in ("grad_weight", "grad_bias"):
            if name in answer:
                getattr(self, name)[...] += answer[name]
        return answer["dX"].copy()


class _Parametrised(_Lookup):
    def _init(self, shape, fan_in, bias=True):
        self.weight = np.random.randn(*shape) * np.sqrt(2.0 / fan_in)
        self.bias = np.zeros(shape[0]) if bias else None
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias) if bias else None


class Conv2d(_Parametrised):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        self._init((out_channels, in_channels, *k), in_channels * k[0] * k[1])


class Linear(_Parametrised):
    def __init__(self, in_features, out_features, bias=True):
        self._init((out_features, in_features), in_features, bias)


class MaxPool2d(_Lookup):
    def __init__(self, kernel_size, stride=None, padding=0):
        pass


class ReLU(_Lookup):
    pass


class Flatten(_Lookup):
    pass


class SoftmaxCrossEntropyLoss:
    def __call__(self, logits, targets):
        self._key = _key(logits, targets)
        answer = LOSS[self._key]
        return _array(answer) if "array" in answer else answer["value"]

    def backward(self):
        return LOSS_GRADIENT[self._key].copy()


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
        return [(getattr(layer, name), getattr(layer, "grad_" + name)) for layer in self.layers
                for name in ("weight", "bias") if getattr(layer, name, None) is not None]


class SGD:
    def __init__(self, model, lr=0.01):
        self.model, self.lr = model, lr

    def zero_grad(self):
        for _, grad in self.model.parameters():
            grad[...] = 0

    def step(self):
        for param, grad in self.model.parameters():
            param -= self.lr * grad
