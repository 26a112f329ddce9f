"""Misconceptions of Conv2d (an earlier lesson's layer, as the README's API fixes it)."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import change_added, fold_assigning, module_of, swap, variant, weight_as

RULE = "Conv2d (earlier lesson, im2col): "
KINDS = ("layer.forward", "layer.backward", "cache", "accumulation")  # every experiment on the layer


def _rows(layer: Any) -> np.ndarray:
    return layer.weight.reshape(layer.weight.shape[0], -1)


def no_bias(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        return ref.Conv2d.forward(self, x) - self.bias[None, :, None, None]

    return variant(ref.Conv2d, forward=forward)


def _backward_with_weight(ref: ModuleType, weight_for_dx: Any) -> type:
    """A Conv2d whose backward computes dX with weight_for_dx(layer) (the gradients as the reference)."""

    def backward(self: Any, dY: np.ndarray) -> Any:
        with weight_as(self, weight_for_dx(self)):
            return ref.Conv2d.backward(self, dY)

    return variant(ref.Conv2d, backward=backward)


def channels_last(ref: ModuleType) -> type:
    def permuted(layer: Any) -> np.ndarray:
        return layer.weight.transpose(0, 2, 3, 1).reshape(layer.weight.shape)

    def forward(self: Any, x: np.ndarray) -> Any:
        with weight_as(self, permuted(self)):
            return ref.Conv2d.forward(self, x)

    return variant(ref.Conv2d, forward=forward)  # backward reshapes the weight as it should


def true_convolution(ref: ModuleType) -> type:
    def flipped(layer: Any) -> np.ndarray:
        return np.ascontiguousarray(layer.weight[:, :, ::-1, ::-1])

    def forward(self: Any, x: np.ndarray) -> Any:
        with weight_as(self, flipped(self)):
            return ref.Conv2d.forward(self, x)

    def backward(self: Any, dY: np.ndarray) -> Any:
        with weight_as(self, flipped(self)):
            return change_added(
                self, lambda d: ref.Conv2d.backward(self, d), dY, weight=lambda added: added[:, :, ::-1, ::-1]
            )

    return variant(ref.Conv2d, forward=forward, backward=backward)


def init_changed(**changes: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            ref.Conv2d.__init__(self, *args, **kwargs)
            for name, value in changes.items():
                setattr(self, name, value(self))

        return variant(ref.Conv2d, __init__=__init__)

    return build


def helper_swapped(method: str, helper: str, replacement: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def run(self: Any, value: np.ndarray) -> Any:
            with swap(module_of(ref, "Conv2d"), helper, replacement):
                return getattr(ref.Conv2d, method)(self, value)

        return variant(ref.Conv2d, **{method: run})

    return build


def added_changed(**changes: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def backward(self: Any, dY: np.ndarray) -> Any:
            n = len(dY)
            return change_added(
                self,
                lambda d: ref.Conv2d.backward(self, d),
                dY,
                **{name: (lambda added, c=change: c(added, n)) for name, change in changes.items()},
            )

        return variant(ref.Conv2d, backward=backward)

    return build


def grads_assigned(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        self.grad_weight[...] = 0.0
        self.grad_bias[...] = 0.0
        return ref.Conv2d.backward(self, dY)

    return variant(ref.Conv2d, backward=backward)


def bias_summed_over_batch_only(ref: ModuleType) -> type:
    def backward(self: Any, dY: np.ndarray) -> Any:
        saved = np.array(self.grad_bias)
        dX = ref.Conv2d.backward(self, dY)
        self.grad_bias[...] = saved
        self.grad_bias += dY.reshape(len(dY), self.out_channels, -1).sum(axis=0)
        return dX

    return variant(ref.Conv2d, backward=backward)


def stale_cache(ref: ModuleType) -> type:
    def forward(self: Any, x: np.ndarray) -> Any:
        first = self.cache
        y = ref.Conv2d.forward(self, x)
        self.cache = first if first is not None else self.cache
        return y

    return variant(ref.Conv2d, forward=forward)


def _dx_weight(transform: Any) -> Any:
    return lambda ref: _backward_with_weight(ref, lambda layer: transform(_rows(layer)).reshape(layer.weight.shape))


def _m(id: str, title: str, rule: str, relation: str, kinds: tuple[str, ...], build: Any) -> Misconception:
    return Misconception(f"conv2d.{id}", "Conv2d", title, RULE + rule, relation, kinds, build)


MISCONCEPTIONS = (
    _m(
        "no_bias",
        "Conv2d forward does not add the bias",
        "out = weight_rows @ cols + bias, one bias per output channel added at every position.",
        "your output is the expected one minus the bias of its channel",
        KINDS,
        no_bias,
    ),
    _m(
        "weight_flattened_channels_last",
        "the weight is flattened in (kH, kW, in) order, which does not match im2col's (in, kH, kW) rows",
        "weight.reshape(out, in*kH*kW) lines up with im2col's rows c*kH*kW + i*kW + j; transposing first scrambles them.",
        "the values of a convolution with the weight's axes permuted to (out, kH, kW, in)",
        KINDS,
        channels_last,
    ),
    _m(
        "true_convolution",
        "the kernel is flipped in forward (a mathematical convolution), where the lesson's Conv2d is a cross-correlation",
        "Conv2d computes a cross-correlation, as PyTorch does: out[o, y, x] = sum w[o, c, i, j] x[c, y*s + i, x*s + j], no flip.",
        "the values of a Conv2d whose kernel is rotated by 180 degrees",
        KINDS,
        true_convolution,
    ),
    _m(
        "stride_ignored",
        "Conv2d always slides its kernel with stride 1, whatever stride it was given",
        "the output size is (H + 2p - k) // stride + 1: the window moves by `stride`.",
        "the values of the same Conv2d with stride 1",
        KINDS,
        init_changed(stride=lambda layer: (1, 1)),
    ),
    _m(
        "padding_ignored",
        "Conv2d stores padding but never pads the input",
        "forward pads x with zeros (padding rows and columns on each side) before im2col.",
        "the values of a Conv2d that skips the padding step",
        KINDS,
        helper_swapped("forward", "pad", lambda x, padding, value=0.0: x),
    ),
    _m(
        "dx_not_cropped",
        "Conv2d backward returns the gradient of the padded input: dX is not cropped back to x's shape",
        "backward crops the padding off dX: dX has the shape of x, not of the padded x.",
        "dX is the expected one with the padded border still attached",
        KINDS,
        helper_swapped("backward", "crop", lambda x, padding: x),
    ),
    _m(
        "dx_reshape_not_transpose",
        "the weight matrix is 'transposed' with reshape(-1, out) instead of .T in backward",
        "dcols = weight_rows.T @ dY_rows: a reshape keeps the memory order, it does not transpose.",
        "dX computed with weight_rows.reshape(-1, out) in place of weight_rows.T",
        KINDS,
        _dx_weight(lambda rows: rows.reshape(rows.shape[1], rows.shape[0]).T),
    ),
    _m(
        "dx_flipped_kernel",
        "backward flips the whole flattened kernel for dX, although col2im already does the adjoint",
        "dcols = weight_rows.T @ dY_rows, then col2im: no flipping (col2im places each column where im2col took it).",
        "dX computed with weight_rows[:, ::-1]",
        KINDS,
        _dx_weight(lambda rows: rows[:, ::-1]),
    ),
    _m(
        "dx_rotated_kernel",
        "backward rotates the kernel by 180 degrees for dX ('the backward of a convolution is a convolution with the flipped kernel') on top of col2im",
        "with im2col/col2im, dX = col2im(weight_rows.T @ dY_rows): the flip is already in col2im's placement.",
        "dX computed with weight[:, :, ::-1, ::-1]",
        KINDS,
        lambda ref: _backward_with_weight(ref, lambda layer: np.ascontiguousarray(layer.weight[:, :, ::-1, ::-1])),
    ),
    _m(
        "grad_weight_mean",
        "grad_weight is averaged over the batch instead of summed (the loss already divided by N)",
        "grad_weight sums over the batch: the 1/N of the mean loss is already in dY.",
        "your grad_weight is the expected one divided by the batch size N",
        KINDS,
        added_changed(weight=lambda added, n: added / n),
    ),
    _m(
        "grad_bias_mean",
        "grad_bias is averaged over the batch instead of summed",
        "grad_bias = dY summed over the batch and every position (the 1/N is already in dY).",
        "your grad_bias is the expected one divided by the batch size N",
        KINDS,
        added_changed(bias=lambda added, n: added / n),
    ),
    _m(
        "grad_bias_batch_only",
        "grad_bias sums dY over the batch only, not over the output positions",
        "grad_bias = dY.sum(axis=(0, 2, 3)): each bias is added at every position, so its gradient sums all of them.",
        "the same error numpy gives for a (out, H_out*W_out) sum added to (out,)",
        KINDS,
        bias_summed_over_batch_only,
    ),
    _m(
        "col2im_assigns",
        "col2im assigns (=) where overlapping windows must add (+=)",
        "col2im is the adjoint of im2col: where windows overlap, their gradients add up.",
        "dX computed with a col2im that keeps only the last window's contribution",
        KINDS,
        helper_swapped("backward", "col2im", fold_assigning),
    ),
    _m(
        "grads_assigned",
        "Conv2d assigns its parameter gradients (=) instead of accumulating them (+=)",
        "Parameter gradients accumulate (+=) until zero_grad(); two backward calls give twice one.",
        "after two backward calls your gradients equal those of one call",
        ("accumulation",),
        grads_assigned,
    ),
    _m(
        "stale_cache",
        "Conv2d keeps what the first forward cached: backward uses the first input, not the latest",
        "backward uses what the LAST forward cached (forward stores, backward reads).",
        "your gradients are those of the first forward's input",
        ("cache",),
        stale_cache,
    ),
)
