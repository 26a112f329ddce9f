"""Twin layers: the submission's and the reference's, with the same float64 parameters."""

import numpy as np

from grader.sandbox.proxy import RemoteObject

PARAMETERS = ("weight", "bias")
GRADIENT_NAMES = {"x": "dX", "weight": "grad_weight", "bias": "grad_bias"}


def parameter_names(layer):
    """The reference layer's parameters: 'weight' and/or 'bias' (bias=None skipped)."""
    return [name for name in PARAMETERS if getattr(layer, name, None) is not None]


def set_parameters(layer, values):
    """Give a layer (either side) these parameters and fresh zero gradients of the same dtype."""
    attributes = {**values, **{f"grad_{name}": np.zeros_like(value) for name, value in values.items()}}
    if isinstance(layer, RemoteObject):
        layer._sandbox.set_attributes(layer, attributes)
    else:
        for name, value in attributes.items():
            setattr(layer, name, value)


def twins(case, api, oracle, rng):
    """(submission layer, reference layer, parameters) for a LayerCase, both set to the same
    random float64 parameters."""
    reference = case.build(oracle)
    student = case.build(api)
    values = {name: rng.standard_normal(np.shape(getattr(reference, name))) for name in parameter_names(reference)}
    set_parameters(reference, values)
    set_parameters(student, values)
    return student, reference, values


def gradients(layer, names, dX):
    """{'x': dX, 'weight': layer.grad_weight, ...}: what one backward produced (copies for the reference)."""
    grads = {"x": dX}
    for name in names:
        value = getattr(layer, f"grad_{name}")
        grads[name] = value.copy() if isinstance(value, np.ndarray) else value
    return grads
