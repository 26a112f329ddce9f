"""grader/checks/work.py, the gate of cache and accumulation: the lesson's layers (the reference)
do work of their kind on every case those items use; a layer that does nothing, or nothing of its
kind, is told why; a wrong but working layer still passes the gate."""

import numpy as np
import pytest

import reference
from grader.cases import CONV2D_CASES, FLATTEN_CASES, LINEAR_CASES, MAXPOOL2D_CASES, RELU_CASES
from grader.checks.work import forward_work, gradient_work

WHAT = "nothing to check the cache of"
CASES = CONV2D_CASES[:2] + MAXPOOL2D_CASES[:3] + LINEAR_CASES[:3] + RELU_CASES + FLATTEN_CASES


def outputs(case, rng):
    """(x, y, contrast) of the reference for case, as the cache check gathers them."""
    layer, x, other_x = case.build(reference), case.input(rng), case.input(rng)
    contrast = layer.forward(other_x)
    y = layer.forward(x)
    if case.layer in ("Conv2d", "Linear"):
        other = case.build(reference)
        contrast = other.forward(x)
    return x, y, contrast


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_lessons_layers_do_work_of_their_kind(case):
    rng = np.random.default_rng(0)
    x, y, contrast = outputs(case, rng)
    assert forward_work(case.layer, x, y, contrast, WHAT) is None
    assert forward_work(case.layer, x, y.astype(np.float32), contrast, WHAT) is None
    assert forward_work(case.layer, x, y + 1.0, contrast, WHAT) is None  # a wrong value still works


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_forward_returning_its_input_does_no_work(case):
    x, _, contrast = outputs(case, np.random.default_rng(1))
    for y in (x, x.astype(np.float32)):
        assert forward_work(case.layer, x, y, contrast, WHAT) == f"forward returns its input: {WHAT}"


@pytest.mark.parametrize(
    "layer, make, words",
    [
        ("Conv2d", lambda x, y: (y, y), "whatever the weight and bias"),
        ("Linear", lambda x, y: (np.zeros_like(y), np.zeros_like(y)), "whatever the weight and bias"),
        ("MaxPool2d", lambda x, y: (x * 2, x), "does not pool"),
        ("MaxPool2d", lambda x, y: (np.zeros_like(y), np.zeros_like(y)), "does not pool"),
        ("ReLU", lambda x, y: (np.where(x < 0, x, 2 * x), None), "leaves the negative inputs"),
        ("Flatten", lambda x, y: (x * 2, None), "does not reshape"),
    ],
)
def test_a_forward_that_does_no_work_of_its_kind_is_told_why(layer, make, words):
    case = {c.layer: c for c in CASES}[layer]
    x, y, _ = outputs(case, np.random.default_rng(2))
    got, contrast = make(x, y)
    assert words in forward_work(layer, x, got, contrast, WHAT)


def test_gradients_never_written_earn_no_accumulation():
    assert gradient_work({"weight": np.ones((2, 3)), "bias": np.zeros(2)}, WHAT) is None
    assert "grad_weight and grad_bias at zero" in gradient_work({"weight": np.zeros((2, 3)), "bias": np.zeros(2)}, WHAT)
    assert "no weight or bias" in gradient_work({}, WHAT)
