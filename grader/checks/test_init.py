"""init: He-normal weights with the right shapes, zero biases, gradient buffers of the same shapes.

Tolerances come from the sample size: the sample std of n normal draws has a standard error of
sigma / sqrt(2n), the mean one of sigma / sqrt(n); five of them leave a correct submission a
chance below one in a million of failing.
"""

import numpy as np
import pytest

from grader.cases import LayerCase
from grader.checks.compare import as_array, expect
from grader.lesson import Lesson


def init_probes(lesson: Lesson) -> list:
    """(class name, InitProbe) of each class's init probes (grader/lesson.py), named like "Conv2d(8, 64, 3)"."""
    return [
        pytest.param(cls.name, probe, id=f"{cls.name}({', '.join(map(str, probe.args))})")
        for cls in lesson.classes
        for probe in cls.init
    ]


@pytest.mark.item("init")
@pytest.mark.from_lesson(("name", "probe"), init_probes)
def test_he_normal_initialisation(name, probe, api, ctx, observe):
    construction, shape, fan_in = f"{name}({', '.join(map(str, probe.args))})", probe.weight_shape, probe.fan_in
    seen = observe("init", name, LayerCase(name, tuple(probe.args), ()), seed=ctx.seed)
    api.seed(ctx.seed)
    layer = getattr(api, name)(*probe.args)
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
