"""Where the checks' expected values come from.

LiveReference  the reference package itself: instructor grading, any seed.
Recording      the reference, with every interaction of a check with it logged per test
               (`make fixtures` records a grading of the reference with the public seed).
Replay         that log played back without the reference: public mode (the student kit), which
               grades with the public seed only.

A check talks to its oracle as to the reference package: ref.Conv2d(...), layer.weight,
layer.weight = w, layer.forward(x), loss_fn(logits, targets). A recording logs each of these as an
event (what was asked, with which arguments, and what came back); a replay expects the same events
in the same order, verifies their arguments and answers with the recorded result. The checks draw
their inputs from the run's seed, so with the public seed they ask exactly what was recorded.

The fixture file and the events' vocabulary are grader.fixture_file's.
"""

import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.fixture_file import (
    Event,
    FixtureError,
    _Method,
    _Missing,
    _Object,
    decode_event,
    read_fixtures,
    write_fixtures,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "public.npz"
PUBLIC_SEED = 8
INPUT_RTOL = 1e-12  # arguments are the checks' own inputs: equal up to the last bits


REFERENCE_MARKER = "TORCINO_REFERENCE"  # a data file that only this project's reference package ships


def reference_available() -> bool:
    """Whether this project's reference package is installed (not in the student kit): a package
    named `reference` holding the REFERENCE_MARKER file, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("reference")
    except (ImportError, ValueError):
        return False
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return any((Path(location) / REFERENCE_MARKER).is_file() for location in locations)


class LiveReference:
    """The reference package, answering every test."""

    mode = "instructor"
    seed: int | None = None  # any seed

    def __init__(self, module: ModuleType | None = None) -> None:
        if module is None:
            import reference

            module = reference
        self.reference = module

    def session(self, test_id: str) -> ModuleType:
        return self.reference


class Recording:
    """The reference, logging every test's interactions with it; save() writes the fixture file."""

    mode = "instructor"

    def __init__(self, seed: int = PUBLIC_SEED, module: ModuleType | None = None) -> None:
        if module is None:
            import reference

            module = reference
        self.reference, self.seed = module, seed
        self.tests: dict[str, list[Event]] = {}

    def session(self, test_id: str) -> "_RecordingNamespace":
        # The reference draws initial weights from numpy's global generator (the checks read them
        # only for their shapes): seeded per test, every recording logs the same values.
        np.random.seed(zlib.crc32(test_id.encode()))
        log = _Log(self.tests.setdefault(test_id, []))
        return _RecordingNamespace(self.reference, log)

    def save(self, path: str | Path = FIXTURES) -> Path:
        """Write the fixture file (grader.fixture_file)."""
        return write_fixtures(path, self.seed, self.tests)


class Replay:
    """The recorded events played back: each test's session answers what the recording answered."""

    mode = "public"
    reference = None  # no reference to time the LeNet's layers against

    def __init__(self, path: str | Path = FIXTURES) -> None:
        self.path = Path(path)
        self.seed, self.tests, self.arrays = read_fixtures(self.path)

    def events(self, test_id: str) -> list[Event]:
        """The recorded events of one test, decoded (arrays, handles, methods)."""
        if test_id not in self.tests:
            raise FixtureError(f"no public fixtures for {test_id} in {self.path}; run `make fixtures`")
        return [decode_event(event, self.arrays) for event in self.tests[test_id]]

    def session(self, test_id: str) -> "_ReplayNamespace":
        return _ReplayNamespace(_Script(test_id, self.events(test_id)))


Oracle = LiveReference | Recording | Replay


def default_oracle(mode: str) -> Oracle:
    """The oracle of a grading mode: 'instructor' (the reference) or 'public' (the fixtures)."""
    if mode == "public":
        return Replay()
    if mode == "instructor":
        return LiveReference()
    raise ValueError(f"unknown grading mode {mode!r}: expected 'instructor' or 'public'")


class _Log:
    """One test's events, and the handles given to the objects it constructed (0, 1, ...)."""

    def __init__(self, events: list[Event]) -> None:
        self.events, self.handles = events, 0

    def new_handle(self) -> int:
        self.handles += 1
        return self.handles - 1


def _snapshot(value: Any) -> Any:
    """A copy of value to log (arrays copied: the reference mutates its gradients in place), with
    recorded objects replaced by their _Object handles."""
    if isinstance(value, _RecordingObject):
        return _Object(value._handle)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value, copy=True)
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"the oracle cannot record a {type(value).__name__}")


def _real(value: Any) -> Any:
    if isinstance(value, _RecordingObject):
        return value._real
    if isinstance(value, (list, tuple)):
        return type(value)(_real(v) for v in value)
    return value


class _RecordingNamespace:
    """The reference module as a check sees it while recording: its classes construct recorded objects."""

    def __init__(self, module: ModuleType, log: _Log) -> None:
        self._module, self._log = module, log

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._module, name)
        if not isinstance(target, type):
            return target

        def construct(*args: Any, **kwargs: Any) -> _RecordingObject:
            real = target(*_real(args), **_real(kwargs))
            handle = self._log.new_handle()
            self._log.events.append(
                {
                    "op": "construct",
                    "target": None,
                    "name": name,
                    "args": _snapshot(list(args)),
                    "kwargs": _snapshot(_kwargs_list(kwargs)),
                    "result": _Object(handle),
                }
            )
            return _RecordingObject(real, handle, self._log)

        return construct


def _kwargs_list(kwargs: dict[str, Any]) -> list[list[Any]]:
    """Keyword arguments as sorted [name, value] pairs (JSON has no tuples or ordered keywords)."""
    return [[key, value] for key, value in sorted(kwargs.items())]


class _RecordingObject:
    _real: Any
    _handle: int
    _log: _Log

    def __init__(self, real: Any, handle: int, log: _Log) -> None:
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_log", log)

    def _record(
        self, op: str, name: str, result: Any, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
    ) -> None:
        self._log.events.append(
            {
                "op": op,
                "target": self._handle,
                "name": name,
                "args": _snapshot(list(args)),
                "kwargs": _snapshot(_kwargs_list(kwargs or {})),
                "result": result,
            }
        )

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._real, name)
        except AttributeError:
            self._record("getattr", name, _Missing())
            raise
        if callable(value) and not isinstance(value, np.ndarray):
            self._record("getattr", name, _Method(name))
            return lambda *args, **kwargs: self._call(name, value, args, kwargs)
        self._record("getattr", name, _snapshot(value))
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._record("setattr", name, None, [value])
        setattr(self._real, name, _real(value))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("__call__", self._real, args, kwargs)

    def _call(self, name: str, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = function(*_real(args), **_real(kwargs))
        self._record("call", name, _snapshot(result), args, kwargs)
        return result


class _Script:
    """One test's recorded events, consumed in order."""

    def __init__(self, test_id: str, events: list[Event]) -> None:
        self.test_id, self.events, self.position = test_id, events, 0

    def next(
        self, op: str, target: int | None, name: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        """The next event, which must be this op on this target with these arguments; its result."""
        described = f"{op} {name}" + ("" if target is None else f" of object {target}")
        if self.position >= len(self.events):
            raise FixtureError(f"{self.test_id}: the public fixtures end before {described}; run `make fixtures`")
        event = self.events[self.position]
        self.position += 1
        expected = (event["op"], event["target"], event["name"])
        if expected != (op, target, name):
            raise FixtureError(
                f"{self.test_id}: event {self.position}: the checks asked for {described}, the fixtures "
                f"recorded {event['op']} {event['name']}; run `make fixtures`"
            )
        for what, got, recorded in (
            ("arguments", list(args), event["args"]),
            ("keyword arguments", _kwargs_list(kwargs or {}), event["kwargs"]),
        ):
            if not _same(got, recorded):
                raise FixtureError(
                    f"{self.test_id}: event {self.position} ({described}): the {what} differ from the "
                    "recorded ones; run `make fixtures` (or numpy's random streams changed)"
                )
        return event["result"]


def _same(got: Any, recorded: Any) -> bool:
    if isinstance(recorded, _Object):
        return isinstance(got, _ReplayObject) and got._handle == recorded.handle
    if isinstance(recorded, np.ndarray):
        return (
            isinstance(got, (np.ndarray, np.generic))
            and np.shape(got) == recorded.shape
            and np.allclose(got, recorded, rtol=INPUT_RTOL, atol=0.0)
        )
    if isinstance(recorded, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(recorded) and all(map(_same, got, recorded))
    if isinstance(got, (np.ndarray, np.generic)):
        return False
    return got == recorded and type(got) is type(recorded)


def _answer(value: Any, script: _Script) -> Any:
    """A recorded result as the checks receive it: fresh copies of arrays, replay objects."""
    if isinstance(value, _Object):
        return _ReplayObject(value.handle, script)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_answer(v, script) for v in value)
    return value


class _ReplayNamespace:
    def __init__(self, script: _Script) -> None:
        self._script = script

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: _answer(self._script.next("construct", None, name, args, kwargs), self._script)


class _ReplayObject:
    _handle: int
    _script: _Script

    def __init__(self, handle: int, script: _Script) -> None:
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_script", script)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        result = self._script.next("getattr", self._handle, name)
        if isinstance(result, _Missing):
            raise AttributeError(name)
        if isinstance(result, _Method):
            return lambda *args, **kwargs: self._call(name, args, kwargs)
        return _answer(result, self._script)

    def __setattr__(self, name: str, value: Any) -> None:
        self._script.next("setattr", self._handle, name, [value])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("__call__", args, kwargs)

    def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return _answer(self._script.next("call", self._handle, name, args, kwargs), self._script)
