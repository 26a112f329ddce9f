"""Rubrics: which items are graded for how many points, tolerances, the LeNet protocol, the scope,
limits, similarity and the import policy.

load_rubric(name_or_path) reads rubrics/<name>.toml (or any path) with tomllib and validates it with
msgspec against the typed sections of grader.grading.rubric_schema; every problem raises a RubricError naming the file, the
key and what was expected (each field's Meta description). The [similarity] and [policy] tables
may be left out (rubrics written before them still load): they then take lesson8.toml's values; a
table that is given must give every key.
"""

import hashlib
from pathlib import Path

import msgspec

from grader.grading.rubric_schema import (
    CONSEQUENCES,
    DEFAULT_POLICY,
    DEFAULT_SIMILARITY,
    ITEM_IDS,
    VISIBILITIES,
    ItemTable,
    Lenet,
    Policy,
    RubricFile,
    RubricLimits,
    Scope,
    Similarity,
    Tolerances,
    explain,
)
from grader.lesson import LESSON, Lesson

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def _rubrics_directory() -> Path:
    """rubrics/ of the checkout, or grader/rubrics where the wheel puts it (see pyproject.toml)."""
    checkout = Path(__file__).resolve().parents[2] / "rubrics"
    if (checkout / "lesson8.toml").is_file():
        return checkout
    return Path(__file__).resolve().parents[1] / "rubrics"


RUBRICS = _rubrics_directory()
__all__ = [
    "CONSEQUENCES",
    "DEFAULT_POLICY",
    "DEFAULT_SIMILARITY",
    "ITEM_IDS",
    "RUBRICS",
    "VISIBILITIES",
    "Item",
    "Lenet",
    "Policy",
    "Rubric",
    "RubricError",
    "RubricLimits",
    "Scope",
    "Similarity",
    "Tolerances",
    "load_rubric",
    "resolve",
]


class RubricError(ValueError):
    """A rubric that cannot be used; the message names the file and the key."""


class Item(msgspec.Struct, frozen=True):
    """One graded item: its id, its position (Gradescope's number), points, hint, visibility, and
    whether it earns partial credit (the share of its cases that passed)."""

    id: str
    number: int
    points: float
    hint: str
    visibility: str
    partial: bool


class Rubric(msgspec.Struct, frozen=True):
    """A validated rubric: its sections typed, its items in ITEM_IDS order."""

    name: str
    title: str
    path: Path
    sha256: str
    total: float
    items: tuple[Item, ...]
    tolerances: Tolerances
    lenet: Lenet
    limits: RubricLimits
    scope: Scope
    similarity: Similarity = DEFAULT_SIMILARITY
    policy: Policy = DEFAULT_POLICY
    lesson: Lesson = LESSON  # what the items are of: the classes a grade loads and checks (grader/lesson.py)


def resolve(name_or_path: str | Path) -> Path:
    """A rubric name from rubrics/ (e.g. 'lesson8') or a path to a .toml file."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix == ".toml" or "/" in text:
        return candidate
    return RUBRICS / f"{text}.toml"


def load_rubric(name_or_path: str | Path = "lesson8", lesson: Lesson = LESSON) -> Rubric:
    """Read and validate a rubric of lesson's items; raises RubricError."""
    path = resolve(name_or_path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RUBRICS.glob("*.toml"))) if RUBRICS.is_dir() else "none"
        raise RubricError(f"{path}: no such rubric (names in rubrics/: {known})")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RubricError(f"{path}: not valid TOML: {error}") from None
    try:
        written = msgspec.convert(data, RubricFile)
    except msgspec.ValidationError as error:
        raise RubricError(f"{path}: {explain(str(error), data)}") from None
    return Rubric(
        name=written.name,
        title=written.title,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        total=written.total,
        items=_items(written, path, lesson.item_ids),
        tolerances=written.tolerances,
        lenet=written.lenet,
        limits=written.limits,
        scope=written.scope,
        similarity=_similarity(written.similarity, path),
        policy=_policy(written.policy, path, lesson.item_ids),
        lesson=lesson,
    )


def _items(written: RubricFile, path: Path, item_ids: tuple[str, ...]) -> tuple[Item, ...]:
    unknown = sorted(set(written.items) - set(item_ids))
    if unknown:
        raise RubricError(f"{path}: items.{unknown[0]}: unknown item (the items are {', '.join(item_ids)})")
    missing = [item_id for item_id in item_ids if item_id not in written.items]
    if missing:
        raise RubricError(
            f"{path}: items.{missing[0]}: missing (every item must be present; give it 0 points to drop it)"
        )
    tables: dict[str, ItemTable] = {}
    for item_id in item_ids:
        try:
            tables[item_id] = msgspec.convert(written.items[item_id], ItemTable)
        except msgspec.ValidationError as error:
            raise RubricError(f"{path}: {explain(str(error), written.items[item_id], ['items', item_id])}") from None
    items = tuple(
        Item(
            item_id,
            number,
            tables[item_id].points,
            tables[item_id].hint,
            tables[item_id].visibility,
            tables[item_id].partial,
        )
        for number, item_id in enumerate(item_ids, start=1)
    )
    points = sum(item.points for item in items)
    if abs(points - written.total) > 1e-9:
        raise RubricError(f"{path}: items: points add up to {points:g}, but total = {written.total:g}")
    return items


def _similarity(table: Similarity, path: Path) -> Similarity:
    """What the per-key rules cannot see: report_floor <= flag_threshold, guarantee_chars >= noise_chars;
    base paths made absolute (relative to the rubric)."""
    if table.report_floor > table.flag_threshold:
        raise RubricError(
            f"{path}: similarity.report_floor: expected at most similarity.flag_threshold "
            f"({table.flag_threshold!r}), got {table.report_floor!r}"
        )
    if table.guarantee_chars < table.noise_chars:
        raise RubricError(
            f"{path}: similarity.guarantee_chars: expected at least similarity.noise_chars "
            f"({table.noise_chars!r}), got {table.guarantee_chars!r}"
        )
    return msgspec.structs.replace(table, base=[str((path.parent / p).resolve()) for p in table.base])


def _policy(table: Policy, path: Path, item_ids: tuple[str, ...]) -> Policy:
    unknown = [item for item in table.items if item not in item_ids]
    if unknown:
        raise RubricError(f"{path}: policy.items: expected a list of item ids (empty: every item), got {unknown[0]!r}")
    return table
