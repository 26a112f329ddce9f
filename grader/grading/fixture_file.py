"""The public fixtures' file and the vocabulary of its events.

An event is one interaction of a check with the reference: {"op": "construct" | "getattr" |
"setattr" | "call", "target": handle or None, "name": str, "args": [...], "kwargs": {...},
"result": ...}; its values are plain data, arrays, _Object(handle) for reference objects,
_Method(name) for bound methods and _Missing() for an attribute that is not there.

The file is a zip of .npy members (readable with numpy.load), the events as JSON in __index__, with
fixed timestamps so that re-recording gives the same bytes. Nothing is pickled. (grader/sandbox/wire.py
is the other codec of arrays: frames on a pipe, parsed in place with size limits against a hostile
worker; this one is a whole file, read once from the grader's own package.)
"""

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.misconceptions.model import Prediction

FORMAT = 1
Event = dict[str, Any]
# test id -> [(case digest, {candidate: prediction})], one entry per case the test observed
RecordedPredictions = dict[str, list[tuple[str, dict[str, Prediction]]]]


class FixtureError(Exception):
    """The public fixtures are missing, unreadable, of another format or do not cover a check."""


@dataclass(frozen=True)
class _Object:
    """A reference object, named by its handle within one test."""

    handle: int


@dataclass(frozen=True)
class _Method:
    """getattr found a method."""

    name: str


@dataclass(frozen=True)
class _Missing:
    """getattr found no such attribute."""


def kwargs_list(kwargs: dict[str, Any]) -> list[list[Any]]:
    """Keyword arguments as sorted [name, value] pairs (JSON has no tuples or ordered keywords)."""
    return [[key, value] for key, value in sorted(kwargs.items())]


def write_fixtures(
    path: str | Path, seed: int, tests: dict[str, list[Event]], predictions: "RecordedPredictions | None" = None
) -> Path:
    """Write the fixtures: every array as a .npy member, the events as JSON in __index__, and the
    misconceptions' recorded predictions (grader.misconceptions.engine) under "predictions"."""
    arrays: dict[str, np.ndarray] = {}
    encoded = {test_id: [encode_event(event, arrays) for event in events] for test_id, events in sorted(tests.items())}
    index = {
        "format": FORMAT,
        "seed": seed,
        "tests": encoded,
        "predictions": encode_predictions(predictions or {}, arrays),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {"__index__": np.array(json.dumps(index, sort_keys=True)), **arrays}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in members.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(
                zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                buffer.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return path


@dataclass(frozen=True)
class FixtureFile:
    """A fixture file's contents: the seed it was recorded with, the encoded events of each test
    (decode_event with arrays), the arrays by member name, the misconceptions' predictions."""

    seed: int
    tests: dict[str, list[Event]]
    arrays: dict[str, np.ndarray]
    predictions: RecordedPredictions


def read_fixture_file(path: Path) -> FixtureFile:
    """The whole fixture file, read (and its arrays decompressed) once; FixtureError."""
    index, arrays = read_index(path)
    return FixtureFile(index["seed"], index["tests"], arrays, _predictions(index, arrays))


def read_predictions(path: Path) -> RecordedPredictions:
    """The misconceptions' predictions recorded in a fixture file; FixtureError."""
    return read_fixture_file(path).predictions


def _predictions(index: dict[str, Any], arrays: dict[str, np.ndarray]) -> RecordedPredictions:
    """The predictions of a read index (none in an older file), their arrays looked up in arrays."""
    return {
        test_id: [
            (
                entry["digest"],
                {
                    name: Prediction({key: arrays[member] for key, member in candidate["outputs"]}, candidate["raised"])
                    for name, candidate in entry["candidates"].items()
                },
            )
            for entry in entries
        ]
        for test_id, entries in index.get("predictions", {}).items()
    }


def encode_predictions(predictions: "RecordedPredictions", arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The predictions as JSON, their arrays added to arrays; an array several candidates predict
    alike (most agree with the reference on most outputs) is stored once."""
    encoded: dict[str, Any] = {}
    stored: dict[bytes, str] = {}
    for test_id, observed in sorted(predictions.items()):
        encoded[test_id] = [_encode_entry(digest, candidates, arrays, stored) for digest, candidates in observed]
    return encoded


def _encode_entry(
    digest: str, candidates: dict[str, Prediction], arrays: dict[str, np.ndarray], stored: dict[bytes, str]
) -> dict[str, Any]:
    """One observed case's predictions as JSON (arrays stored once, in arrays)."""
    entry: dict[str, Any] = {}
    for name, prediction in sorted(candidates.items()):
        outputs = []
        for key, value in prediction.outputs.items():
            value = np.asarray(value)
            content = f"{value.dtype.str}{value.shape}".encode() + np.ascontiguousarray(value).tobytes()
            member = stored.setdefault(content, f"a{len(arrays)}")
            arrays.setdefault(member, value)
            outputs.append([key, member])
        entry[name] = {"raised": prediction.raised, "outputs": outputs}
    return {"digest": digest, "candidates": entry}


def read_index(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(the JSON index, the arrays) of a fixture file; FixtureError."""
    try:
        with np.load(path, allow_pickle=False) as data:
            index = json.loads(str(data["__index__"]))
            arrays = {name: data[name] for name in data.files if name != "__index__"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise FixtureError(f"{path}: cannot read the public fixtures ({error}); run `make fixtures`") from None
    if index.get("format") != FORMAT:
        raise FixtureError(f"{path}: fixture format {index.get('format')}, expected {FORMAT}; run `make fixtures`")
    return index, arrays


def encode_event(event: Event, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        key: _encode(value, arrays) if key in ("args", "kwargs", "result") else value for key, value in event.items()
    }


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if isinstance(value, _Object):
        return {"object": value.handle}
    if isinstance(value, _Method):
        return {"method": value.name}
    if isinstance(value, _Missing):
        return {"missing": True}
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"array": name}
    if isinstance(value, (list, tuple)):
        return {"tuple" if isinstance(value, tuple) else "list": [_encode(v, arrays) for v in value]}
    return {"value": value}


def decode_event(event: dict[str, Any], arrays: dict[str, np.ndarray]) -> Event:
    return {
        key: _decode(value, arrays) if key in ("args", "kwargs", "result") else value for key, value in event.items()
    }


def _decode(value: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    ((kind, content),) = value.items()
    if kind == "object":
        return _Object(content)
    if kind == "method":
        return _Method(content)
    if kind == "missing":
        return _Missing()
    if kind == "array":
        return arrays[content]
    if kind in ("tuple", "list"):
        items = [_decode(v, arrays) for v in content]
        return tuple(items) if kind == "tuple" else items
    return content
