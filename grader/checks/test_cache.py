"""cache: backward uses what the LAST forward cached. The submission is compared with itself: after
forward(x1), forward(x2), backward(dY) a layer must give what a fresh twin (same class, same
parameters) gives after forward(x2), backward(dY), so a wrong forward or backward costs its own item,
not this one."""

import pytest

from grader.checks.compare import expect_close
from grader.checks.judging import baseline
from grader.checks.layers import gradient_name, own_gradients, own_layers
from grader.lesson import Lesson


def cache_cases(lesson: Lesson) -> list:
    """The simplest configurations of each layer: the first LessonClass.cache cases of its table."""
    return [pytest.param(case, id=case.id) for cls in lesson.classes for case in cls.layer_cases[: cls.cache]]


@pytest.mark.item("cache")
@pytest.mark.from_lesson("case", cache_cases)
def test_backward_uses_the_last_forward(case, api, rng, tol, ctx):
    x1, x2 = case.input(rng), case.input(rng)
    with baseline("cache"):
        (layer, fresh_twin), values = own_layers(case, api, rng, ctx.rubric.lesson, count=2)
        y2 = fresh_twin.forward(x2)
        dY = rng.standard_normal(y2.shape)
        fresh = own_gradients(fresh_twin, values, fresh_twin.backward(dY), case.id)
    layer.forward(x1)
    layer.forward(x2)
    got = own_gradients(layer, values, layer.backward(dY), case.id)
    for name, value in fresh.items():
        expect_close(
            got[name],
            value,
            tol.relative,
            case.id,
            f"{gradient_name(name)} after forward(x1), forward(x2), backward(dY): it should equal what "
            "forward(x2), backward(dY) alone gives",
        )
