"""The reference against PyTorch on the same case table, when torch happens to be installed."""

import numpy as np
import pytest

import reference
from grader.cases import LAYER_CASES
from grader.numerics import relative_error
from tests.helpers.support import backward_gradients, parameter_names, to_float64

torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional: pip install torch)")
F = torch.nn.functional


def torch_forward(layer, x, params):
    """The torch op equivalent to a reference layer, on torch tensors x and params {name: tensor}."""
    kind = type(layer).__name__
    if kind == "Conv2d":
        return F.conv2d(x, params["weight"], params["bias"], stride=layer.stride, padding=layer.padding)
    if kind == "MaxPool2d":
        return F.max_pool2d(x, layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if kind == "Linear":
        return F.linear(x, params["weight"], params.get("bias"))
    if kind == "ReLU":
        return F.relu(x)
    if kind == "Flatten":
        return torch.flatten(x, 1)
    raise AssertionError(kind)


@pytest.mark.parametrize("case", LAYER_CASES, ids=lambda case: case.id)
def test_layer_matches_torch(case):
    rng = np.random.default_rng(2)
    np.random.seed(2)
    layer = to_float64(case.build(reference))
    x = case.input(rng)
    out = layer.forward(x)
    dY = rng.standard_normal(out.shape)
    ours = backward_gradients(layer, dY)

    tensors = {"x": torch.tensor(x, requires_grad=True)}
    tensors.update({name: torch.tensor(getattr(layer, name), requires_grad=True) for name in parameter_names(layer)})
    params = {name: t for name, t in tensors.items() if name != "x"}
    expected = torch_forward(layer, tensors["x"], params)
    expected.backward(torch.tensor(dY))

    assert relative_error(out, expected.detach().numpy()) < 1e-12
    for name, tensor in tensors.items():
        assert relative_error(ours[name], tensor.grad.numpy()) < 1e-12, name


def test_maxpool_tie_rule_matches_torch():
    x = np.ones((1, 1, 4, 4))  # every window is one big tie
    dY = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    pool = reference.MaxPool2d(2)
    pool.forward(x)
    xt = torch.tensor(x, requires_grad=True)
    F.max_pool2d(xt, 2).backward(torch.tensor(dY))
    np.testing.assert_array_equal(pool.backward(dY), xt.grad.numpy())


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e4])
def test_loss_matches_torch(scale):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((8, 10)) * scale
    targets = rng.integers(0, 10, size=8)
    loss_fn = reference.SoftmaxCrossEntropyLoss()
    loss = loss_fn(logits, targets)
    lt = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(lt, torch.tensor(targets))
    expected.backward()
    assert abs(loss - expected.item()) <= 1e-12 * max(1.0, abs(expected.item()))
    assert relative_error(loss_fn.backward(), lt.grad.numpy()) < 1e-12
