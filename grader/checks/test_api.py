"""api: the required names exist, accept the lesson's constructor signatures, and every backward
takes exactly dY (the loss's backward takes nothing)."""

import pytest

from grader.checks.compare import expect

item = pytest.mark.item("api")

CONSTRUCTIONS = {
    "Conv2d(1, 2, 3)": lambda api: api.Conv2d(1, 2, 3),
    "Conv2d(3, 4, 5, stride=2, padding=1)": lambda api: api.Conv2d(3, 4, 5, stride=2, padding=1),
    "MaxPool2d(2)": lambda api: api.MaxPool2d(2),
    "MaxPool2d(3, stride=None, padding=1)": lambda api: api.MaxPool2d(3, stride=None, padding=1),
    "MaxPool2d(2, 2)": lambda api: api.MaxPool2d(2, 2),
    "Linear(4, 3)": lambda api: api.Linear(4, 3),
    "Linear(4, 3, bias=False)": lambda api: api.Linear(4, 3, bias=False),
    "ReLU()": lambda api: api.ReLU(),
    "Flatten()": lambda api: api.Flatten(),
    "Sequential(Linear(4, 3), ReLU())": lambda api: api.Sequential(api.Linear(4, 3), api.ReLU()),
    "SoftmaxCrossEntropyLoss()": lambda api: api.SoftmaxCrossEntropyLoss(),
    "SGD(model, lr=0.1)": lambda api: api.SGD(api.Sequential(api.Linear(4, 3)), lr=0.1),
}


@item
@pytest.mark.parametrize("construction", list(CONSTRUCTIONS))
def test_constructor_accepts_the_lessons_signature(construction, api):
    CONSTRUCTIONS[construction](api)


@item
@pytest.mark.parametrize("construction, arguments", [
    ("Conv2d(1, 2, 3)", 1), ("MaxPool2d(2)", 1), ("Linear(4, 3)", 1), ("ReLU()", 1), ("Flatten()", 1),
    ("Sequential(Linear(4, 3), ReLU())", 1), ("SoftmaxCrossEntropyLoss()", 0),
])
def test_backward_takes_only_dY(construction, arguments, api, box):
    name = construction.split("(")[0]
    parameters = box.signature(CONSTRUCTIONS[construction](api), "backward")  # bound: without self
    positional = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
    exact = all(p["kind"] in positional and not p["has_default"] for p in parameters) and len(parameters) == arguments
    wanted = "backward(self, dY)" if arguments else "backward(self)"
    yours = ", ".join(["self"] + [_describe(p) for p in parameters])
    expect(exact, f"expected {wanted}, yours is backward({yours}): everything else must come from what "
           "forward cached", f"{name}.backward")


def _describe(parameter):
    prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(parameter["kind"], "")
    return prefix + parameter["name"] + (f"={parameter['default']}" if parameter["has_default"] else "")
