"""Misconceptions of the initialisation (He normal, from an earlier lesson; the Linear slide's
"weight (out_features, in_features) with He init"). Initial weights are random: the engine compares
them by their mean and standard deviation (engine.statistics_distance), not value by value."""

from types import ModuleType
from typing import Any

import numpy as np

from grader.misconceptions.model import Misconception
from grader.misconceptions.variants import module_of, swap, variant

RULE = "He initialisation (earlier lesson): weights ~ N(0, 2 / fan_in), biases zero; "
KINDS = ("init",)


def with_he_normal(classes: tuple[str, ...], draw: Any) -> Any:
    """Variants of classes whose constructors use draw(shape, fan_in) as he_normal."""

    def build(ref: ModuleType) -> dict[str, type]:
        def init_of(cls: str) -> Any:
            def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
                with swap(module_of(ref, cls), "he_normal", draw):
                    getattr(ref, cls).__init__(self, *args, **kwargs)

            return __init__

        return {cls: variant(getattr(ref, cls), __init__=init_of(cls)) for cls in classes}

    return build


def with_init(cls: str, change: Any) -> Any:
    def build(ref: ModuleType) -> type:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            change(self, getattr(ref, cls).__init__, args, kwargs, module_of(ref, cls))

        return variant(getattr(ref, cls), __init__=__init__)

    return build


def _conv_channels_only(layer: Any, init: Any, args: Any, kwargs: Any, module: ModuleType) -> None:
    he = module.he_normal
    in_channels = args[0]
    with swap(module, "he_normal", lambda shape, fan_in: he(shape, fan_in=in_channels)):
        init(layer, *args, **kwargs)


def _linear_fan_out(layer: Any, init: Any, args: Any, kwargs: Any, module: ModuleType) -> None:
    he = module.he_normal
    out_features = args[1]
    with swap(module, "he_normal", lambda shape, fan_in: he(shape, fan_in=out_features)):
        init(layer, *args, **kwargs)


def _bias_ones(layer: Any, init: Any, args: Any, kwargs: Any, module: ModuleType) -> None:
    init(layer, *args, **kwargs)
    if layer.bias is not None:
        layer.bias = np.ones_like(layer.bias)


def _std(scale: float) -> Any:
    return lambda shape, fan_in: (np.random.randn(*shape) * np.sqrt(scale / fan_in)).astype(np.float32)


def _uniform(shape: Any, fan_in: int) -> np.ndarray:
    return (np.random.rand(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


LAYERS = ("Conv2d", "Linear")
MISCONCEPTIONS = (
    Misconception(
        "he_normal.lecun_std",
        "he_normal",
        "He initialisation uses the std sqrt(1/fan_in) (LeCun's) instead of sqrt(2/fan_in)",
        RULE + "std = sqrt(2 / fan_in): the 2 makes up for ReLU zeroing half of the signal.",
        "your weights' standard deviation is sqrt(1 / fan_in)",
        KINDS,
        with_he_normal(LAYERS, _std(1.0)),
        LAYERS,
    ),
    Misconception(
        "he_normal.uniform",
        "he_normal",
        "he_normal draws with np.random.rand (uniform on [0, 1)) instead of np.random.randn",
        RULE + "np.random.randn(*shape) * std: normal, centred on 0.",
        "your weights are all positive, with the mean and spread of rand() * sqrt(2 / fan_in)",
        KINDS,
        with_he_normal(LAYERS, _uniform),
        LAYERS,
    ),
    Misconception(
        "conv2d.fan_in_channels_only",
        "Conv2d",
        "Conv2d's fan_in counts the input channels only, not in_channels * kH * kW",
        RULE + "for Conv2d, fan_in = in_channels * kH * kW (every input a kernel sees).",
        "your weights' standard deviation is sqrt(2 / in_channels)",
        KINDS,
        with_init("Conv2d", _conv_channels_only),
    ),
    Misconception(
        "linear.fan_out",
        "Linear",
        "Linear's He init uses fan_out (out_features) instead of fan_in (in_features)",
        RULE + "for Linear, fan_in = in_features.",
        "your weights' standard deviation is sqrt(2 / out_features)",
        KINDS,
        with_init("Linear", _linear_fan_out),
    ),
    Misconception(
        "linear.bias_init_ones",
        "Linear",
        "Linear's bias starts at one instead of zero",
        'Slide "Class Linear: Function Signatures": self.bias = np.zeros(out_features).',
        "your biases are all 1",
        KINDS,
        with_init("Linear", _bias_ones),
    ),
)
