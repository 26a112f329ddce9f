"""accumulation: two backward calls without zeroing give twice the gradients of one, and zeroing the
gradient arrays in place (as SGD.zero_grad does) resets them. The layer is compared with itself,
so a wrong backward costs its own item, not this one: a baseline whose gradients are not finite is
not judged (grader/checks/judging.py), and a backward that writes no gradient earns nothing."""

import pytest

from grader.checks.compare import expect_close
from grader.checks.judging import baseline, finite, not_earned, output_shape
from grader.checks.layers import own_gradients, own_layers
from grader.checks.work import gradient_work
from grader.lesson import Lesson


def accumulation_cases(lesson: Lesson) -> list:
    """The first LessonClass.accumulation cases of each layer with parameters."""
    return [pytest.param(case, id=case.id) for cls in lesson.classes for case in cls.layer_cases[: cls.accumulation]]


@pytest.mark.item("accumulation")
@pytest.mark.from_lesson("case", accumulation_cases)
def test_gradients_accumulate_until_zeroed(case, api, box, rng, tol, ctx, observe):
    x = case.input(rng)
    seen = observe("accumulation", case.layer, case, x=x)
    backward = f"{case.layer}.backward"
    with baseline("accumulation", backward):
        (layer,), values = own_layers(case, api, rng, ctx.rubric.lesson)
        dY = rng.standard_normal(output_shape(layer.forward(x), x, case.id))
        layer.backward(dY)
        once = own_gradients(layer, values, None, case.id)
    seen.inputs.update({name: value.copy() for name, value in values.items()}, dY=dY.copy())
    finite(once, backward, "accumulation", case.id)
    not_earned(gradient_work(once, "nothing to check the accumulation of"), case.id)
    layer.backward(dY)
    twice = own_gradients(layer, values, None, case.id)
    for name in once:
        seen.record(f"once_grad_{name}", once[name])
        seen.record(f"twice_grad_{name}", twice[name])
    for name, value in once.items():
        expect_close(
            twice[name],
            2 * value,
            tol.relative,
            case.id,
            f"grad_{name} after two backward calls (should be twice one call: +=, not =)",
        )
    for name in once:
        box.call_kept(box.getattr_kept(layer, f"grad_{name}"), "fill", 0.0)  # in place, like SGD.zero_grad
    layer.forward(x)
    layer.backward(dY)
    again = own_gradients(layer, values, None, case.id)
    for name, value in again.items():
        seen.record(f"again_grad_{name}", value)
    for name, value in once.items():
        expect_close(
            again[name], value, tol.relative, case.id, f"grad_{name} after zeroing it in place and one backward"
        )
