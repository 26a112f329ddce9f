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

The fixture file and the events' vocabulary are grader.grading.fixture_file's.
"""

import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.grading.fixture_file import (
    Event,
    FixtureError,
    RecordedPredictions,
    _Method,
    _Missing,
    _Object,
    decode_event,
    kwargs_list,
    read_fixture_file,
    write_fixtures,
)
from grader.grading.oracle_replay import ReplayNamespace, Script

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "public.npz"
PUBLIC_SEED = 8


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
        self.predictions: RecordedPredictions = {}  # the misconceptions' predictions (grader.misconceptions)

    def session(self, test_id: str) -> "_RecordingNamespace":
        # The reference draws initial weights from numpy's global generator (the checks read them
        # only for their shapes): seeded per test, every recording logs the same values.
        np.random.seed(zlib.crc32(test_id.encode()))
        log = _Log(self.tests.setdefault(test_id, []))
        return _RecordingNamespace(self.reference, log)

    def save(self, path: str | Path = FIXTURES) -> Path:
        """Write the fixture file (grader.grading.fixture_file)."""
        return write_fixtures(path, self.seed, self.tests, self.predictions)


class Replay:
    """The recorded events played back: each test's session answers what the recording answered."""

    mode = "public"
    reference = None  # no reference to time the LeNet's layers against

    def __init__(self, path: str | Path = FIXTURES) -> None:
        self.path = Path(path)
        recorded = read_fixture_file(self.path)
        self.seed, self.tests, self.arrays = recorded.seed, recorded.tests, recorded.arrays
        self.predictions: RecordedPredictions = recorded.predictions

    def events(self, test_id: str) -> list[Event]:
        """The recorded events of one test, decoded (arrays, handles, methods)."""
        if test_id not in self.tests:
            raise FixtureError(f"no public fixtures for {test_id} in {self.path}; run `make fixtures`")
        return [decode_event(event, self.arrays) for event in self.tests[test_id]]

    def session(self, test_id: str) -> ReplayNamespace:
        return ReplayNamespace(Script(test_id, self.events(test_id)))


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
                    "kwargs": _snapshot(kwargs_list(kwargs)),
                    "result": _Object(handle),
                }
            )
            return _RecordingObject(real, handle, self._log)

        return construct


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
                "kwargs": _snapshot(kwargs_list(kwargs or {})),
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
