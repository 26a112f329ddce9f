"""The types of a diagnosis: a misconception of the catalogue, what a check observed of the
submission on one case, what a misconception predicts there, and the diagnosis an item carries."""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypedDict

import numpy as np


@dataclass(frozen=True)
class Misconception:
    """One classic mistake of the lesson.

    id: short and stable ("loss.dlogits_not_divided_by_n"); cls: the lesson's class it lives in;
    title: the mistake in the student's terms; rule: the slide (heading quoted) or contract rule it
    breaks; relation: how its values relate to the expected ones, for the evidence line;
    kinds: the experiments (grader.misconceptions.experiments) it predicts; variant(reference)
    returns the known-bug implementation of cls, a subclass of the reference's class (or, for a
    helper such as he_normal, {class: subclass} for each class of applies_to).
    """

    id: str
    cls: str
    title: str
    rule: str
    relation: str
    kinds: tuple[str, ...]
    variant: Callable[[ModuleType], Any] = field(compare=False, repr=False)
    applies_to: tuple[str, ...] = ()  # the classes a helper's misconception shows in (default: cls)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.applies_to or (self.cls,)

    @property
    def message(self) -> str:
        return f"Likely cause: {self.title}. {self.rule}"


@dataclass
class Observation:
    """What a check did to the submission on one case, and what came back, on the trusted side.

    kind: the experiment (experiments.EXPERIMENTS) the check ran; cls: the lesson's class on
    trial; spec: the case (a LayerCase,
    LossCase or None); inputs: copies of the arrays and numbers the check passed; got: what the
    submission returned, by output name (arrays), in the order it returned them; raised: the
    exception "Type: message" the submission raised, or "".
    """

    kind: str
    cls: str
    spec: Any
    inputs: dict[str, Any]
    got: dict[str, np.ndarray] = field(default_factory=dict)
    raised: str = ""

    def spec_label(self) -> str:
        """The case's name for a sentence ("logits(5, 4) = 1 N(0,1), float64"), or "the first failing case"."""
        return str(getattr(self.spec, "id", "")) or "the first failing case"

    def record(self, name: str, value: Any) -> Any:
        """Keep a copy of value (when it is numeric) as output name; returns value unchanged."""
        if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
            array = np.array(value)
            if array.dtype.kind in "biuf":
                self.got[name] = array
        return value


@dataclass
class Prediction:
    """What a known-bug implementation returns in an experiment: its outputs (by name) until it
    raised, and "Type: message" of what it raised, or ""."""

    outputs: dict[str, np.ndarray]
    raised: str = ""


class Diagnosis(TypedDict):
    """A named misconception on a failing item (results.json's extra_data.diagnoses)."""

    id: str
    title: str
    message: str
    evidence: str
