"""The lesson's layers: Conv2d, MaxPool2d, Linear, ReLU, Flatten.

Every layer has forward(x) and backward(dY). forward stores in a cache what backward needs;
backward takes only dY. Parameter gradients accumulate (+=) until they are zeroed.
Arrays are NCHW: x (N, C, H, W). float32 in gives float32 out.
"""

from typing import Any

import numpy as np

from .functional import col2im, he_normal, im2col, output_size, pair


def pad(x: np.ndarray, padding: tuple[int, int], value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of x (N, C, H, W) by padding = (pH, pW) with a constant."""
    raise NotImplementedError('Conv2d / MaxPool2d: pad the input (zeros for Conv2d, -inf for MaxPool2d)')


def crop(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Undo pad: drop padding = (pH, pW) rows and columns from each side of x (N, C, H, W)."""
    raise NotImplementedError('Conv2d / MaxPool2d backward: crop the padding off dX')


class Conv2d:
    """2-D convolution (a cross-correlation, as in PyTorch) computed with im2col.

    weight (out_channels, in_channels, kH, kW), He-normal with fan_in = in_channels*kH*kW;
    bias (out_channels,), zeros. kernel_size, stride and padding are ints or pairs;
    padding adds zeros.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        raise NotImplementedError('Conv2d (earlier lesson): weight, bias and their gradient buffers')

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).

        Caches the columns of the padded input, (N, in*kH*kW, H_out*W_out), and its shape.
        """
        raise NotImplementedError('Conv2d forward (earlier lesson): im2col, then one matrix product')

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, out_channels, H_out, W_out) -> dX: (N, in_channels, H, W).

        Adds dL/dweight to grad_weight and dL/dbias to grad_bias.
        """
        raise NotImplementedError('Conv2d backward (earlier lesson): grad_weight, grad_bias, and dX through col2im')

    def zero_grad(self) -> None:
        """Reset grad_weight and grad_bias to zero, in place."""
        raise NotImplementedError('zero_grad(): reset the gradient buffers in place')


class MaxPool2d:
    """Max pooling. stride=None means stride = kernel_size; padding adds -inf.

    backward routes each window's dY to the window's first maximum in row-major order (as np.argmax
    and PyTorch do); where windows overlap (stride < kernel) the routed gradients add up.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        raise NotImplementedError("lesson 8, lab 'MaxPool2d': kernel_size, stride (None means kernel_size), padding, cache")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N, C, H_out, W_out).

        Caches the max mask, (N, C, kH*kW, H_out*W_out): True at the first maximum of each window.
        """
        raise NotImplementedError("lesson 8, lab 'MaxPool2d': forward, caching the max mask for backward")

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, C, H_out, W_out) -> dX: (N, C, H, W), nonzero only at each window's maximum."""
        raise NotImplementedError("lesson 8, lab 'MaxPool2d': backward routes dY to the max of each window")


class Linear:
    """Fully connected layer: y = x @ weight.T + bias.

    weight (out_features, in_features), He-normal with fan_in = in_features;
    bias (out_features,), zeros, or None when bias=False.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        raise NotImplementedError("lesson 8, lab 'Linear layer': weight (out, in) with He init, bias, gradient buffers")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in_features) -> (N, out_features). Caches x."""
        raise NotImplementedError("lesson 8, lab 'Linear layer': forward, caching x")

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, out_features) -> dX: (N, in_features). Adds to grad_weight and grad_bias."""
        raise NotImplementedError("lesson 8, lab 'Linear layer': backward, accumulating grad_weight and grad_bias")

    def zero_grad(self) -> None:
        """Reset grad_weight and grad_bias to zero, in place."""
        raise NotImplementedError('zero_grad(): reset the gradient buffers in place')


class ReLU:
    """max(x, 0) elementwise; its derivative at 0 is taken to be 0."""

    def __init__(self) -> None:
        raise NotImplementedError("lesson 8, lab 'ReLU as a layer': the mask cache")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape. Caches the mask x > 0; x itself is not modified."""
        raise NotImplementedError("lesson 8, lab 'ReLU as a layer': forward, caching the mask x > 0")

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: same shape as x -> dX = dY where x > 0, else 0."""
        raise NotImplementedError("lesson 8, lab 'ReLU as a layer': backward through the mask")


class Flatten:
    """(N, C, H, W) -> (N, C*H*W) in C order; backward restores the cached shape."""

    def __init__(self) -> None:
        raise NotImplementedError("lesson 8, exercise 'Flatten layer': the shape cache")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N, C*H*W). Caches x.shape."""
        raise NotImplementedError("lesson 8, exercise 'Flatten layer': forward to (N, C*H*W)")

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, C*H*W) -> dX: (N, C, H, W)."""
        raise NotImplementedError("lesson 8, exercise 'Flatten layer': backward to the cached shape")
