"""Misconceptions of SGD (slide "Lab time: Implement a Minimal SGD Optimizer")."""

from types import ModuleType
from typing import Any

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import variant

LAB = 'Slide "Lab time: Implement a Minimal SGD Optimizer": '
KINDS = ("sgd.step", "sgd.zero_grad")


def step(update: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def step(self: Any) -> None:
            for param, grad in self.model.parameters():
                update(self, param, grad)

        return variant(ref.SGD, step=step)

    return build


def _rebind(self: Any, param: Any, grad: Any) -> None:
    param = param - self.lr * grad


def _fixed_lr(self: Any, param: Any, grad: Any) -> None:
    param -= 0.01 * grad


def _ascent(self: Any, param: Any, grad: Any) -> None:
    param += self.lr * grad


def zero_grad_rebinds(ref: ModuleType) -> type:
    def zero_grad(self: Any) -> None:
        for _, grad in self.model.parameters():
            grad = grad * 0

    return variant(ref.SGD, zero_grad=zero_grad)


def learning_rate_keyword(ref: ModuleType) -> type:
    def __init__(self: Any, model: Any, learning_rate: float = 0.01) -> None:
        ref.SGD.__init__(self, model, learning_rate)

    return variant(ref.SGD, __init__=__init__)


def _m(id: str, title: str, rule: str, relation: str, build: Any) -> Misconception:
    return Misconception(f"sgd.{id}", "SGD", title, LAB + rule, relation, KINDS, build)


MISCONCEPTIONS = (
    _m(
        "rebinds_param",
        "step() rebinds the loop variable (param = param - lr * grad): the model's arrays never change",
        "step() must update each parameter in place: param[...] -= self.lr * grad.",
        "your parameters did not change at all",
        step(_rebind),
    ),
    _m(
        "ignores_lr",
        "step() hard-codes the learning rate 0.01 instead of using self.lr",
        "theta <- theta - lr * grad with the lr given to SGD(model, lr).",
        "your update is 0.01 * grad whatever lr is",
        step(_fixed_lr),
    ),
    _m(
        "gradient_ascent",
        "step() adds lr * grad: gradient ascent instead of descent",
        "theta <- theta - lr * grad: a step against the gradient.",
        "your update has the opposite sign",
        step(_ascent),
    ),
    _m(
        "zero_grad_rebinds",
        "zero_grad() rebinds the loop variable instead of zeroing the array in place",
        "zero_grad() must reset all gradients to zero in place: grad[...] = 0.",
        "your gradients are unchanged after zero_grad()",
        zero_grad_rebinds,
    ),
    _m(
        "learning_rate_keyword",
        "SGD's keyword is learning_rate instead of lr, so SGD(model, lr=0.1) raises TypeError",
        "class SGD: def __init__(self, model, lr=0.01).",
        "the same TypeError",
        learning_rate_keyword,
    ),
)
