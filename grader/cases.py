"""Tables of layer configurations shared by the reference's tests and the grader's checks.

Each case says which class to build with which arguments and the input shape to feed it. Together
they cover multi-channel in and out, kernels 1/3/5, strides 1/2/3, padding 0/1/2, non-square inputs,
batch size 1, H not a multiple of the stride, pairs for kernel/stride/padding, overlapping pooling
windows and stride=None.
"""

from dataclasses import dataclass

import numpy as np


SPACING = 0.01


@dataclass(frozen=True)
class LayerCase:
    """One configuration: api.<layer>(*args, **dict(kwargs)) fed an input of input_shape.

    positive: positive inputs — for padded max pooling, where zero padding and -inf padding agree.
    """

    layer: str
    args: tuple
    input_shape: tuple
    kwargs: tuple = ()
    positive: bool = False

    @property
    def id(self):
        """A readable name, e.g. 'MaxPool2d(3, stride=2) x(2, 2, 9, 7)'."""
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.layer}({', '.join(arguments)}) x{self.input_shape}"

    def build(self, api):
        """The layer, constructed from the namespace api (reference, a submission, ...)."""
        return getattr(api, self.layer)(*self.args, **dict(self.kwargs))

    def input(self, rng, dtype=np.float64):
        """A random input of distinct values SPACING apart, shuffled, none closer than SPACING / 2 to 0:
        no ties, no exact zeros, and no kink (of ReLU or max) within a finite-difference step."""
        size = int(np.prod(self.input_shape))
        grid = (rng.permutation(size) + 0.5) * SPACING
        values = grid + 0.5 if self.positive else grid - SPACING * (size // 2)
        return values.reshape(self.input_shape).astype(dtype)


def _case(layer, *args, shape, positive=False, **kwargs):
    return LayerCase(layer, args, shape, tuple(kwargs.items()), positive)


CONV2D_CASES = [
    _case("Conv2d", 3, 2, 3, shape=(2, 3, 7, 9)),                       # multi-channel, non-square
    _case("Conv2d", 1, 4, 5, shape=(2, 1, 12, 12)),                     # LeNet's first layer
    _case("Conv2d", 2, 3, 1, shape=(2, 2, 5, 4)),                       # 1x1 kernel
    _case("Conv2d", 2, 3, 3, stride=2, shape=(2, 2, 8, 7)),             # H not a multiple of stride
    _case("Conv2d", 2, 2, 3, stride=3, padding=1, shape=(1, 2, 8, 10)),  # batch 1, stride 3
    _case("Conv2d", 3, 2, 5, padding=2, shape=(2, 3, 6, 5)),            # "same" padding
    _case("Conv2d", 2, 3, (3, 2), stride=(2, 1), padding=(1, 0), shape=(2, 2, 6, 5)),  # pairs
]

MAXPOOL2D_CASES = [
    _case("MaxPool2d", 2, 2, shape=(2, 3, 8, 8)),                       # LeNet's pooling
    _case("MaxPool2d", 2, shape=(2, 2, 6, 9)),                          # stride=None, W odd
    _case("MaxPool2d", 3, 2, shape=(2, 2, 9, 7)),                       # overlapping windows
    _case("MaxPool2d", 2, 1, shape=(1, 2, 5, 6)),                       # overlapping, batch 1
    _case("MaxPool2d", 3, 3, shape=(2, 1, 10, 11)),                     # H not a multiple of stride
    _case("MaxPool2d", 2, 2, padding=1, shape=(2, 2, 7, 7), positive=True),
    _case("MaxPool2d", 3, 2, padding=1, shape=(1, 3, 8, 6), positive=True),
    _case("MaxPool2d", (2, 3), shape=(2, 2, 6, 9)),                     # non-square kernel
]

LINEAR_CASES = [
    _case("Linear", 6, 4, shape=(5, 6)),
    _case("Linear", 5, 5, shape=(3, 5)),                                # in == out: catches a missing .T
    _case("Linear", 7, 3, bias=False, shape=(4, 7)),
    _case("Linear", 4, 2, shape=(1, 4)),                                # batch 1
]

RELU_CASES = [
    _case("ReLU", shape=(2, 3, 4, 5)),
    _case("ReLU", shape=(6, 7)),
]

FLATTEN_CASES = [
    _case("Flatten", shape=(2, 3, 4, 5)),
    _case("Flatten", shape=(1, 2, 3, 3)),                               # batch 1
]

LAYER_CASES = CONV2D_CASES + MAXPOOL2D_CASES + LINEAR_CASES + RELU_CASES + FLATTEN_CASES
