"""Helpers from earlier lessons: He-normal initialisation, im2col / col2im, input normalisation.

im2col and col2im take one image `(C, H, W)` as in the lesson, and also a batch `(N, C, H, W)`:
leading dimensions are carried along, so a layer unfolds a whole batch with one call.
The only Python loop is over the kH*kW kernel offsets.
"""

import numpy as np


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    """An int or a pair (for kernel_size, stride, padding) as a pair of ints."""
    if isinstance(value, (tuple, list)):
        first, second = value
        return int(first), int(second)
    return int(value), int(value)


def output_size(size: int, kernel: int, stride: int) -> int:
    """Number of window positions along one axis: (size - kernel) // stride + 1."""
    return (size - kernel) // stride + 1


def he_normal(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """He-normal weights, float32, drawn from N(0, 2 / fan_in) with NumPy's global RNG.

    shape: e.g. (out, in, kH, kW) or (out, in); fan_in: inputs feeding one output unit.
    """
    # BEGIN SOLUTION: He initialisation (earlier lesson)
    std = np.sqrt(2.0 / fan_in)
    return (np.random.randn(*shape) * std).astype(np.float32)
    # END SOLUTION


def im2col(x: np.ndarray, kH: int, kW: int, stride: int | tuple[int, int] = 1) -> np.ndarray:
    """Unfold every kH x kW window of x into a column.

    x: (C, H, W) -> (C*kH*kW, H_out*W_out), or (N, C, H, W) -> (N, C*kH*kW, H_out*W_out).
    Row c*kH*kW + i*kW + j, column oh*W_out + ow holds x[c, oh*sH + i, ow*sW + j]: the row order
    matches weight.reshape(out, C*kH*kW). stride is an int or a pair (sH, sW).
    """
    # BEGIN SOLUTION: im2col (earlier lesson)
    sH, sW = pair(stride)
    *batch, C, H, W = x.shape
    H_out, W_out = output_size(H, kH, sH), output_size(W, kW, sW)
    cols = np.empty((*batch, C, kH, kW, H_out, W_out), dtype=x.dtype)
    for i in range(kH):
        for j in range(kW):
            cols[..., i, j, :, :] = x[..., i : i + sH * H_out : sH, j : j + sW * W_out : sW]
    return cols.reshape(*batch, C * kH * kW, H_out * W_out)
    # END SOLUTION


def col2im(cols: np.ndarray, C: int, H: int, W: int, kH: int, kW: int, stride: int | tuple[int, int] = 1) -> np.ndarray:
    """Fold columns back into an image, adding up where windows overlap (the adjoint of im2col).

    cols: (C*kH*kW, H_out*W_out) -> (C, H, W), or (N, C*kH*kW, H_out*W_out) -> (N, C, H, W).
    """
    # BEGIN SOLUTION: col2im (earlier lesson)
    sH, sW = pair(stride)
    *batch, _, _ = cols.shape
    H_out, W_out = output_size(H, kH, sH), output_size(W, kW, sW)
    cols = cols.reshape(*batch, C, kH, kW, H_out, W_out)
    x = np.zeros((*batch, C, H, W), dtype=cols.dtype)
    for i in range(kH):
        for j in range(kW):
            x[..., i : i + sH * H_out : sH, j : j + sW * W_out : sW] += cols[..., i, j, :, :]
    return x
    # END SOLUTION


def normalize_fit(X: np.ndarray) -> tuple[np.float32, np.float32]:
    """Mean and standard deviation of the training images, over all pixels (two scalars).

    X: (N, D) or (N, H, W) -> (mean, std), float32.
    """
    # BEGIN SOLUTION: lesson 8, lab 'LeNet-style CNN', preprocessing: normalize_fit
    return np.float32(X.mean()), np.float32(X.std())
    # END SOLUTION


def normalize_apply(X: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Standardise X with a mean and std fitted on the training set: (X - mean) / std, same shape."""
    # BEGIN SOLUTION: lesson 8, lab 'LeNet-style CNN', preprocessing: normalize_apply
    return (X - mean) / std
    # END SOLUTION
