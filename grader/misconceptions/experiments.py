"""The experiments the checks run on a submission, replayed on a known-bug implementation.

Each experiment does what its check does to the submission (same calls, same order, same inputs)
and fills `out` with the outputs by the names the check records (Observation.record). `api` is a
namespace of classes (the reference's, one of them replaced by a misconception's variant); `spec`
the case (grader.cases.LayerCase / LossCase) or None; `inputs` what the check observed it pass.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

PARAMETERS = ("weight", "bias")
Outputs = dict[str, np.ndarray]


def _layer(api: Any, spec: Any, inputs: dict[str, Any]) -> Any:
    """The case's layer from api, with the check's parameters and zero gradients."""
    layer = spec.build(api)
    for name in PARAMETERS:
        if name in inputs:
            setattr(layer, name, np.array(inputs[name]))
            setattr(layer, f"grad_{name}", np.zeros_like(inputs[name]))
    return layer


def _gradients(layer: Any, inputs: dict[str, Any], out: Outputs, prefix: str = "") -> None:
    for name in PARAMETERS:
        if name in inputs:
            out[f"{prefix}grad_{name}"] = np.array(getattr(layer, f"grad_{name}"))


def layer_forward(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    out["y"] = np.array(_layer(api, spec, inputs).forward(inputs["x"].copy()))


def layer_backward(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """y = forward(x), dX = backward(dY), then the parameter gradients (the check's test_backward)."""
    layer = _layer(api, spec, inputs)
    out["y"] = np.array(layer.forward(inputs["x"].copy()))
    out["dX"] = np.array(layer.backward(inputs["dY"].copy()))
    _gradients(layer, inputs, out)


def forward_backward(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """ReLU, Flatten: y = forward(x), then dX = backward(dY)."""
    layer = _layer(api, spec, inputs)
    out["y"] = np.array(layer.forward(inputs["x"].copy()))
    out["dX"] = np.array(layer.backward(inputs["dY"].copy()))


def two_forwards(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """forward(x1), y = forward(x2), dX = backward(dY) (Flatten's new-shape check)."""
    layer = _layer(api, spec, inputs)
    layer.forward(inputs["x1"].copy())
    out["y"] = np.array(layer.forward(inputs["x2"].copy()))
    out["dX"] = np.array(layer.backward(inputs["dY"].copy()))


def input_after_forward(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """x as it is after forward(x) (ReLU must not modify its input)."""
    x = inputs["x"].copy()
    _layer(api, spec, inputs).forward(x)
    out["x_after"] = x


def derivative_at_zero(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    layer = _layer(api, spec, inputs)
    layer.forward(inputs["x"].copy())
    out["dX"] = np.array(layer.backward(np.ones_like(inputs["x"])))


def cache(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """forward(x1), forward(x2), backward(dY): dX and the gradients (the cache check)."""
    layer = _layer(api, spec, inputs)
    layer.forward(inputs["x1"].copy())
    layer.forward(inputs["x2"].copy())
    out["dX"] = np.array(layer.backward(inputs["dY"].copy()))
    _gradients(layer, inputs, out)


def accumulation(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """forward, backward twice, zero the gradients in place, forward, backward (the accumulation check)."""
    layer = _layer(api, spec, inputs)
    layer.forward(inputs["x"].copy())
    layer.backward(inputs["dY"].copy())
    _gradients(layer, inputs, out, "once_")
    layer.backward(inputs["dY"].copy())
    _gradients(layer, inputs, out, "twice_")
    for name in PARAMETERS:
        if name in inputs:
            getattr(layer, f"grad_{name}").fill(0.0)
    layer.forward(inputs["x"].copy())
    layer.backward(inputs["dY"].copy())
    _gradients(layer, inputs, out, "again_")


def loss(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """value = loss_fn(logits, targets), then dLogits = loss_fn.backward()."""
    loss_fn = api.SoftmaxCrossEntropyLoss()
    out["value"] = np.array(loss_fn(inputs["logits"].copy(), inputs["targets"].copy()))
    out["dLogits"] = np.array(loss_fn.backward())


class _Model:
    """A model whose parameters() returns known arrays, like the checks' trusted probe."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.params, self.grads = params, grads

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(zip(self.params, self.grads, strict=True))


def _model(inputs: dict[str, Any], count: int) -> _Model:
    params = [np.array(inputs[f"p{i}"]) for i in range(count)]
    return _Model(params, [np.array(inputs[f"g{i}"]) for i in range(count)])


def sgd_step(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """One step() of SGD(model, lr=lr) from parameters p<i> and gradients g<i>: the parameters after."""
    count = int(inputs["count"])
    model = _model(inputs, count)
    api.SGD(model, lr=float(inputs["lr"])).step()
    for i, param in enumerate(model.params):
        out[f"p{i}"] = np.array(param)


def sgd_zero_grad(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """zero_grad() of SGD(model, lr=0.1): the gradients after."""
    count = int(inputs["count"])
    model = _model(inputs, count)
    api.SGD(model, lr=0.1).zero_grad()
    for i, grad in enumerate(model.grads):
        out[f"g{i}"] = np.array(grad)


def init(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """The initial weight and bias of the case's layer, numpy's generator seeded with seed (the init check)."""
    np.random.seed(int(inputs["seed"]))
    layer = spec.build(api)
    out["weight"], out["bias"] = np.array(layer.weight), np.array(layer.bias)


CALLS = {f"{layer}.{method}": 3 * step + index for step, method in enumerate(("forward", "backward"))
         for index, layer in enumerate(("first", "second", "third"))}  # fmt: skip


def call_codes(calls: Any) -> np.ndarray:
    """A probe log's calls (["first.forward", ...]) as numbers, to compare like any output (-1: unknown)."""
    return np.array([CALLS.get(str(call), -1) for call in calls] if isinstance(calls, list) else [-2])


def sequential_order(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """model(x) and model.backward(dY) of a Sequential of count probe layers, and the calls each made."""
    from grader.checks.probing import AFFINE
    from grader.sandbox.probes import AffineLayer, CallLog

    log = CallLog()
    model = api.Sequential(*[AffineLayer(*layer, log) for layer in AFFINE[: int(inputs["count"])]])
    out["y"] = np.array(model(inputs["x"].copy()))
    out["forward_calls"] = call_codes(log.entries())
    out["dX"] = np.array(model.backward(inputs["dY"].copy()))
    out["backward_calls"] = call_codes(log.entries()[len(out["forward_calls"]) :])


def sequential_parameters(api: Any, spec: Any, inputs: dict[str, Any], out: Outputs) -> None:
    """parameters() of a Sequential of count empty layers holding known arrays: how many pairs, and
    for each layer array (in layer order) the index of the pair that returns it itself (-1: none)
    and whether that pair holds its own gradient (the sequential check's parameters case)."""
    from grader.checks.probing import PARAMETER_LAYERS

    layers, expected = [], []
    for position, (name, shapes) in enumerate(PARAMETER_LAYERS[: int(inputs["count"])]):
        layer = object.__new__(getattr(api, name))
        for key, shape in shapes.items():
            value = None if shape is None else np.full(shape, float(position + 1))
            setattr(layer, key, value)
            setattr(layer, f"grad_{key}", None if shape is None else np.zeros(shape))
            if shape is not None:
                expected.append((value, getattr(layer, f"grad_{key}")))
        layers.append(layer)
    pairs = list(api.Sequential(*layers).parameters())
    out["count"] = np.array(len(pairs))
    found = [next((i for i, pair in enumerate(pairs) if pair[0] is param), -1) for param, _ in expected]
    out["found"] = np.array(found)
    out["own_gradient"] = np.array(
        [i >= 0 and pairs[i][1] is grad for i, (_, grad) in zip(found, expected, strict=False)]
    )


EXPERIMENTS: dict[str, Callable[[Any, Any, dict[str, Any], Outputs], None]] = {
    "layer.forward": layer_forward,
    "layer.backward": layer_backward,
    "forward_backward": forward_backward,
    "two_forwards": two_forwards,
    "input_after_forward": input_after_forward,
    "derivative_at_zero": derivative_at_zero,
    "cache": cache,
    "accumulation": accumulation,
    "loss": loss,
    "init": init,
    "sequential.order": sequential_order,
    "sequential.parameters": sequential_parameters,
    "sgd.step": sgd_step,
    "sgd.zero_grad": sgd_zero_grad,
}
