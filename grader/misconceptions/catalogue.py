"""The catalogue: every misconception, by the lesson's class and by id."""

from collections.abc import Mapping
from types import MappingProxyType

from grader.misconceptions import activations, conv2d, init, linear, loss, maxpool2d, sequential, sgd
from grader.misconceptions.model import Misconception

ALL: tuple[Misconception, ...] = (
    conv2d.MISCONCEPTIONS
    + maxpool2d.MISCONCEPTIONS
    + linear.MISCONCEPTIONS
    + activations.MISCONCEPTIONS
    + loss.MISCONCEPTIONS
    + sequential.MISCONCEPTIONS
    + sgd.MISCONCEPTIONS
    + init.MISCONCEPTIONS
)
CLASSES = tuple(dict.fromkeys(m.cls for m in ALL))  # the lesson's classes (and helpers) with misconceptions, in order

CATALOGUE: Mapping[str, tuple[Misconception, ...]] = MappingProxyType(
    {cls: tuple(m for m in ALL if m.cls == cls) for cls in CLASSES}
)
BY_ID: Mapping[str, Misconception] = MappingProxyType({m.id: m for m in ALL})
assert len(BY_ID) == len(ALL), "misconception ids must be unique"


def candidates(cls: str, kind: str) -> tuple[Misconception, ...]:
    """The misconceptions that show in class cls (its own, and its helpers') and predict experiment kind."""
    return tuple(m for m in ALL if cls in m.classes and kind in m.kinds)


def markdown() -> str:
    """The catalogue as the README's "Diagnoses" list (one line per misconception, by class)."""
    lines = []
    for cls, entries in CATALOGUE.items():
        lines.append(f"- **{cls}**")
        lines.extend(f"  - `{m.id}`: {m.title}" for m in entries)
    return "\n".join(lines)
