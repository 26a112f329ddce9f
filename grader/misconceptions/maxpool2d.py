"""Misconceptions of MaxPool2d (slides "MaxPool Backprop: Intuition" / "Formula" and the lab)."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import fold_assigning, module_of, swap, variant

KINDS = ("layer.forward", "layer.backward", "cache", "accumulation")  # every experiment on the layer
INTUITION = 'Slide "MaxPool Backprop: Intuition": '
FORMULA = 'Slide "MaxPool Backprop: Formula": '
LAB = 'Slide "Lab Time: Update MaxPool2d Forward and Implement Backward": '


def min_pooling(ref: ModuleType) -> type:
    layers = module_of(ref, "MaxPool2d")
    padder = layers.pad

    def forward(self: Any, x: np.ndarray) -> Any:
        with swap(layers, "pad", lambda x, padding, value=0.0: padder(x, padding, value=-value)):
            return -ref.MaxPool2d.forward(self, -x)

    return variant(ref.MaxPool2d, forward=forward)


def _whole_window(scale: bool) -> Any:
    def build(ref: ModuleType) -> type:
        def backward(self: Any, dY: np.ndarray) -> Any:
            mask = self.cache["max_mask"]
            self.cache["max_mask"] = np.ones_like(mask) / (mask.shape[2] if scale else 1)
            try:
                return ref.MaxPool2d.backward(self, dY)
            finally:
                self.cache["max_mask"] = mask

        return variant(ref.MaxPool2d, backward=backward)

    return build


def average_pooling(ref: ModuleType) -> type:
    layers = module_of(ref, "MaxPool2d")

    def forward(self: Any, x: np.ndarray) -> Any:
        y = ref.MaxPool2d.forward(self, x)
        kH, kW = self.kernel_size
        x_pad = layers.pad(x, self.padding, value=-np.inf)
        windows = ref.im2col(x_pad, kH, kW, self.stride).reshape(*x.shape[:2], kH * kW, -1)
        return windows.mean(axis=2).reshape(y.shape)

    return variant(_whole_window(True)(ref), forward=forward)


def helper_swapped(helper: str, replacement: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def backward(self: Any, dY: np.ndarray) -> Any:
            with swap(module_of(ref, "MaxPool2d"), helper, replacement):
                return ref.MaxPool2d.backward(self, dY)

        return variant(ref.MaxPool2d, backward=backward)

    return build


def stride(choose: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def __init__(self: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
            ref.MaxPool2d.__init__(self, kernel_size, choose(kernel_size, stride), padding)

        return variant(ref.MaxPool2d, __init__=__init__)

    return build


def stride_none_kept(ref: ModuleType) -> type:
    def __init__(self: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        ref.MaxPool2d.__init__(self, kernel_size, stride, padding)
        self.stride = module_of(ref, "MaxPool2d").pair(stride)

    return variant(ref.MaxPool2d, __init__=__init__)


def stride_required(ref: ModuleType) -> type:
    def __init__(self: Any, kernel_size: Any, stride: Any, padding: Any = 0) -> None:
        ref.MaxPool2d.__init__(self, kernel_size, stride, padding)

    return variant(ref.MaxPool2d, __init__=__init__)


def stale_cache(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        first = self.cache
        y = ref.MaxPool2d.forward(self, x)
        self.cache = first if first is not None else self.cache
        return y

    return variant(ref.MaxPool2d, forward=forward)


def _m(id: str, title: str, rule: str, relation: str, kinds: tuple[str, ...], build: Any) -> Misconception:
    return Misconception(f"maxpool2d.{id}", "MaxPool2d", title, rule, relation, kinds, build)


MISCONCEPTIONS = (
    _m(
        "min_pooling",
        "MaxPool2d takes each window's minimum instead of its maximum",
        INTUITION + "MaxPool selects the maximum value inside each spatial window.",
        "your outputs are the window minima",
        KINDS,
        min_pooling,
    ),
    _m(
        "average_pooling",
        "MaxPool2d averages each window (average pooling) instead of taking its maximum",
        INTUITION + "MaxPool selects the maximum value inside each spatial window.",
        "your outputs are the window means",
        KINDS,
        average_pooling,
    ),
    _m(
        "gradient_to_whole_window",
        "MaxPool2d backward sends each dY to every element of its window, not only to the maximum",
        INTUITION + "only the element that achieved the maximum in the forward pass receives the gradient; "
        "all other elements in the same window receive zero.",
        "dX holds dY at every position of each window instead of only at its maximum",
        KINDS,
        _whole_window(False),
    ),
    _m(
        "gradient_averaged_over_window",
        "MaxPool2d backward spreads dY / (kH*kW) over the whole window, as average pooling would",
        FORMULA + "dX[i,j] = dY if (i,j) = argmax(W), dX[i,j] = 0 otherwise.",
        "dX holds dY / (kH*kW) at every position of each window",
        KINDS,
        _whole_window(True),
    ),
    _m(
        "dx_not_cropped",
        "MaxPool2d backward forgets to crop the padding: dX has the padded shape",
        'Slide "MaxPool Backprop: Step by Step": dX has the same shape as X (crop the padding off).',
        "dX is the expected one with the padded border still attached",
        KINDS,
        helper_swapped("crop", lambda x, padding: x),
    ),
    _m(
        "col2im_assigns",
        "where pooling windows overlap, their gradients overwrite each other (=) instead of adding up (+=)",
        'Slide "MaxPool Backprop: Step by Step": place each gradient window back into dX; where windows '
        "overlap (stride < kernel) the contributions add.",
        "dX keeps only the last overlapping window's gradient",
        KINDS,
        helper_swapped("col2im", fold_assigning),
    ),
    _m(
        "stride_ignored",
        "MaxPool2d always uses stride = kernel_size, ignoring the stride it was given",
        LAB + "MaxPool2d(kernel_size, stride=None, padding=0): stride=None means the kernel size, any other "
        "stride is used as given (overlapping windows when stride < kernel).",
        "the values of the same MaxPool2d with stride = kernel_size",
        KINDS,
        stride(lambda kernel_size, stride: kernel_size),
    ),
    _m(
        "stride_none_as_one",
        "MaxPool2d treats stride=None as 1 instead of the kernel size",
        LAB + "stride=None means stride = kernel_size (MaxPool2d(2) halves H and W).",
        "the values of the same MaxPool2d with stride 1",
        KINDS,
        stride(lambda kernel_size, stride: 1 if stride is None else stride),
    ),
    _m(
        "stride_none_unhandled",
        "MaxPool2d keeps stride=None without replacing it by the kernel size, so MaxPool2d(2) fails",
        LAB + "stride=None means stride = kernel_size: replace None before using it.",
        "the same exception",
        KINDS,
        stride_none_kept,
    ),
    _m(
        "stride_required",
        "MaxPool2d's stride has no default, so MaxPool2d(2) raises TypeError",
        LAB + "MaxPool2d(kernel_size, stride=None, padding=0): stride is optional.",
        "the same TypeError",
        KINDS,
        stride_required,
    ),
    _m(
        "stale_cache",
        "MaxPool2d keeps the mask of the first forward: backward routes to the first input's maxima",
        "Every layer: backward uses what the LAST forward cached.",
        "your dX routes dY to the maxima of the first forward's input",
        ("cache",),
        stale_cache,
    ),
)
