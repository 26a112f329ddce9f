"""sequential and api, when a Sequential refuses the grader's stand-ins: judged with the submission's own layers.

A Sequential written like torch.nn.Sequential may accept only its own framework's Module subclasses,
or collect parameters from each layer's own registry, so it refuses the trusted probe layers
(grader/sandbox/probes.py) and the empty shells of probing.parameter_layers. That is correct code for its own
layers, so such a case is judged again over the submission's own layers:

- forward and backward: a chain of its own layers (CHAINS) with random float64 parameters. Each layer
  is first checked on its own against the reference in the same case; one that differs (or raises)
  makes the case not judged, costing that layer's item, not sequential. Then its Sequential of fresh
  twins must give the reference chain's output, dX and parameter gradients.
- parameters(): its own layers built for real (OWN_PARAMETER_LAYERS), holding the same known arrays
  as the shells; the identity check is the same.

The reference's side (ReferenceChain) is computed in every run, whatever the submission does, so that
public mode replays the same questions (grader.grading.oracle). Every comparison runs here, on the trusted side.
A refusal is an exception the submitted code raised; unwritten code (NotImplementedError) and limits
(time, memory, crashes) are never retried.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from grader.cases import LayerCase
from grader.checks.compare import CheckFailure, expect_close
from grader.checks.layers import gradient_name, gradients, parameter_names, set_parameters
from grader.checks.probing import PARAMETER_LAYERS, Shapes
from grader.grading.blame import item_of
from grader.lesson import LESSON
from grader.sandbox.errors import SandboxError, SubmissionRaised

if TYPE_CHECKING:
    from grader.checks.context import GradingContext
    from grader.grading.rubric import Tolerances

Chain = tuple[LayerCase, ...]  # layers in order; the first one's input_shape is the chain's input
# probe count of a sequential case -> the chains of own layers that may stand in for the probes, in
# order of preference: the first whose layers all match the reference on their own is used
CHAINS: dict[int, tuple[Chain, ...]] = {
    3: (
        (LayerCase("Linear", (3, 5), (4, 3)), LayerCase("ReLU", (), (4, 5)), LayerCase("Linear", (5, 3), (4, 5))),
        (
            LayerCase("Conv2d", (2, 3, 3), (2, 2, 5, 5)),
            LayerCase("ReLU", (), (2, 3, 3, 3)),
            LayerCase("Flatten", (), (2, 3, 3, 3)),
        ),
        (
            LayerCase("MaxPool2d", (2,), (2, 3, 4, 4)),
            LayerCase("ReLU", (), (2, 3, 2, 2)),
            LayerCase("Flatten", (), (2, 3, 2, 2)),
        ),
    ),
    1: (
        (LayerCase("Linear", (3, 3), (4, 3)),),
        (LayerCase("Conv2d", (2, 2, 3), (2, 2, 4, 4)),),
        (LayerCase("ReLU", (), (4, 3)),),
    ),
}
# the own layers standing in for probing.PARAMETER_LAYERS, in the same order and with the same shapes
OWN_PARAMETER_LAYERS: Chain = (
    LayerCase("Conv2d", (2, 3, 3), (1, 2, 4, 4)),
    LayerCase("ReLU", (), (1, 3, 2, 2)),
    LayerCase("Flatten", (), (1, 3, 2, 2)),
    LayerCase("Linear", (12, 4), (1, 12), (("bias", False),)),
    LayerCase("Linear", (4, 2), (1, 4)),
)


class StandInsIgnored(CheckFailure):
    """The submission's Sequential took the stand-ins without raising but never called them (a
    Sequential that keeps only its own Module subclasses, say)."""


def refusal(error: BaseException, unseen: bool) -> bool:
    """Whether error is the submission refusing the stand-ins: an exception its code raised (not
    NotImplementedError, which is unwritten code), StandInsIgnored, or, when unseen is true
    (parameters()), any failed check: its parameters() did not see the stand-ins' arrays."""
    if isinstance(error, CheckFailure):
        return unseen or isinstance(error, StandInsIgnored)
    return (
        isinstance(error, SubmissionRaised) and error.kind == "exception" and error.type_name != "NotImplementedError"
    )


def names(chain: Chain) -> str:
    """'Linear and ReLU': the distinct classes of a chain."""
    distinct = list(dict.fromkeys(case.layer for case in chain))
    return ", ".join(distinct[:-1]) + " and " + distinct[-1] if len(distinct) > 1 else distinct[0]


@dataclass(frozen=True)
class ReferenceChain:
    """The reference's layers of a chain run on x then dY. activations: [x, y1, ..., y_L];
    upstream: [dX, d1, ..., dY] (upstream[i] is the gradient of activations[i]); values and grads:
    each layer's parameters and their gradients after the backward pass."""

    activations: list[np.ndarray]
    upstream: list[np.ndarray]
    values: list[dict[str, np.ndarray]]
    grads: list[dict[str, np.ndarray]]


def reference_chain(chain: Chain, ref: Any, rng: np.random.Generator) -> ReferenceChain:
    """Run the reference's layers of chain, with random float64 parameters, forward on a random input
    of the first layer's input_shape and backward on a random dY (all drawn from rng); asked in every
    run, whatever the submission does, for public mode's replay."""
    layers: list[Any] = []
    values: list[dict[str, np.ndarray]] = []
    activations = [chain[0].input(rng)]
    for case in chain:
        layer = case.build(ref)
        values.append(
            {name: rng.standard_normal(np.shape(getattr(layer, name))) for name in parameter_names(layer, LESSON)}
        )
        set_parameters(layer, values[-1])
        layers.append(layer)
        activations.append(np.asarray(layer.forward(activations[-1])))
    upstream = [rng.standard_normal(activations[-1].shape)]
    grads: list[dict[str, np.ndarray]] = []
    for layer, layer_values in zip(reversed(layers), reversed(values), strict=True):
        found = gradients(layer, layer_values, layer.backward(upstream[0]))
        upstream.insert(0, np.asarray(found.pop("x")))
        grads.insert(0, {name: np.asarray(value) for name, value in found.items()})
    return ReferenceChain(activations, upstream, values, grads)


def describe(chain: Chain) -> str:
    """'Sequential(Linear(3, 5), ReLU(), Linear(5, 3))'."""
    return "Sequential(" + ", ".join(case.id.split(" x")[0] for case in chain) + ")"


def _own_layer(case: LayerCase, api: Any, values: dict[str, np.ndarray]) -> Any:
    layer = case.build(api)
    set_parameters(layer, values)
    return layer


@contextmanager
def _layer_on_trial(case: LayerCase, method: str) -> Iterator[None]:
    """A failure of the submission's own layer, on its own, as a NotJudged naming its item."""
    try:
        yield
    except (CheckFailure, SandboxError) as error:
        owner = item_of(f"{case.layer}.{method}") or case.layer
        raise NotJudged(
            f"your {case.layer} does not match the reference on its own ({str(error)[:200]}): that costs {owner}"
        ) from error


class NotJudged(Exception):
    """One of the submission's own layers failed on its own: the chain cannot judge its Sequential."""


def own_layer_problem(chain: Chain, api: Any, answer: ReferenceChain, tol: "Tolerances") -> str | None:
    """Each of the submission's layers of chain, on its own, against the reference's (forward on its
    activation, backward on its upstream gradient): None when all match, else what went wrong."""
    try:
        for i, case in enumerate(chain):
            what = f"{describe(chain)}, layer {i} ({case.layer}) on its own"
            with _layer_on_trial(case, "__init__"):
                layer = _own_layer(case, api, answer.values[i])
            with _layer_on_trial(case, "forward"):
                expect_close(
                    layer.forward(answer.activations[i]), answer.activations[i + 1], tol.relative, what, "output"
                )
            with _layer_on_trial(case, "backward"):
                found = gradients(layer, answer.values[i], layer.backward(answer.upstream[i + 1]))
                for name, expected in [("x", answer.upstream[i]), *answer.grads[i].items()]:
                    expect_close(found[name], expected, tol.relative, what, gradient_name(name))
    except NotJudged as problem:
        return str(problem)
    return None


def judge_with_own_layers(
    chains: tuple[Chain, ...], answers: list[ReferenceChain], api: Any, tol: "Tolerances", case: str
) -> Chain:
    """Judge the submission's Sequential with the first chain whose own layers all match the
    reference on their own (judge_chain); the chain used. None can: the case is not judged (skipped)."""
    problems = []
    for chain, answer in zip(chains, answers, strict=True):
        problem = own_layer_problem(chain, api, answer, tol)
        if problem is None:
            judge_chain(chain, api, answer, tol, case)
            return chain
        problems.append(problem)
    pytest.skip(
        "not judged: your Sequential accepts only your own layers, and none of the layers it could be "
        "judged with works on its own: " + "; ".join(problems)
    )


def judge_chain(chain: Chain, api: Any, answer: ReferenceChain, tol: "Tolerances", label: str) -> None:
    """The submission's Sequential over fresh own layers of chain must give the reference chain's
    output, dX and every layer's parameter gradients (each layer's backward once, in reverse order)."""
    layers = [_own_layer(case, api, values) for case, values in zip(chain, answer.values, strict=True)]
    model, named = api.Sequential(*layers), f"model = {describe(chain)} of your own layers"
    output = model(answer.activations[0])
    expect_close(output, answer.activations[-1], tol.relative, label, f"the output of model(x), {named}")
    dX = model.backward(answer.upstream[-1])
    expect_close(dX, answer.upstream[0], tol.relative, label, f"dX from model.backward(dY), {named}")
    for i, (layer, expected) in enumerate(zip(layers, answer.grads, strict=True)):
        for name, value in expected.items():
            expect_close(
                getattr(layer, f"grad_{name}"),
                value,
                tol.relative,
                label,
                f"layer {i} ({chain[i].layer}).{gradient_name(name)} after model.backward(dY), {named}: "
                "each layer's backward once, in reverse order",
            )


def with_own_layers(
    ctx: "GradingContext",
    label: str,
    stand_ins: Callable[[], None],
    own: Callable[[], Chain],
    unseen: bool = False,
) -> None:
    """Run the case with the grader's stand-ins; when the submission refuses them (refusal(error,
    unseen)), judge it with own() (its own layers; own returns the chain it used) instead, and say so
    in the failure or in the diagnostics (ctx.diagnostics["own_layers"][label])."""
    try:
        stand_ins()
        return
    except (CheckFailure, SandboxError) as error:
        if not refusal(error, unseen):
            raise
        refused = error
    note = f"judged with your own layers, as your Sequential refused the grader's stand-in layers: {str(refused)[:240]}"
    try:
        chain = own()
    except CheckFailure as error:
        if isinstance(refused, CheckFailure) and str(error) == str(refused):
            raise refused from None  # the same failure either way: the stand-ins' message as it was
        raise CheckFailure(f"{error} ({note})", **error.details) from error
    except SubmissionRaised as error:  # in a layer that passed on its own: what the Sequential passed it
        raise CheckFailure(
            f"{label}: {error.call} raised {error.type_name}: {error.message} ({note})",
            case=label,
            kind=error.kind,
            traceback=error.traceback,
            raised_in=error.where,
        ) from error
    ctx.diagnostics.setdefault("own_layers", {})[label] = (
        f"judged with your own {names(chain)}: your Sequential accepts only your own layers "
        f"(with the grader's stand-in layers: {str(refused)[:240]})"
    )


def own_parameter_layers(api: Any, count: int) -> list[tuple[Any, Shapes]]:
    """The first count of OWN_PARAMETER_LAYERS, the submission's own layers built for real and given
    the known arrays of probing.parameter_layers (same shapes and values, zero gradients):
    [(layer, {parameter: shape or None})] as parameter_layers gives them. A layer that cannot be
    built makes the case not judged (skipped)."""
    layers = []
    for position, (case, (_, shapes)) in enumerate(zip(OWN_PARAMETER_LAYERS[:count], PARAMETER_LAYERS, strict=False)):
        values = {key: np.full(shape, float(position + 1)) for key, shape in shapes.items() if shape is not None}
        try:
            with _layer_on_trial(case, "__init__"):
                layers.append((_own_layer(case, api, values), shapes))
        except NotJudged as problem:
            pytest.skip(f"not judged: your Sequential accepts only your own layers, and {problem}")
    return layers
