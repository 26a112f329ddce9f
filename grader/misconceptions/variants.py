"""Helpers for writing known-bug implementations as small changes of the reference.

A variant is a subclass of a reference class with one method changed; where the change is inside
a helper the reference calls (col2im, crop, pad), swap() replaces that helper in the reference's
module for the duration of one call. Variants run only on the trusted side, in instructor mode
and while `make fixtures` records their predictions; the student kit ships their recorded outputs.
"""

import contextlib
import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np


def module_of(reference: ModuleType, cls: str) -> ModuleType:
    """The reference's module that defines class cls (where its helpers are looked up)."""
    return importlib.import_module(getattr(reference, cls).__module__)


@contextlib.contextmanager
def swap(module: ModuleType, name: str, value: Any) -> Iterator[None]:
    """module.name = value for the duration of the block."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


@contextlib.contextmanager
def weight_as(layer: Any, weight: np.ndarray) -> Iterator[None]:
    """layer.weight = weight for the duration of the block (the gradient buffers untouched)."""
    saved = layer.weight
    layer.weight = weight
    try:
        yield
    finally:
        layer.weight = saved


def variant(base: type, **methods: Callable[..., Any]) -> type:
    """A subclass of base with these methods, named like base (so Python's messages name it the same)."""
    for method, function in methods.items():
        function.__qualname__ = f"{base.__qualname__}.{method}"  # TypeErrors name the method so
    cls = type(base.__name__, (base,), methods)
    cls.__qualname__ = base.__qualname__
    return cls


def fold_assigning(
    cols: np.ndarray, C: int, H: int, W: int, kH: int, kW: int, stride: int | tuple[int, int] = 1
) -> np.ndarray:
    """col2im that assigns where windows overlap (the last window wins) instead of adding.

    cols: (N, C*kH*kW, H_out*W_out) -> (N, C, H, W).
    """
    sH, sW = (stride, stride) if isinstance(stride, int) else stride
    H_out, W_out = (H - kH) // sH + 1, (W - kW) // sW + 1
    blocks = cols.reshape(cols.shape[0], C, kH, kW, H_out, W_out)
    image = np.zeros((cols.shape[0], C, H, W), dtype=cols.dtype)
    for i in range(kH):
        for j in range(kW):
            image[:, :, i : i + sH * H_out : sH, j : j + sW * W_out : sW] = blocks[:, :, i, j]
    return image


def change_added(
    layer: Any, backward: Callable[[np.ndarray], Any], dY: np.ndarray, **changes: Callable[[np.ndarray], np.ndarray]
) -> Any:
    """Run backward(dY), then replace what it added to each grad_<name> of changes by
    changes[name](added). Returns dX."""
    before = {name: np.array(getattr(layer, f"grad_{name}")) for name in changes}
    dX = backward(dY)
    for name, change in changes.items():
        grad = getattr(layer, f"grad_{name}")
        if grad is not None:
            grad[...] = before[name] + change(grad - before[name])
    return dX
