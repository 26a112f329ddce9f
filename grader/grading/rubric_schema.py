"""The rubric's schema: its sections as typed msgspec Structs, each field's rule and the words that
describe it, lesson8's values for the optional sections, and `explain`, which turns msgspec's
validation errors into the rubric's own words (file, key, what was expected, what was given).
grader.grading.rubric loads a file against it."""

import re
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

import msgspec

from grader.lesson import LESSON

ITEM_IDS = LESSON.item_ids  # lesson8's items, in the rubric's order (grader/lesson.py)
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
CONSEQUENCES = ("warn", "zero", "deduct")
DOTTED = r"^[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*)*$"


def _rule(description: str, **constraints: Any) -> msgspec.Meta:
    """A field's constraints and, as its description, what an instructor must write there."""
    return msgspec.Meta(description=description, **constraints)


Share = Annotated[float, _rule("a number between 0 and 1", gt=0, lt=1)]
Seconds = Annotated[float, _rule("a positive number of seconds", gt=0)]
Count = Annotated[int, _rule("a whole number >= 1", ge=1)]
Flag = Annotated[bool, _rule("true or false")]
Text = Annotated[str, _rule("a string")]
Names = Annotated[list[Annotated[str, msgspec.Meta(pattern=DOTTED)]], _rule("a list of module names")]


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A table of the rubric. Subclasses say frozen=True again: msgspec inherits it, mypy does not."""


class Tolerances(Section, frozen=True):
    relative: Share  # max abs error / largest magnitude, against the reference
    finite_differences: Share  # directional derivatives vs the submission's own backward
    step: Annotated[float, _rule("a number between 0 and 0.005", gt=0, lt=0.005)]  # finite-difference step


class Lenet(Section, frozen=True):
    epochs: Count
    lr: Annotated[float, _rule("a positive number", gt=0)]
    batch_size: Count
    seed: Annotated[int, _rule("a whole number >= 0", ge=0)]
    threshold: Annotated[float, _rule("an accuracy between 0 and 1", ge=0, le=1)]
    attempts: Count
    checkpoint_batches: Count
    time_budget_multiple: Annotated[float, _rule("a positive number", gt=0)]
    time_budget_cap_seconds: Seconds


class Scope(Section, frozen=True):
    score_beyond_lesson: Flag


class RubricLimits(Section, frozen=True):
    call_seconds: Seconds
    total_seconds: Seconds
    memory_mb: Annotated[int, _rule("a whole number of MiB >= 256", ge=256)]
    output_kb: Annotated[int, _rule("a whole number of KiB >= 1", ge=1)]
    disk_mb: Annotated[int, _rule("a whole number of MiB >= 1", ge=1)] = 256


ShareOrOne = Annotated[float, _rule("a share of a submission's code between 0 and 1", ge=0, le=1)]
Characters = Annotated[int, _rule("a whole number of characters >= 5", ge=5)]


class Similarity(Section, frozen=True):
    flag_threshold: ShareOrOne
    report_floor: ShareOrOne
    noise_chars: Characters
    guarantee_chars: Characters
    base: Annotated[list[Annotated[str, msgspec.Meta(min_length=1)]], _rule("a list of paths (relative to the rubric)")]


class Policy(Section, frozen=True):
    consequence: Annotated[Literal["warn", "zero", "deduct"], _rule(f"one of {', '.join(CONSEQUENCES)}")]
    deduction: Annotated[float, _rule("a number of points >= 0", ge=0)]
    items: Annotated[list[str], _rule("a list of item ids (empty: every item)")]
    allowed: Annotated[
        list[Annotated[str, msgspec.Meta(pattern=DOTTED + "|^stdlib$")]],
        _rule('a list of module names ("stdlib": the standard library)'),
    ]
    banned: Annotated[dict[str, Names], _rule("a table of rule = [module or name patterns]")]


class ItemTable(Section, frozen=True):
    points: Annotated[float, _rule("a number >= 0", ge=0)]
    hint: Text
    visibility: Annotated[
        Literal["visible", "hidden", "after_due_date", "after_published"], _rule(f"one of {', '.join(VISIBILITIES)}")
    ]
    partial: Flag


# Optional sections: a rubric without them gets these (the values of rubrics/lesson8.toml).
DEFAULT_SIMILARITY = Similarity(flag_threshold=0.7, report_floor=0.4, noise_chars=30, guarantee_chars=35, base=[])
DEFAULT_POLICY = Policy(
    consequence="warn",
    deduction=10,
    items=[],
    allowed=["numpy", "stdlib", "grader"],
    banned={
        "a deep-learning framework": [
            "torch",
            "torchvision",
            "tensorflow",
            "keras",
            "jax",
            "jaxlib",
            "flax",
            "mxnet",
            "paddle",
            "theano",
            "cupy",
        ],
        "scipy's convolution and correlation": [
            "scipy.signal.convolve*",
            "scipy.signal.correlate*",
            "scipy.signal.fftconvolve",
            "scipy.signal.oaconvolve",
            "scipy.ndimage.convolve*",
            "scipy.ndimage.correlate*",
        ],
        "network access": [
            "socket",
            "ssl",
            "urllib.request",
            "http.client",
            "ftplib",
            "smtplib",
            "poplib",
            "imaplib",
            "telnetlib",
            "xmlrpc.client",
            "requests",
            "httpx",
            "urllib3",
            "aiohttp",
        ],
        "starting processes": [
            "subprocess",
            "multiprocessing",
            "concurrent.futures.process",
            "concurrent.futures.ProcessPoolExecutor",
            "pty",
            "os.system",
            "os.popen",
            "os.fork*",
            "os.exec*",
            "os.spawn*",
            "os.posix_spawn*",
        ],
    },
)


class RubricFile(Section, frozen=True):
    """The whole file, as written."""

    name: Text
    title: Text
    total: Annotated[float, _rule("a positive number", gt=0)]
    tolerances: Tolerances
    lenet: Lenet
    scope: Scope
    limits: RubricLimits
    items: Annotated[dict[str, dict[str, Any]], _rule("a table of items")]  # each an ItemTable, checked by name
    similarity: Similarity = DEFAULT_SIMILARITY
    policy: Policy = DEFAULT_POLICY


LOCATION = re.compile(r" - at `\$(?P<path>[^`]*)`$")
FIELD = re.compile(r"`(?P<field>[^`]+)`")


def explain(message: str, data: dict[str, Any], prefix: list[str] | None = None) -> str:
    """msgspec's ValidationError as the rubric's own words: 'key: expected <description>, got <value>',
    'key: missing (expected ...)' or 'key: unknown key (expected one of ...)'. prefix: the keys of
    the table data is (['items', 'api'] for an item's table)."""
    match = LOCATION.search(message)
    keys = [part for part in re.split(r"\.|\[|\]", match.group("path")) if part] if match else []
    if "..." in keys:  # msgspec does not name dict keys: report the whole table
        keys, message = keys[: keys.index("...")], ""
    while keys and keys[-1].isdigit():  # an element of a list: report the list
        keys.pop()
    text = message[: match.start()] if match and message else message
    if prefix:
        data, keys = {prefix[0]: {prefix[1]: data}}, list(prefix) + keys
    if text.startswith(("Object missing required field", "Object contains unknown field")):
        named = FIELD.search(text)
        assert named is not None, text  # msgspec names the field in backquotes in both messages
        field = named.group("field")
        owner = _struct_at(keys)
        label = ".".join([*keys, field])
        if text.startswith("Object missing"):
            if not keys:
                return f"{label}: missing table [{label}]"
            return f"{label}: missing (expected {_description(owner, field)})"
        return f"{label}: unknown key (expected one of {', '.join(sorted(_field_names(owner or RubricFile)))})"
    owner = _struct_at(keys[:-1]) if keys else None
    expected = _description(owner, keys[-1]) if owner is not None and keys else text.rstrip()
    value = _value_at(data, keys)
    got = f"got {value!r}" if not isinstance(value, dict) else "got a table with a bad entry"
    return f"{'.'.join(keys)}: expected {expected}, {got}"


def _field_names(struct: type) -> list[str]:
    return [field.name for field in msgspec.structs.fields(struct)]


def _struct_at(keys: list[str]) -> type | None:
    """The Struct type of the table at keys (items.<id> is an ItemTable), or None."""
    struct: Any = RubricFile
    for key in keys:
        if struct is RubricFile and key == "items":
            struct = "items"
        elif struct == "items":
            struct = ItemTable
        elif isinstance(struct, type) and issubclass(struct, msgspec.Struct) and key in _field_names(struct):
            hint = get_type_hints(struct, include_extras=True)[key]
            struct = get_args(hint)[0] if get_origin(hint) is Annotated else hint
        else:
            return None
    return struct if isinstance(struct, type) else None


def _description(struct: type | None, field: str) -> str:
    """The description of struct.field's Meta (or its type's name)."""
    if struct is None or field not in _field_names(struct):
        return "a valid value"
    hint = get_type_hints(struct, include_extras=True)[field]
    for meta in get_args(hint)[1:] if get_origin(hint) is Annotated else ():
        if isinstance(meta, msgspec.Meta) and meta.description:
            return meta.description
    return f"a table [{field}]" if isinstance(hint, type) and issubclass(hint, msgspec.Struct) else "a valid value"


def _value_at(data: Any, keys: list[str]) -> Any:
    for key in keys:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data
