"""conv2d / maxpool2d / linear .forward and .backward: values against the reference over the case
tables, and backward against finite differences of the submission's own forward."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from grader.cases import LayerCase
from grader.checks.compare import CheckFailure, Tensor, as_array, directional_derivatives, expect_close
from grader.checks.layers import gradient_name, gradients, parameter_names, twins
from grader.checks.marks import case_param
from grader.grading.failures import GradientRow
from grader.lesson import Lesson

if TYPE_CHECKING:
    from _pytest.mark.structures import ParameterSet  # what pytest.param returns (not exported by pytest)

    from grader.grading.rubric import Tolerances


def forward_cases(lesson: Lesson) -> list["ParameterSet"]:
    """Each case of each layer compared with the reference, marked "<layer>.forward" (e.g. conv2d.forward)."""
    return [case_param(case, f"{layer}.forward") for layer, table in lesson.compared_layers().items() for case in table]


def backward_cases(lesson: Lesson) -> list["ParameterSet"]:
    """The same cases, marked "<layer>.backward" (e.g. maxpool2d.backward)."""
    return [
        case_param(case, f"{layer}.backward") for layer, table in lesson.compared_layers().items() for case in table
    ]


@pytest.mark.from_lesson("case", forward_cases)
def test_forward(case, api, ref, rng, tol, ctx, observe):
    seen = observe("layer.forward", case.layer, case)
    student, reference, parameters = twins(case, api, ref, rng, ctx.rubric.lesson)
    x = case.input(rng)
    seen.inputs.update({k: v.copy() for k, v in parameters.items()}, x=x.copy())
    expect_close(
        seen.record("y", student.forward(x)), reference.forward(x), tol.relative, case.id, "the output of forward"
    )


@pytest.mark.from_lesson("case", backward_cases)
def test_backward(case, api, ref, rng, tol, ctx, observe):
    seen = observe("layer.backward", case.layer, case)
    student, reference, parameters = twins(case, api, ref, rng, ctx.rubric.lesson)
    names = parameter_names(reference, ctx.rubric.lesson)
    x = case.input(rng)
    dY = rng.standard_normal(np.shape(reference.forward(x)))
    seen.inputs.update({k: v.copy() for k, v in parameters.items()}, x=x.copy(), dY=dY.copy())
    seen.record("y", student.forward(x))
    expected = gradients(reference, names, reference.backward(dY))
    got = gradients(student, names, student.backward(dY))
    for name in ["x", *names]:
        seen.record(gradient_name(name), got[name])
    rows, disagreement = finite_differences(case, student, x, dY, parameters, names, got, rng, tol)
    try:
        for name in ["x", *names]:
            expect_close(got[name], expected[name], tol.relative, case.id, f"{gradient_name(name)} from backward")
    except CheckFailure as failure:  # show the student their own analytic vs numeric derivatives too
        failure.details.setdefault("gradient_table", rows)
        raise
    if disagreement is not None:
        raise disagreement


def finite_differences(
    case: LayerCase,
    student: Any,
    x: np.ndarray,
    dY: np.ndarray,
    parameters: dict[str, np.ndarray],
    names: list[str],
    got: dict[str, Any],
    rng: np.random.Generator,
    tol: "Tolerances",
) -> tuple[list[GradientRow], CheckFailure | None]:
    """Directional derivatives of sum(forward(x) * dY), the projection backward(dY) differentiates,
    against the submission's own backward: (table rows, the CheckFailure of a mismatch or None)."""
    current = {"x": x}

    def loss() -> Any:
        return np.sum(as_array(student.forward(current["x"]), case.id, "forward") * dY)

    def setter(name: str) -> Callable[[Any], object]:
        if name == "x":
            return lambda value: current.__setitem__("x", value)
        return lambda value: setattr(student, name, value)

    values = {"x": x, **parameters}
    tensors: list[Tensor] = [(gradient_name(name), values[name], got[name], setter(name)) for name in ["x", *names]]
    try:
        return directional_derivatives(loss, tensors, rng, tol.step, tol.finite_differences, case.id), None
    except CheckFailure as failure:
        return failure.details.get("gradient_table", []), failure
