"""api: each class of the lesson can be built and called the lesson's way, judged per class (one case
each): its constructor accepts the lesson's signatures, and its methods accept the lesson's calls
(backward(dY) with dY alone, the loss's backward() with nothing; extra optional arguments are fine).
Sequential and SGD are built around trusted probes, so that no other class can cost them (a Sequential
that refuses the probes is built around its own Linear and ReLU)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from grader.checks.compare import expect
from grader.checks.own_sequential import refusal
from grader.checks.probing import probe_layers
from grader.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from grader.sandbox.runner import Sandbox

POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")


def _model(api: Any, box: "Sandbox") -> Any:
    """A Sequential of two probe layers, or, when it refuses them (it accepts only its own Module
    subclasses, say), of two of its own layers (Linear(4, 3) and ReLU(), or ReLU() and Flatten() when
    its Linear cannot be built): the lesson's call with the lesson's layers."""
    try:
        return api.Sequential(*probe_layers(box, 2)[1])
    except SandboxError as error:
        if not refusal(error, unseen=False):
            raise
        refused = error
    for own in (lambda: (api.Linear(4, 3), api.ReLU()), lambda: (api.ReLU(), api.Flatten())):
        try:
            return api.Sequential(*own())
        except SandboxError:
            continue
    raise refused


Build = Callable[[Any, "Sandbox"], Any]  # (api, box) -> an object of the submission's class
LAYER_CALLS: dict[str, tuple[str, ...]] = {"forward": ("x",), "backward": ("dY",)}
# class -> ({construction: build(api, box)}, {method: the positional arguments the lesson passes it})
LESSON_API: dict[str, tuple[dict[str, Build], dict[str, tuple[str, ...]]]] = {
    "Conv2d": (
        {
            "Conv2d(1, 2, 3)": lambda api, box: api.Conv2d(1, 2, 3),
            "Conv2d(3, 4, 5, stride=2, padding=1)": lambda api, box: api.Conv2d(3, 4, 5, stride=2, padding=1),
        },
        LAYER_CALLS,
    ),
    "MaxPool2d": (
        {
            "MaxPool2d(2)": lambda api, box: api.MaxPool2d(2),
            "MaxPool2d(2, 2)": lambda api, box: api.MaxPool2d(2, 2),
            "MaxPool2d(3, stride=None, padding=1)": lambda api, box: api.MaxPool2d(3, stride=None, padding=1),
        },
        LAYER_CALLS,
    ),
    "Linear": (
        {
            "Linear(4, 3)": lambda api, box: api.Linear(4, 3),
            "Linear(4, 3, bias=False)": lambda api, box: api.Linear(4, 3, bias=False),
        },
        LAYER_CALLS,
    ),
    "ReLU": ({"ReLU()": lambda api, box: api.ReLU()}, LAYER_CALLS),
    "Flatten": ({"Flatten()": lambda api, box: api.Flatten()}, LAYER_CALLS),
    "Sequential": (
        {"Sequential(layer, layer)": _model},
        {"__call__": ("x",), "forward": ("x",), "backward": ("dY",), "parameters": ()},
    ),
    "SoftmaxCrossEntropyLoss": (
        {"SoftmaxCrossEntropyLoss()": lambda api, box: api.SoftmaxCrossEntropyLoss()},
        {"__call__": ("logits", "targets"), "backward": ()},
    ),
    "SGD": (
        {
            "SGD(model)": lambda api, box: api.SGD(box.probe("ParameterModel", [(2, 3)])),
            "SGD(model, lr=0.1)": lambda api, box: api.SGD(box.probe("ParameterModel", [(2, 3)]), lr=0.1),
        },
        {"zero_grad": (), "step": ()},
    ),
}


def accepts(parameters: list[dict[str, Any]], count: int) -> bool:
    """Whether a callable with these parameters (bound: no self) can be called with count positional
    arguments and nothing else."""
    required = [p for p in parameters if p["kind"] in POSITIONAL and not p["has_default"]]
    capacity = sum(p["kind"] in POSITIONAL for p in parameters)
    variadic = any(p["kind"] == "VAR_POSITIONAL" for p in parameters)
    keyword_only = any(p["kind"] == "KEYWORD_ONLY" and not p["has_default"] for p in parameters)
    return len(required) <= count and (count <= capacity or variadic) and not keyword_only


def describe(parameter: dict[str, Any]) -> str:
    prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(parameter["kind"], "")
    return prefix + parameter["name"] + (f"={parameter['default']}" if parameter["has_default"] else "")


@pytest.mark.item("api")
@pytest.mark.parametrize("name", list(LESSON_API))
def test_the_lessons_way(name, api, box):
    constructions, methods = LESSON_API[name]
    built = [build(api, box) for build in constructions.values()]
    for method, arguments in methods.items():
        parameters = box.signature(built[0], method)  # bound: without self
        expect(
            accepts(parameters, len(arguments)),
            f"{method}({', '.join(arguments)}) is how the lesson calls it, but yours is {method}("
            f"{', '.join(['self'] + [describe(p) for p in parameters])})"
            + (": everything else must come from what forward cached" if method == "backward" else ""),
            f"{name}.{method}",
        )
