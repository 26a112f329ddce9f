"""The public fixtures played back (grader.grading.oracle.Replay): a check's questions are answered from the
recorded events, in order, each question's arguments verified against the recorded ones."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from grader.grading.fixture_file import Event, FixtureError, _Method, _Missing, _Object, kwargs_list

INPUT_RTOL = 1e-12  # arguments are the checks' own inputs: equal up to the last bits


class Script:
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
            ("keyword arguments", kwargs_list(kwargs or {}), event["kwargs"]),
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


def _answer(value: Any, script: Script) -> Any:
    """A recorded result as the checks receive it: fresh copies of arrays, replay objects."""
    if isinstance(value, _Object):
        return _ReplayObject(value.handle, script)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_answer(v, script) for v in value)
    return value


class ReplayNamespace:
    def __init__(self, script: Script) -> None:
        self._script = script

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: _answer(self._script.next("construct", None, name, args, kwargs), self._script)


class _ReplayObject:
    _handle: int
    _script: Script

    def __init__(self, handle: int, script: Script) -> None:
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
