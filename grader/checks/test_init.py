"""init: He-normal weights with the right shapes, zero biases, gradient buffers of the same shapes.

Tolerances come from the sample size: the sample std of n normal draws has a standard error of
sigma / sqrt(2n), the mean one of sigma / sqrt(n); five of them leave a correct submission a
chance below one in a million of failing.
"""

import ast

import numpy as np
import pytest

from grader.cases import LayerCase
from grader.checks.compare import as_array, expect

item = pytest.mark.item("init")
LAYERS = {  # construction -> (weight shape, fan_in)
    "Conv2d(8, 64, 3)": (lambda api: api.Conv2d(8, 64, 3), (64, 8, 3, 3), 8 * 3 * 3),
    "Conv2d(1, 4, 5)": (lambda api: api.Conv2d(1, 4, 5), (4, 1, 5, 5), 25),
    "Linear(256, 128)": (lambda api: api.Linear(256, 128), (128, 256), 256),
    "Linear(576, 32)": (lambda api: api.Linear(576, 32), (32, 576), 576),
}


@item
@pytest.mark.parametrize("construction", list(LAYERS))
def test_he_normal_initialisation(construction, api, ctx, observe):
    build, shape, fan_in = LAYERS[construction]
    cls, _, args = construction.partition("(")
    seen = observe("init", cls, LayerCase(cls, ast.literal_eval(f"({args[:-1]},)"), ()), seed=ctx.seed)
    api.seed(ctx.seed)
    layer = build(api)
    weight = as_array(seen.record("weight", layer.weight), construction, "weight")
    bias = as_array(seen.record("bias", layer.bias), construction, "bias")
    expect(weight.shape == shape, f"weight has shape {weight.shape}, expected {shape} (out, in, ...)", construction)
    expect(bias.shape == shape[:1], f"bias has shape {bias.shape}, expected {shape[:1]}", construction)
    expect(not bias.any(), "biases must start at zero", construction)
    sigma, n = np.sqrt(2.0 / fan_in), weight.size
    std, mean = float(weight.std()), float(weight.mean())
    expect(
        abs(std - sigma) <= 5 * sigma / np.sqrt(2 * n),
        f"weight std is {std:.4g}, expected sqrt(2 / fan_in) = {sigma:.4g} with fan_in = {fan_in} "
        f"(tolerance {5 * sigma / np.sqrt(2 * n):.2g} for {n} weights)",
        construction,
    )
    expect(abs(mean) <= 5 * sigma / np.sqrt(n), f"weight mean is {mean:.4g}, expected about 0", construction)
    for name, value in (("grad_weight", weight), ("grad_bias", bias)):
        grad = as_array(getattr(layer, name), construction, name)
        expect(
            grad.shape == value.shape and not grad.any(),
            f"{name} should start as zeros of shape {value.shape}, got shape {grad.shape}",
            construction,
        )
