"""The lesson as one declaration: its classes, their rubric items, case tables and probes.

Everything that lists the lesson's classes or items derives from LESSON: the names the sandbox loads
(sandbox/runner.py), which item a method's exception belongs to (grader/grading/blame.py), the checks'
parametrisation (checks/test_layers.py, test_api.py, test_init.py, test_cache.py,
test_accumulation.py), the item ids and their order (rubric_schema.ITEM_IDS), the reference's
`__all__` (tests/test_lesson.py) and the tests' counts. docs/extending.md says how to
add a layer or an item. A rubric is loaded against a Lesson (grader.grading.rubric.load_rubric), and a grade
takes its lesson from its rubric, so a test can grade a lesson of its own.

The item ids are spelled out literally below ("maxpool2d.backward"), so that grep finds them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

from grader.cases import (
    CONV2D_CASES,
    FLATTEN_CASES,
    LINEAR_CASES,
    LOSS_CASES,
    MAXPOOL2D_CASES,
    RELU_CASES,
    LayerCase,
    LossCase,
)
from grader.misconceptions.catalogue import CATALOGUE

Kind = Literal["layer with parameters", "layer", "container", "loss", "optimizer"]
Build = Callable[[Any, Any], Any]  # (api, box: runner.Sandbox) -> an object of the submission's class
LAYER_CALLS: tuple[tuple[str, tuple[str, ...]], ...] = (("forward", ("x",)), ("backward", ("dY",)))


@dataclass(frozen=True)
class Construction:
    """One way the lesson builds the class (the api check): label, e.g. "Linear(4, 3, bias=False)",
    and build(api, box); with build None, api.<class>(*args, **kwargs) as the label's call."""

    label: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    build: Build | None = None

    def __call__(self, api: Any, box: Any, name: str) -> Any:
        if self.build is not None:
            return self.build(api, box)
        return getattr(api, name)(*self.args, **dict(self.kwargs))


@dataclass(frozen=True)
class InitProbe:
    """A construction the init check samples (He-normal): args of the class, the weight shape
    (out, in, ...) it must have and its fan_in."""

    args: tuple[int, ...]
    weight_shape: tuple[int, ...]
    fan_in: int


@dataclass(frozen=True)
class LessonClass:
    """One class of the lesson.

    items: its own rubric items, in the rubric's order ("<prefix>.forward", "<prefix>.backward" for a
    layer checked by checks/test_layers.py against the reference); cases: its case table
    (grader/cases.py); parameters: the attributes that hold its parameters (grad_<name> their
    gradients); cache / accumulation: how many of its first cases the cache and accumulation checks
    run; init: the constructions the init check samples; constructions and calls: how the api check
    builds it and which positional arguments the lesson passes each method; module: the reference's
    (and the template's) module that defines it; misconceptions: the known mistakes of this class
    (grader/misconceptions/<class>.py declares them; Lesson.with_misconceptions attaches them).
    """

    name: str
    kind: Kind
    items: tuple[str, ...]
    module: str
    constructions: tuple[Construction, ...]
    calls: tuple[tuple[str, tuple[str, ...]], ...] = LAYER_CALLS
    cases: tuple[LayerCase | LossCase, ...] = ()
    parameters: tuple[str, ...] = ()
    cache: int = 0
    accumulation: int = 0
    init: tuple[InitProbe, ...] = ()
    misconceptions: tuple[Any, ...] = ()

    @property
    def layer_cases(self) -> tuple[LayerCase, ...]:
        return tuple(case for case in self.cases if isinstance(case, LayerCase))

    def item_of(self, method: str) -> str:
        """The item a method's failure belongs to: "<prefix>.<method>" when the class has it, "init" for
        the constructor of a class the init check samples, else its first item (helpers of forward)."""
        if method == "__init__" and self.init:
            return "init"
        return next((item for item in self.items if item.endswith(f".{method}")), self.items[0])


@dataclass(frozen=True)
class Lesson:
    """The classes, and the items that are not one class's: `first` before the classes' items in the
    rubric (api, init), `last` after them (cache, accumulation, lenet)."""

    classes: tuple[LessonClass, ...]
    first: tuple[str, ...] = ("api", "init")
    last: tuple[str, ...] = ("cache", "accumulation", "lenet")

    @property
    def names(self) -> tuple[str, ...]:
        """The class names a submission must define (the sandbox loads these)."""
        return tuple(cls.name for cls in self.classes)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every parameter attribute of the lesson's classes, e.g. ("weight", "bias"): what the checks ask a
        reference layer for (one that lacks an attribute, or holds None, does not have that parameter)."""
        return tuple(dict.fromkeys(name for cls in self.classes for name in cls.parameters))

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Every rubric item, in the rubric's order."""
        return self.first + tuple(item for cls in self.classes for item in cls.items) + self.last

    def by_name(self, name: str) -> LessonClass | None:
        return next((cls for cls in self.classes if cls.name == name), None)

    def with_misconceptions(self, catalogue: Mapping[str, tuple[Any, ...]]) -> "Lesson":
        """This lesson with each class's misconceptions taken from catalogue ({class name: entries},
        grader.misconceptions.CATALOGUE, one module per class there)."""
        classes = tuple(replace(cls, misconceptions=tuple(catalogue.get(cls.name, ()))) for cls in self.classes)
        return replace(self, classes=classes)

    def compared_layers(self) -> dict[str, tuple[LayerCase, ...]]:
        """{item prefix: cases} of the layers checks/test_layers.py compares with the reference: those
        whose items are exactly "<prefix>.forward" and "<prefix>.backward"."""
        tables = {}
        for cls in self.classes:
            prefix = cls.items[0].partition(".")[0]
            if cls.items == (f"{prefix}.forward", f"{prefix}.backward"):
                tables[prefix] = cls.layer_cases
        return tables


def _sequential(api: Any, box: Any) -> Any:
    """A Sequential of two probe layers, or, when it refuses them (it accepts only its own Module
    subclasses, say), of two of its own layers (Linear(4, 3) and ReLU(), or ReLU() and Flatten() when
    its Linear cannot be built): the lesson's call with the lesson's layers."""
    from grader.checks.own_sequential import refusal
    from grader.checks.probing import probe_layers  # trusted probes, built in the worker
    from grader.sandbox.errors import SandboxError

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


def _sgd(api: Any, box: Any, **kwargs: Any) -> Any:
    return api.SGD(box.probe("ParameterModel", [(2, 3)]), **kwargs)


LESSON = Lesson(
    classes=(
        LessonClass(
            "Conv2d",
            "layer with parameters",
            ("conv2d.forward", "conv2d.backward"),
            "layers",
            (
                Construction("Conv2d(1, 2, 3)", (1, 2, 3)),
                Construction("Conv2d(3, 4, 5, stride=2, padding=1)", (3, 4, 5), (("stride", 2), ("padding", 1))),
            ),
            cases=tuple(CONV2D_CASES),
            parameters=("weight", "bias"),
            cache=2,
            accumulation=2,
            init=(InitProbe((8, 64, 3), (64, 8, 3, 3), 8 * 3 * 3), InitProbe((1, 4, 5), (4, 1, 5, 5), 25)),
        ),
        LessonClass(
            "MaxPool2d",
            "layer",
            ("maxpool2d.forward", "maxpool2d.backward"),
            "layers",
            (
                Construction("MaxPool2d(2)", (2,)),
                Construction("MaxPool2d(2, 2)", (2, 2)),
                Construction("MaxPool2d(3, stride=None, padding=1)", (3,), (("stride", None), ("padding", 1))),
            ),
            cases=tuple(MAXPOOL2D_CASES),
            cache=3,
        ),
        LessonClass(
            "Linear",
            "layer with parameters",
            ("linear.forward", "linear.backward"),
            "layers",
            (
                Construction("Linear(4, 3)", (4, 3)),
                Construction("Linear(4, 3, bias=False)", (4, 3), (("bias", False),)),
            ),
            cases=tuple(LINEAR_CASES),
            parameters=("weight", "bias"),
            cache=2,
            accumulation=3,
            init=(InitProbe((256, 128), (128, 256), 256), InitProbe((576, 32), (32, 576), 576)),
        ),
        LessonClass("ReLU", "layer", ("relu",), "layers", (Construction("ReLU()"),), cases=tuple(RELU_CASES), cache=1),
        LessonClass(
            "Flatten",
            "layer",
            ("flatten",),
            "layers",
            (Construction("Flatten()"),),
            cases=tuple(FLATTEN_CASES),
            cache=1,
        ),
        LessonClass(
            "Sequential",
            "container",
            ("sequential",),
            "model",
            (Construction("Sequential(layer, layer)", build=_sequential),),
            calls=(("__call__", ("x",)), ("forward", ("x",)), ("backward", ("dY",)), ("parameters", ())),
        ),
        LessonClass(
            "SoftmaxCrossEntropyLoss",
            "loss",
            ("loss",),
            "loss",
            (Construction("SoftmaxCrossEntropyLoss()"),),
            calls=(("__call__", ("logits", "targets")), ("backward", ())),
            cases=tuple(LOSS_CASES),
        ),
        LessonClass(
            "SGD",
            "optimizer",
            ("sgd",),
            "optim",
            (Construction("SGD(model)", build=_sgd), Construction("SGD(model, lr=0.1)", build=partial(_sgd, lr=0.1))),
            calls=(("zero_grad", ()), ("step", ())),
        ),
    )
).with_misconceptions(CATALOGUE)
