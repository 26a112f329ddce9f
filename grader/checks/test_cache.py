"""cache: backward uses what the LAST forward cached. The submission is compared with itself: after
forward(x1), forward(x2), backward(dY) a layer must give what its twin (same class, same
parameters) gives after forward(x0), forward(x2), backward(dY), so a wrong forward or backward costs
its own item, not this one. The twin saw another first input (x0), so a layer that keeps an older
input fails whatever it starts from; a twin whose backward fails on its own (raises, returns NaN or
inf) leaves the case not judged (grader/checks/judging.py), and a layer that does no work of its
kind earns nothing (grader/checks/work.py)."""

import pytest

from grader.checks.compare import as_array, expect_close
from grader.checks.judging import baseline, finite, not_earned, output_shape
from grader.checks.layers import gradient_name, own_gradients, own_layers, set_parameters
from grader.checks.work import forward_work
from grader.lesson import Lesson


def cache_cases(lesson: Lesson) -> list:
    """The simplest configurations of each layer: the first LessonClass.cache cases of its table."""
    return [pytest.param(case, id=case.id) for cls in lesson.classes for case in cls.layer_cases[: cls.cache]]


@pytest.mark.item("cache")
@pytest.mark.from_lesson("case", cache_cases)
def test_backward_uses_the_last_forward(case, api, rng, tol, ctx, observe):
    x0, x1, x2 = case.input(rng), case.input(rng), case.input(rng)
    seen = observe("cache", case.layer, case, x1=x1, x2=x2)
    forward, backward = f"{case.layer}.forward", f"{case.layer}.backward"
    with baseline("cache", forward):
        (layer, twin, other), values = own_layers(case, api, rng, ctx.rubric.lesson, count=3)
        contrast = as_array(twin.forward(x0), case.id, "the output of forward")  # MaxPool2d: another input's
        y2 = as_array(twin.forward(x2), case.id, "the output of forward")
        if values:  # Conv2d, Linear: the output for the same input with other parameters
            set_parameters(other, {name: rng.standard_normal(value.shape) for name, value in values.items()})
            contrast = as_array(other.forward(x2), case.id, "the output of forward")
    dY = rng.standard_normal(output_shape(y2, x2, case.id))
    seen.inputs.update({name: value.copy() for name, value in values.items()}, dY=dY.copy())
    with baseline("cache", backward):
        expected = own_gradients(twin, values, twin.backward(dY), case.id)
    finite(expected, backward, "cache", case.id)
    not_earned(forward_work(case.layer, x2, y2, contrast, "nothing to check the cache of"), case.id)
    layer.forward(x1)
    layer.forward(x2)
    got = own_gradients(layer, values, layer.backward(dY), case.id)
    for name, value in got.items():
        seen.record(gradient_name(name), value)
    for name, value in expected.items():
        expect_close(
            got[name],
            value,
            tol.relative,
            case.id,
            f"{gradient_name(name)} after forward(x1), forward(x2), backward(dY): it should equal what "
            "forward(x0), forward(x2), backward(dY) gives",
        )
