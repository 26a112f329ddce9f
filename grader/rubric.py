"""Rubrics: which items are graded for how many points, tolerances, the LeNet protocol and limits.

load_rubric(name_or_path) reads rubrics/<name>.toml (or any path) with tomllib and validates it
against the schema below; every problem raises a RubricError naming the file, the key and what
was expected. The [similarity] and [policy] tables may be left out (rubrics written before them
still load): they then take DEFAULT_SIMILARITY and DEFAULT_POLICY, the values of lesson8.toml; a
table that is given must give every key.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

def _rubrics_directory():
    """rubrics/ of the checkout, or grader/rubrics where the wheel puts it (see pyproject.toml)."""
    checkout = Path(__file__).resolve().parent.parent / "rubrics"
    if (checkout / "lesson8.toml").is_file():
        return checkout
    return Path(__file__).resolve().parent / "rubrics"


RUBRICS = _rubrics_directory()
ITEM_IDS = ("api", "init", "conv2d.forward", "conv2d.backward", "maxpool2d.forward", "maxpool2d.backward",
            "linear.forward", "linear.backward", "relu", "flatten", "sequential", "loss", "sgd", "cache",
            "accumulation", "lenet")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
NUMBER = (int, float)

# section -> {key: (types, check or None, what is expected)}
SCHEMA = {
    "tolerances": {
        "relative": (NUMBER, lambda v: 0 < v < 1, "a number between 0 and 1"),
        "finite_differences": (NUMBER, lambda v: 0 < v < 1, "a number between 0 and 1"),
        "step": (NUMBER, lambda v: 0 < v < 0.005, "a number between 0 and 0.005"),
    },
    "lenet": {
        "epochs": (int, lambda v: v >= 1, "a whole number >= 1"),
        "lr": (NUMBER, lambda v: v > 0, "a positive number"),
        "batch_size": (int, lambda v: v >= 1, "a whole number >= 1"),
        "seed": (int, lambda v: v >= 0, "a whole number >= 0"),
        "threshold": (NUMBER, lambda v: 0 <= v <= 1, "an accuracy between 0 and 1"),
        "attempts": (int, lambda v: v >= 1, "a whole number >= 1"),
        "checkpoint_batches": (int, lambda v: v >= 1, "a whole number >= 1"),
        "time_budget_multiple": (NUMBER, lambda v: v > 0, "a positive number"),
        "time_budget_cap_seconds": (NUMBER, lambda v: v > 0, "a positive number of seconds"),
    },
    "scope": {
        "score_beyond_lesson": (bool, None, "true or false"),
    },
    "limits": {
        "call_seconds": (NUMBER, lambda v: v > 0, "a positive number of seconds"),
        "total_seconds": (NUMBER, lambda v: v > 0, "a positive number of seconds"),
        "memory_mb": (int, lambda v: v >= 256, "a whole number of MiB >= 256"),
        "output_kb": (int, lambda v: v >= 1, "a whole number of KiB >= 1"),
    },
}
DOTTED = re.compile(r"^[A-Za-z_*][\w*]*(\.[A-Za-z_*][\w*]*)*$")
CONSEQUENCES = ("warn", "zero", "deduct")
# Optional sections: a rubric without them gets these (the values of rubrics/lesson8.toml).
DEFAULT_SIMILARITY = {"flag_threshold": 0.7, "report_floor": 0.4, "noise_chars": 30, "guarantee_chars": 35,
                      "base": []}
DEFAULT_POLICY = {
    "consequence": "warn", "deduction": 10, "items": [], "allowed": ["numpy", "stdlib", "grader"],
    "banned": {
        "a deep-learning framework": ["torch", "torchvision", "tensorflow", "keras", "jax", "jaxlib", "flax",
                                      "mxnet", "paddle", "theano", "cupy"],
        "scipy's convolution and correlation": ["scipy.signal.convolve*", "scipy.signal.correlate*",
                                                "scipy.signal.fftconvolve", "scipy.signal.oaconvolve",
                                                "scipy.ndimage.convolve*", "scipy.ndimage.correlate*"],
        "network access": ["socket", "ssl", "urllib.request", "http.client", "ftplib", "smtplib", "poplib",
                           "imaplib", "telnetlib", "xmlrpc.client", "requests", "httpx", "urllib3", "aiohttp"],
        "starting processes": ["subprocess", "multiprocessing", "concurrent.futures.process",
                               "concurrent.futures.ProcessPoolExecutor", "pty", "os.system", "os.popen", "os.fork*",
                               "os.exec*", "os.spawn*", "os.posix_spawn*"],
    },
}


def _names(value, keyword=None):
    return isinstance(value, list) and all(isinstance(v, str) and (DOTTED.match(v) or v == keyword) for v in value)


OPTIONAL = {
    "similarity": (DEFAULT_SIMILARITY, {
        "flag_threshold": (NUMBER, lambda v: 0 < v <= 1, "a share of a submission's code between 0 and 1"),
        "report_floor": (NUMBER, lambda v: 0 <= v <= 1, "a share of a submission's code between 0 and 1"),
        "noise_chars": (int, lambda v: v >= 5, "a whole number of characters >= 5"),
        "guarantee_chars": (int, lambda v: v >= 5, "a whole number of characters >= 5 (and >= noise_chars)"),
        "base": (list, lambda v: all(isinstance(p, str) and p for p in v), "a list of paths (relative to the rubric)"),
    }),
    "policy": (DEFAULT_POLICY, {
        "consequence": (str, lambda v: v in CONSEQUENCES, f"one of {', '.join(CONSEQUENCES)}"),
        "deduction": (NUMBER, lambda v: v >= 0, "a number of points >= 0"),
        "items": (list, lambda v: all(i in ITEM_IDS for i in v), "a list of item ids (empty: every item)"),
        "allowed": (list, lambda v: _names(v, "stdlib"), "a list of module names (\"stdlib\": the standard library)"),
        "banned": (dict, lambda v: all(_names(names) for names in v.values()),
                   "a table of rule = [module or name patterns]"),
    }),
}
ITEM_SCHEMA = {
    "points": (NUMBER, lambda v: v >= 0, "a number >= 0"),
    "hint": (str, None, "a string"),
    "visibility": (str, lambda v: v in VISIBILITIES, f"one of {', '.join(VISIBILITIES)}"),
    "partial": (bool, None, "true or false"),
}


class RubricError(ValueError):
    """A rubric that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Item:
    id: str
    number: int
    points: float
    hint: str
    visibility: str
    partial: bool


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    path: Path
    sha256: str
    total: float
    items: tuple          # of Item, in ITEM_IDS order
    tolerances: dict
    lenet: dict
    limits: dict
    scope: dict
    similarity: dict = field(default_factory=lambda: dict(DEFAULT_SIMILARITY))
    policy: dict = field(default_factory=lambda: dict(DEFAULT_POLICY))


def resolve(name_or_path):
    """A rubric name from rubrics/ (e.g. 'lesson8') or a path to a .toml file."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix == ".toml" or "/" in text:
        return candidate
    return RUBRICS / f"{text}.toml"


def load_rubric(name_or_path="lesson8"):
    """Read and validate a rubric; raises RubricError."""
    path = resolve(name_or_path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RUBRICS.glob("*.toml"))) if RUBRICS.is_dir() else "none"
        raise RubricError(f"{path}: no such rubric (names in rubrics/: {known})")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RubricError(f"{path}: not valid TOML: {error}") from None
    where = lambda key: f"{path}: {key}"  # noqa: E731
    _check_keys(data, {"name", "title", "total", "items", *SCHEMA, *OPTIONAL}, "", where)
    for key in ("name", "title"):
        _check_value(data, key, (str, None, "a string"), key, where)
    _check_value(data, "total", (NUMBER, lambda v: v > 0, "a positive number"), "total", where)
    sections = {}
    for section, schema in SCHEMA.items():
        table = _table(data, section, where)
        _check_keys(table, set(schema), f"{section}.", where)
        for key, rule in schema.items():
            _check_value(table, key, rule, f"{section}.{key}", where)
        sections[section] = dict(table)
    for section, (default, schema) in OPTIONAL.items():
        table = _table(data, section, where) if section in data else default
        _check_keys(table, set(schema), f"{section}.", where)
        for key, rule in schema.items():
            _check_value(table, key, rule, f"{section}.{key}", where)
        sections[section] = dict(table)
    _check_optional(sections, path, where)
    items_table = _table(data, "items", where)
    unknown = sorted(set(items_table) - set(ITEM_IDS))
    if unknown:
        raise RubricError(f"{where('items.' + unknown[0])}: unknown item (the items are {', '.join(ITEM_IDS)})")
    items = []
    for number, item_id in enumerate(ITEM_IDS, start=1):
        if item_id not in items_table:
            raise RubricError(f"{where('items.' + item_id)}: missing (every item must be present; give it 0 points to drop it)")
        table = _table(items_table, item_id, lambda key: where(f"items.{key}"))
        _check_keys(table, set(ITEM_SCHEMA), f"items.{item_id}.", where)
        for key, rule in ITEM_SCHEMA.items():
            _check_value(table, key, rule, f"items.{item_id}.{key}", where)
        items.append(Item(item_id, number, float(table["points"]), table["hint"], table["visibility"], table["partial"]))
    points = sum(item.points for item in items)
    if abs(points - data["total"]) > 1e-9:
        raise RubricError(f"{where('items')}: points add up to {points:g}, but total = {data['total']:g}")
    return Rubric(name=data["name"], title=data["title"], path=path, sha256=hashlib.sha256(raw).hexdigest(),
                  total=float(data["total"]), items=tuple(items), **sections)


def _check_optional(sections, path, where):
    """What the per-key rules cannot see: report_floor <= flag_threshold, guarantee_chars >= noise_chars, base paths made absolute."""
    similarity = sections["similarity"]
    if similarity["report_floor"] > similarity["flag_threshold"]:
        raise RubricError(f"{where('similarity.report_floor')}: expected at most similarity.flag_threshold "
                          f"({similarity['flag_threshold']!r}), got {similarity['report_floor']!r}")
    if similarity["guarantee_chars"] < similarity["noise_chars"]:
        raise RubricError(f"{where('similarity.guarantee_chars')}: expected at least similarity.noise_chars "
                          f"({similarity['noise_chars']!r}), got {similarity['guarantee_chars']!r}")
    similarity["base"] = [str((path.parent / p).resolve()) for p in similarity["base"]]


def _table(data, key, where):
    if key not in data:
        raise RubricError(f"{where(key)}: missing table [{key}]")
    if not isinstance(data[key], dict):
        raise RubricError(f"{where(key)}: expected a table, got {type(data[key]).__name__}")
    return data[key]


def _check_keys(table, allowed, prefix, where):
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RubricError(f"{where(prefix + unknown[0])}: unknown key (expected one of {', '.join(sorted(allowed))})")


def _check_value(table, key, rule, label, where):
    types, check, expected = rule
    if key not in table:
        raise RubricError(f"{where(label)}: missing (expected {expected})")
    value = table[key]
    wrong_type = not isinstance(value, types) or (isinstance(value, bool) and types is not bool)
    if wrong_type or (check is not None and not check(value)):
        raise RubricError(f"{where(label)}: expected {expected}, got {value!r}")
