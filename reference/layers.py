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
    # BEGIN SOLUTION: Conv2d / MaxPool2d: pad the input (zeros for Conv2d, -inf for MaxPool2d)
    pH, pW = padding
    if pH == 0 and pW == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)), constant_values=value)
    # END SOLUTION


def crop(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Undo pad: drop padding = (pH, pW) rows and columns from each side of x (N, C, H, W)."""
    # BEGIN SOLUTION: Conv2d / MaxPool2d backward: crop the padding off dX
    pH, pW = padding
    H, W = x.shape[-2:]
    return x[..., pH : H - pH, pW : W - pW]
    # END SOLUTION


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
        # BEGIN SOLUTION: Conv2d (earlier lesson): weight, bias and their gradient buffers
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride)
        self.padding = pair(padding)
        kH, kW = self.kernel_size
        self.weight = he_normal((out_channels, in_channels, kH, kW), fan_in=in_channels * kH * kW)
        self.bias = np.zeros(out_channels, dtype=np.float32)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self.cache: dict[str, Any] | None = None
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out).

        Caches the columns of the padded input, (N, in*kH*kW, H_out*W_out), and its shape.
        """
        # BEGIN SOLUTION: Conv2d forward (earlier lesson): im2col, then one matrix product
        x_pad = pad(x, self.padding)
        N, _, H_pad, W_pad = x_pad.shape
        kH, kW = self.kernel_size
        sH, sW = self.stride
        H_out, W_out = output_size(H_pad, kH, sH), output_size(W_pad, kW, sW)
        cols = im2col(x_pad, kH, kW, self.stride)  # (N, in*kH*kW, H_out*W_out)
        weight_rows = self.weight.reshape(self.out_channels, -1)  # (out, in*kH*kW)
        out = weight_rows @ cols + self.bias[:, None]  # (N, out, H_out*W_out)
        self.cache = {"cols": cols, "padded_shape": x_pad.shape}
        return out.reshape(N, self.out_channels, H_out, W_out)
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, out_channels, H_out, W_out) -> dX: (N, in_channels, H, W).

        Adds dL/dweight to grad_weight and dL/dbias to grad_bias.
        """
        # BEGIN SOLUTION: Conv2d backward (earlier lesson): grad_weight, grad_bias, and dX through col2im
        assert self.cache is not None, "forward must run before backward"
        cols = self.cache["cols"]  # (N, in*kH*kW, L)
        N, C, H_pad, W_pad = self.cache["padded_shape"]
        kH, kW = self.kernel_size
        dY_rows = dY.reshape(N, self.out_channels, -1)  # (N, out, L)
        weight_rows = self.weight.reshape(self.out_channels, -1)
        self.grad_weight += (dY_rows @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(self.weight.shape)
        self.grad_bias += dY_rows.sum(axis=(0, 2))
        dcols = weight_rows.T @ dY_rows  # (N, in*kH*kW, L)
        dX_pad = col2im(dcols, C, H_pad, W_pad, kH, kW, self.stride)
        return crop(dX_pad, self.padding)
        # END SOLUTION

    def zero_grad(self) -> None:
        """Reset grad_weight and grad_bias to zero, in place."""
        # BEGIN SOLUTION: zero_grad(): reset the gradient buffers in place
        self.grad_weight.fill(0.0)
        self.grad_bias.fill(0.0)
        # END SOLUTION


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
        # BEGIN SOLUTION: lesson 8, lab 'MaxPool2d': kernel_size, stride (None means kernel_size), padding, cache
        self.kernel_size = pair(kernel_size)
        self.stride = self.kernel_size if stride is None else pair(stride)
        self.padding = pair(padding)
        self.cache: dict[str, Any] | None = None
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N, C, H_out, W_out).

        Caches the max mask, (N, C, kH*kW, H_out*W_out): True at the first maximum of each window.
        """
        # BEGIN SOLUTION: lesson 8, lab 'MaxPool2d': forward, caching the max mask for backward
        x_pad = pad(x, self.padding, value=-np.inf)
        N, C, H_pad, W_pad = x_pad.shape
        kH, kW = self.kernel_size
        sH, sW = self.stride
        H_out, W_out = output_size(H_pad, kH, sH), output_size(W_pad, kW, sW)
        windows = im2col(x_pad, kH, kW, self.stride).reshape(N, C, kH * kW, H_out * W_out)
        out = windows.max(axis=2, keepdims=True)  # (N, C, 1, L)
        max_mask = windows == out  # (N, C, kH*kW, L), True at every max
        seen = max_mask[:, :, 0].copy()
        for k in range(1, kH * kW):  # keep only the first max of a tie
            max_mask[:, :, k] &= ~seen
            seen |= max_mask[:, :, k]
        self.cache = {"max_mask": max_mask, "padded_shape": x_pad.shape}
        return out.reshape(N, C, H_out, W_out)
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, C, H_out, W_out) -> dX: (N, C, H, W), nonzero only at each window's maximum."""
        # BEGIN SOLUTION: lesson 8, lab 'MaxPool2d': backward routes dY to the max of each window
        assert self.cache is not None, "forward must run before backward"
        max_mask = self.cache["max_mask"]
        N, C, H_pad, W_pad = self.cache["padded_shape"]
        kH, kW = self.kernel_size
        dcols = max_mask * dY.reshape(N, C, 1, -1)  # (N, C, kH*kW, L)
        dX_pad = col2im(dcols.reshape(N, C * kH * kW, -1), C, H_pad, W_pad, kH, kW, self.stride)
        return crop(dX_pad, self.padding)
        # END SOLUTION


class Linear:
    """Fully connected layer: y = x @ weight.T + bias.

    weight (out_features, in_features), He-normal with fan_in = in_features;
    bias (out_features,), zeros, or None when bias=False.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        # BEGIN SOLUTION: lesson 8, lab 'Linear layer': weight (out, in) with He init, bias, gradient buffers
        self.in_features = in_features
        self.out_features = out_features
        self.weight = he_normal((out_features, in_features), fan_in=in_features)
        self.bias = np.zeros(out_features, dtype=np.float32) if bias else None
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias) if bias else None
        self.x: np.ndarray | None = None
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, in_features) -> (N, out_features). Caches x."""
        # BEGIN SOLUTION: lesson 8, lab 'Linear layer': forward, caching x
        self.x = x
        y = x @ self.weight.T
        if self.bias is not None:
            y = y + self.bias
        return y
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, out_features) -> dX: (N, in_features). Adds to grad_weight and grad_bias."""
        # BEGIN SOLUTION: lesson 8, lab 'Linear layer': backward, accumulating grad_weight and grad_bias
        self.grad_weight += dY.T @ self.x
        if self.bias is not None:
            self.grad_bias += dY.sum(axis=0)
        return dY @ self.weight
        # END SOLUTION

    def zero_grad(self) -> None:
        """Reset grad_weight and grad_bias to zero, in place."""
        # BEGIN SOLUTION: zero_grad(): reset the gradient buffers in place
        self.grad_weight.fill(0.0)
        if self.grad_bias is not None:
            self.grad_bias.fill(0.0)
        # END SOLUTION


class ReLU:
    """max(x, 0) elementwise; its derivative at 0 is taken to be 0."""

    def __init__(self) -> None:
        # BEGIN SOLUTION: lesson 8, lab 'ReLU as a layer': the mask cache
        self.mask: np.ndarray | None = None
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: any shape -> same shape. Caches the mask x > 0; x itself is not modified."""
        # BEGIN SOLUTION: lesson 8, lab 'ReLU as a layer': forward, caching the mask x > 0
        self.mask = x > 0
        return x * self.mask
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: same shape as x -> dX = dY where x > 0, else 0."""
        # BEGIN SOLUTION: lesson 8, lab 'ReLU as a layer': backward through the mask
        return dY * self.mask
        # END SOLUTION


class Flatten:
    """(N, C, H, W) -> (N, C*H*W) in C order; backward restores the cached shape."""

    def __init__(self) -> None:
        # BEGIN SOLUTION: lesson 8, exercise 'Flatten layer': the shape cache
        self.original_shape: tuple[int, ...] | None = None
        # END SOLUTION

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: (N, C, H, W) -> (N, C*H*W). Caches x.shape."""
        # BEGIN SOLUTION: lesson 8, exercise 'Flatten layer': forward to (N, C*H*W)
        self.original_shape = x.shape
        return x.reshape(x.shape[0], -1)
        # END SOLUTION

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """dY: (N, C*H*W) -> dX: (N, C, H, W)."""
        # BEGIN SOLUTION: lesson 8, exercise 'Flatten layer': backward to the cached shape
        return dY.reshape(self.original_shape)
        # END SOLUTION
