"""Tables of layer configurations shared by the reference's tests and the grader's checks.

Each case says which class to build with which arguments and the input shape to feed it. Together
they cover multi-channel in and out, kernels 1/3/5, strides 1/2/3, padding 0/1/2, non-square inputs,
batch size 1, H not a multiple of the stride, overlapping pooling windows and stride=None: the
lesson's contract (int arguments, square kernels).

Cases marked beyond_lesson (pairs for kernel/stride/padding, non-square kernels) go further than the
lesson asks: the checks run them as unscored diagnostics unless the rubric's
`scope.score_beyond_lesson` is true.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

SPACING = 0.01


@dataclass(frozen=True)
class LayerCase:
    """One configuration: api.<layer>(*args, **dict(kwargs)) fed an input of input_shape.

    positive: positive inputs — for padded max pooling, where zero padding and -inf padding agree.
    beyond_lesson: uses what the lesson does not ask for (pairs, non-square kernels).
    """

    layer: str
    args: tuple[Any, ...]
    input_shape: tuple[int, ...]
    kwargs: tuple[tuple[str, Any], ...] = ()
    positive: bool = False
    beyond_lesson: bool = False

    @property
    def id(self) -> str:
        """A readable name, e.g. 'MaxPool2d(3, stride=2) x(2, 2, 9, 7)'."""
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.layer}({', '.join(arguments)}) x{self.input_shape}"

    def build(self, api: Any) -> Any:
        """The layer, constructed from the namespace api (reference, a submission, ...)."""
        return getattr(api, self.layer)(*self.args, **dict(self.kwargs))

    def input(self, rng: np.random.Generator, dtype: DTypeLike = np.float64) -> np.ndarray:
        """A random input of distinct values SPACING apart, shuffled, none closer than SPACING / 2 to 0:
        no ties, no exact zeros, and no kink (of ReLU or max) within a finite-difference step."""
        size = int(np.prod(self.input_shape))
        grid = (rng.permutation(size) + 0.5) * SPACING
        values = grid + 0.5 if self.positive else grid - SPACING * (size // 2)
        return values.reshape(self.input_shape).astype(dtype)


def _case(
    layer: str, *args: Any, shape: tuple[int, ...], positive: bool = False, beyond_lesson: bool = False, **kwargs: Any
) -> LayerCase:
    return LayerCase(layer, args, shape, tuple(kwargs.items()), positive, beyond_lesson)


CONV2D_CASES = [
    _case("Conv2d", 3, 2, 3, shape=(2, 3, 7, 9)),  # multi-channel, non-square
    _case("Conv2d", 1, 4, 5, shape=(2, 1, 12, 12)),  # LeNet's first layer
    _case("Conv2d", 2, 3, 1, shape=(2, 2, 5, 4)),  # 1x1 kernel
    _case("Conv2d", 2, 3, 3, stride=2, shape=(2, 2, 8, 7)),  # H not a multiple of stride
    _case("Conv2d", 2, 2, 3, stride=3, padding=1, shape=(1, 2, 8, 10)),  # batch 1, stride 3
    _case("Conv2d", 3, 2, 5, padding=2, shape=(2, 3, 6, 5)),  # "same" padding
    _case("Conv2d", 2, 3, (3, 2), stride=(2, 1), padding=(1, 0), shape=(2, 2, 6, 5), beyond_lesson=True),  # pairs
    _case("Conv2d", 1, 2, (1, 3), shape=(2, 1, 4, 6), beyond_lesson=True),  # non-square kernel
]

MAXPOOL2D_CASES = [
    _case("MaxPool2d", 2, 2, shape=(2, 3, 8, 8)),  # LeNet's pooling
    _case("MaxPool2d", 2, shape=(2, 2, 6, 9)),  # stride=None, W odd
    _case("MaxPool2d", 3, 2, shape=(2, 2, 9, 7)),  # overlapping windows
    _case("MaxPool2d", 2, 1, shape=(1, 2, 5, 6)),  # overlapping, batch 1
    _case("MaxPool2d", 3, 3, shape=(2, 1, 10, 11)),  # H not a multiple of stride
    _case("MaxPool2d", 2, 2, padding=1, shape=(2, 2, 7, 7), positive=True),
    _case("MaxPool2d", 3, 2, padding=1, shape=(1, 3, 8, 6), positive=True),
    _case("MaxPool2d", (2, 3), shape=(2, 2, 6, 9), beyond_lesson=True),  # non-square kernel, stride=None
    _case("MaxPool2d", 2, (1, 2), shape=(1, 2, 5, 6), beyond_lesson=True),  # a pair of strides
]

LINEAR_CASES = [
    _case("Linear", 6, 4, shape=(5, 6)),
    _case("Linear", 5, 5, shape=(3, 5)),  # in == out: catches a missing .T
    _case("Linear", 7, 3, bias=False, shape=(4, 7)),
    _case("Linear", 4, 2, shape=(1, 4)),  # batch 1
]

RELU_CASES = [
    _case("ReLU", shape=(2, 3, 4, 5)),
    _case("ReLU", shape=(6, 7)),
]

FLATTEN_CASES = [
    _case("Flatten", shape=(2, 3, 4, 5)),
    _case("Flatten", shape=(1, 2, 3, 3)),  # batch 1
]

LAYER_CASES = CONV2D_CASES + MAXPOOL2D_CASES + LINEAR_CASES + RELU_CASES + FLATTEN_CASES


@dataclass(frozen=True)
class LossCase:
    """Logits of shape, offset + spread * N(0, 1), of dtype, with random class-index targets.

    A large common offset is what the lesson's max-shift is for (exp overflows above 709 in float64
    and above 88 in float32); a spread in the thousands needs log-sum-exp, beyond the lesson.
    """

    shape: tuple[int, int]
    spread: float
    offset: float = 0.0
    dtype: str = "float64"
    beyond_lesson: bool = False

    @property
    def id(self) -> str:
        """A readable name, e.g. 'logits(8, 10) = 1000 + 3 N(0,1), float64'."""
        offset = f"{self.offset:g} + " if self.offset else ""
        return f"logits{self.shape} = {offset}{self.spread:g} N(0,1), {self.dtype}"

    def inputs(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(logits (N, C) of self.dtype, targets (N,) int64)."""
        logits = (self.offset + rng.standard_normal(self.shape) * self.spread).astype(self.dtype)
        return logits, rng.integers(0, self.shape[1], size=self.shape[0])


LOSS_CASES = [
    LossCase((5, 4), 1.0),
    LossCase((1, 10), 1.0),  # batch 1
    LossCase((64, 10), 3.0),
    LossCase((8, 10), 3.0, offset=1000.0),  # exp(1000) overflows float64 without the shift
    LossCase((8, 10), 3.0, offset=100.0, dtype="float32"),  # exp(100) overflows float32 without the shift
    LossCase((8, 10), 1e3, beyond_lesson=True),  # -log(p) of a p that underflows to 0: log-sum-exp
    LossCase((8, 10), 1e4, beyond_lesson=True),
]
LOG_EPSILON = 1e-7  # the largest epsilon inside the log the lesson's contract accepts: -log(p + eps)
