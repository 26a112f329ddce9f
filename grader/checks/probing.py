"""Trusted probes (grader/sandbox/probes.py, built in the worker) and empty instances of the submission's
own layer classes, as the sequential, sgd and api checks use them."""

from typing import TYPE_CHECKING, Any

import numpy as np

from grader.checks.compare import as_array, expect

if TYPE_CHECKING:
    from grader.sandbox.runner import Sandbox

AFFINE = (("first", 2.0, 1.0), ("second", -0.5, 3.0), ("third", 3.0, -2.0))  # (name, scale, shift)


def probe_layers(box: "Sandbox", count: int = len(AFFINE)) -> tuple[Any, list[Any]]:
    """(CallLog, [AffineLayer, ...]): count probe layers sharing one call log, in the worker."""
    log = box.probe("CallLog")
    return log, [box.probe("AffineLayer", name, scale, shift, log) for name, scale, shift in AFFINE[:count]]


def expected_forward(x: np.ndarray, count: int = len(AFFINE)) -> np.ndarray:
    """What the probe layers compute in order: x -> x * scale + shift, layer after layer."""
    for _, scale, shift in AFFINE[:count]:
        x = x * scale + shift
    return x


def expected_backward(dY: np.ndarray, count: int = len(AFFINE)) -> np.ndarray:
    """What the probe layers give back in reverse order: dY times every scale."""
    return dY * float(np.prod([scale for _, scale, _ in AFFINE[:count]]))


# the layers of a parameters() check: (class, {parameter: shape or None for bias=None})
Shapes = dict[str, tuple[int, ...] | None]
PARAMETER_LAYERS: tuple[tuple[str, Shapes], ...] = (
    ("Conv2d", {"weight": (3, 2, 3, 3), "bias": (3,)}),
    ("ReLU", {}),
    ("Flatten", {}),
    ("Linear", {"weight": (4, 12), "bias": None}),
    ("Linear", {"weight": (2, 4), "bias": (2,)}),
)


def parameter_layers(box: "Sandbox", count: int = len(PARAMETER_LAYERS)) -> list[tuple[Any, Shapes]]:
    """[(layer, {parameter: shape or None})]: instances of the submission's own layer classes made
    without running their code (Sandbox.shell), holding known parameters and zero gradients, so
    that its Sequential recognises them whether it looks for attributes or for its classes."""
    layers: list[tuple[Any, Shapes]] = []
    for position, (name, shapes) in enumerate(PARAMETER_LAYERS[:count]):
        attributes: dict[str, np.ndarray | None] = {}
        for key, shape in shapes.items():
            value = None if shape is None else np.full(shape, float(position + 1))
            attributes.update({key: value, f"grad_{key}": None if shape is None else np.zeros(shape)})
        layers.append((box.shell(name, **attributes), shapes))
    return layers


def mark_in_place(
    box: "Sandbox", returned: Any, index: int, position: int, pair: Any, case: str, rng: np.random.Generator
) -> np.ndarray:
    """Write random values (the grader's, unknown to the worker beforehand) in place into
    returned[index][position], an array parameters() returned and that stays in the worker, and
    return them; pair: that pair as fetched by value, for the array's shape."""
    expect(
        isinstance(pair, (list, tuple)) and len(pair) == 2,
        f"parameters() item {index} is not a (param, grad) pair",
        case,
    )
    shape = as_array(pair[position], case, f"parameters() item {index}[{position}]").shape
    values = rng.standard_normal(shape)
    target = box.getitem_kept(box.getitem_kept(returned, index), position)
    box.request(
        "call",
        f"writing into parameters() item {index}[{position}]",
        target=target,
        method="__setitem__",
        args=((), values),
        kwargs={},
    )
    return values


def holds(own: np.ndarray, values: np.ndarray) -> bool:
    """Whether a layer's own array, read back, holds exactly the values written into another
    array (in any layout: a view such as weight.reshape(-1) is the layer's array too)."""
    return own.size == values.size and bool(np.array_equal(np.sort(own, axis=None), np.sort(values, axis=None)))
