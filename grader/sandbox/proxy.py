"""Proxies: the submission's classes and objects as seen from the trusted side.

api.Linear(4, 3) asks the worker to construct the object and returns a RemoteObject that stands for
it; remote.forward(x) calls the method in the worker and returns its result (arrays arrive as fresh
copies); remote.weight fetches an attribute; remote.weight = w sets it; remote(x) calls __call__.
Objects stay in the worker; a RemoteObject from a worker that has been replaced is stale.
"""

from typing import TYPE_CHECKING, Any

from . import wire
from .errors import MissingName, StaleObject

if TYPE_CHECKING:
    import numpy as np

    from .runner import Sandbox


class RemoteObject:
    """An object living in the worker, referred to by its handle."""

    __slots__ = ("_generation", "_handle", "_sandbox", "_type")
    _sandbox: "Sandbox"
    _handle: int
    _type: str
    _generation: int

    def __init__(self, sandbox: "Sandbox", handle: int, type_name: str, generation: int) -> None:
        for name, value in (
            ("_sandbox", sandbox),
            ("_handle", handle),
            ("_type", type_name),
            ("_generation", generation),
        ):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """A method (known per class after its first use) or the attribute's value, fetched now."""
        if name.startswith("__"):
            raise AttributeError(name)
        methods = self._sandbox.methods
        if (self._type, name) in methods:
            return RemoteMethod(self, name)
        value = self._sandbox.request("getattr", f"{self._type}.{name}", target=self, name=name)
        if isinstance(value, dict) and set(value) == {"$method"}:
            methods.add((self._type, name))
            return RemoteMethod(self, name)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._sandbox.request("setattr", f"setting {self._type}.{name}", target=self, name=name, value=value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._sandbox.request(
            "call", f"{self._type}.__call__", target=self, method="__call__", args=args, kwargs=kwargs
        )

    def __repr__(self) -> str:
        return f"<{self._type} #{self._handle} in the sandbox>"


class RemoteMethod:
    """A bound method of a RemoteObject; calling it calls it in the worker."""

    def __init__(self, owner: RemoteObject, name: str) -> None:
        self.owner, self.name = owner, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        owner = self.owner
        return owner._sandbox.request(
            "call", f"{owner._type}.{self.name}", target=owner, method=self.name, args=args, kwargs=kwargs
        )


class RemoteClass:
    """A name the submission defines (a class or a function); calling it calls it in the worker."""

    def __init__(self, sandbox: "Sandbox", name: str) -> None:
        self.sandbox, self.name = sandbox, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.sandbox.request("call_name", f"{self.name}(...)", name=self.name, args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<{self.name} of the submission>"


class SubmissionApi:
    """The submission's required names as attributes; a missing one raises MissingName."""

    def __init__(self, sandbox: "Sandbox") -> None:
        self._sandbox = sandbox

    def __getattr__(self, name: str) -> RemoteClass:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._sandbox.load_report["found"]:
            raise MissingName(f"the submission does not define {name}", name)
        return RemoteClass(self._sandbox, name)

    def seed(self, seed: int) -> None:
        """Seed numpy's (and random's) global RNG in the worker."""
        self._sandbox.request("seed", f"seeding with {seed}", seed=int(seed))


def to_wire(value: Any, arrays: "list[np.ndarray]", generation: int) -> Any:
    """Pack request arguments; a RemoteObject becomes its handle (it must belong to this worker)."""

    def on_object(obj: Any) -> dict[str, int]:
        if isinstance(obj, RemoteObject):
            if obj._generation != generation:
                raise StaleObject(f"{obj!r} belonged to a worker that has been replaced after a failure")
            return {"$handle": obj._handle}
        raise TypeError(f"cannot send a {type(obj).__name__} to the worker")

    return wire.pack(value, arrays, on_object)


def from_wire(tree: Any, arrays: "list[np.ndarray]", sandbox: "Sandbox") -> Any:
    """Unpack a reply value; handles become RemoteObjects; arrays must be numeric or boolean."""
    for array in arrays:
        if array.dtype.kind not in "biufc" or array.dtype.fields is not None:
            raise TypeError(f"the worker sent an array of dtype {array.dtype}")

    def on_handle(tag: dict[str, Any]) -> RemoteObject:
        return RemoteObject(sandbox, int(tag["$handle"]), str(tag.get("type", "object"))[:80], sandbox.generation)

    return wire.unpack(tree, arrays, on_handle)
