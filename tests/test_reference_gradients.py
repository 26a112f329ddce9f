"""Every reference layer and the loss against central finite differences, in float64."""

import numpy as np
import pytest

import reference
from grader.cases import LAYER_CASES
from grader.numerics import relative_error
from tests.helpers.support import backward_gradients, numeric_gradients, numerical_gradient, to_float64

TOLERANCE = 1e-7


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda case: case.id)
def test_layer_gradients_match_finite_differences(case):
    rng = np.random.default_rng(0)
    np.random.seed(0)
    layer = to_float64(case.build(reference))
    x = case.input(rng)
    R = rng.standard_normal(layer.forward(x).shape)
    analytic = backward_gradients(layer, R)
    numeric = numeric_gradients(layer, x, R)
    assert analytic.keys() == numeric.keys()
    for name, expected in numeric.items():
        assert analytic[name].shape == expected.shape, name
        assert relative_error(analytic[name], expected) < TOLERANCE, name


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3, 1e4])
def test_loss_gradient_matches_finite_differences(scale):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 5)) * scale
    targets = rng.integers(0, 5, size=6)
    loss_fn = reference.SoftmaxCrossEntropyLoss()
    loss_fn(logits, targets)
    analytic = loss_fn.backward()
    numeric = numerical_gradient(lambda: float(loss_fn(logits, targets)), logits, h=1e-6 * max(scale, 1.0))
    assert relative_error(analytic, numeric) < 1e-6
