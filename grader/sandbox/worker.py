"""The worker: the only process that runs submitted code. It serves the grader's requests.

Started by grader.sandbox.runner inside the sandbox as

    python -I -S -c "...; from _torcino_sandbox.worker import main; main()" CONFIG_JSON

with this package copied to _torcino_sandbox. Requests and replies are wire frames on two inherited
file descriptors. Objects built by submitted code stay here, in a table of handles (a request's {"$handle": id}
arrives at the operation as the object itself); arrays and plain values travel, nothing is pickled. Standard library and numpy only.

Requests ({"op": ..., ...}) and what the reply's "value" holds:
    load      root, names, definitions_only   -> the loader's report, with the imports the
                                                 submission made (import_guard.py)
    call_name name, args, kwargs, keep        -> namespace[name](*args, **kwargs), e.g. a constructor
    call      target, method, args, kwargs, keep -> getattr(target, method)(*args, **kwargs)
    getattr   target, name, keep              -> the attribute ({"$method": name} for a method)
    getitem   target, index, keep             -> target[index]
    setattr   target, name, value             -> None
    set_attributes target, values             -> None (several setattr in one request)
    keep      value                           -> a handle to value, stored here (e.g. an input array)
    fetch     target                          -> the object itself, by value
    signature target, method (or null)        -> [{"name", "kind", "default", "has_default"}] of
                                                 target (a name or an object) or of its method
    seed      seed                            -> None (seeds numpy's and random's global RNGs)
    lenet_start X_train, y_train, protocol    -> None (builds the LeNet from the submission's classes)
    lenet_step indices                        -> the loss of one SGD step on X_train[indices]
    lenet_logits X                            -> the LeNet's logits for X
    lenet_parameters                          -> the LeNet's six weights and biases (lenet.layer_parameters)
    lenet_load_parameters values              -> None (copies another worker's six into this LeNet's layers)
    probe     name, args, kwargs              -> a handle to a trusted probe object (probes.py)
    shell     name, attributes                -> a handle to an instance of the submission's class name
                                                 made without running its code (no __init__), with attributes
    lenet_layer_times X, seed, repeats        -> per-layer forward and backward times
With keep=True the result stays here and the reply holds its handle (so that later requests act on it).
No operation answers a yes/no question that decides a verdict: the checks decide on the trusted side
from values this worker returned.
A reply is {"value": ..., "output": text, "dropped": n} or {"error": {...}, "output": ..., "dropped": n}.
"""

import inspect
import json
import os
import random
import sys
import traceback
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import import_guard, wire
from .loader import load_submission
from .worker_setup import CappedStream, release, reserve_descriptors, set_limits, starved

if TYPE_CHECKING:  # in the sandbox they sit next to this file (process.WORKER_FILES); here, in grader/
    from grader.lenet import trainer as lenet
    from grader.sandbox import probes
else:
    from . import lenet, probes

MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 6000


class Kept:
    """A result to be sent back as a handle, whatever its type (even an array)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Worker:
    """The handle table and the operations on it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.namespace: dict[str, Any] = {}
        self.objects: dict[int, Any] = {}
        self.next_handle = 1
        self.trainer: lenet.Trainer | None = None  # the LeNet being trained (lenet_start)

    # values crossing the wire
    def to_wire(self, value: Any, arrays: list[np.ndarray]) -> Any:
        if isinstance(value, Kept):
            return self.register(value.value)
        return wire.pack(value, arrays, self.register)

    def register(self, obj: Any) -> dict[str, Any]:
        handle = self.next_handle
        self.next_handle += 1
        self.objects[handle] = obj
        return {"$handle": handle, "type": type(obj).__name__}

    def from_wire(self, tree: Any, arrays: list[np.ndarray]) -> Any:
        return wire.unpack(tree, arrays, lambda tag: self.object(tag["$handle"]))

    def object(self, handle: int) -> Any:
        try:
            return self.objects[handle]
        except (KeyError, TypeError):
            raise LookupError(f"no object with handle {handle!r} in this worker") from None

    # operations
    def op_load(self, root: str, names: list[str], definitions_only: bool = False) -> dict[str, Any]:
        with import_guard.watching(root) as imports:  # the submission's own imports, for the policy
            self.namespace, report = load_submission(root, names, definitions_only)
        return {**report, "imports": imports}

    def op_call_name(self, name: str, args: Sequence[Any], kwargs: dict[str, Any], keep: bool = False) -> Any:
        if name not in self.namespace:
            raise LookupError(f"{name} is not defined by the submission")
        return self.kept(self.namespace[name](*args, **kwargs), keep)

    def op_call(self, target: Any, method: str, args: Sequence[Any], kwargs: dict[str, Any], keep: bool = False) -> Any:
        return self.kept(getattr(target, method)(*args, **kwargs), keep)

    def op_getattr(self, target: Any, name: str, keep: bool = False) -> Any:
        value = getattr(target, name)
        if inspect.ismethod(value) or inspect.isbuiltin(value):
            return {"$method": name}
        return self.kept(value, keep)

    def op_getitem(self, target: Any, index: Any, keep: bool = False) -> Any:
        return self.kept(target[index], keep)

    def op_setattr(self, target: Any, name: str, value: Any) -> None:
        setattr(target, name, value)

    def op_set_attributes(self, target: Any, values: dict[str, Any]) -> None:
        for name, value in values.items():
            setattr(target, name, value)

    def op_keep(self, value: Any) -> Kept:
        return Kept(value)

    def op_fetch(self, target: Any) -> Any:
        return target

    @staticmethod
    def kept(value: Any, keep: bool) -> Any:
        return Kept(value) if keep else value

    def op_signature(self, target: Any, method: str | None = None) -> list[dict[str, Any]]:
        """Parameters of a callable: target (an object, or a name of the submission) or its method."""
        if isinstance(target, str):
            target = self.namespace[target]
        parameters = inspect.signature(target if method is None else getattr(target, method)).parameters.values()
        return [
            {
                "name": p.name,
                "kind": p.kind.name,
                "default": None if p.default is p.empty else repr(p.default)[:100],
                "has_default": p.default is not p.empty,
            }
            for p in parameters
        ]

    def op_seed(self, seed: int) -> None:
        np.random.seed(seed)
        random.seed(seed)

    def op_lenet_start(self, X_train: np.ndarray, y_train: np.ndarray, protocol: dict[str, Any]) -> None:
        """Build the lesson's LeNet from the submission's classes (lenet.Trainer); the grader then
        drives it one batch per request, so each step has the per-call time limit."""
        self.trainer = None
        self.trainer = lenet.Trainer(self.api(), X_train, y_train, lenet.Protocol(**protocol))

    def op_lenet_step(self, indices: np.ndarray) -> float:
        return self.lenet_trainer().step(indices)

    def op_lenet_logits(self, X: np.ndarray) -> np.ndarray:
        return self.lenet_trainer().logits(X)

    def op_lenet_parameters(self) -> list[np.ndarray]:
        return self.lenet_trainer().parameters()

    def op_lenet_load_parameters(self, values: list[np.ndarray]) -> None:
        """Another worker's trained parameters into this one's LeNet (an evaluator's: lenet_logits next)."""
        self.lenet_trainer().load_parameters(values)

    def lenet_trainer(self) -> lenet.Trainer:
        if self.trainer is None:
            raise RuntimeError("no LeNet was started in this worker")
        return self.trainer

    def op_shell(self, name: str, attributes: dict[str, Any]) -> Kept:
        """An instance of the submission's class name, made without running any of its code, with
        the given attributes: a layer its Sequential recognises however it looks for parameters."""
        cls = self.namespace.get(name)
        if not isinstance(cls, type):
            raise LookupError(f"{name} is not a class of the submission")
        shell: Any = object.__new__(cls)
        for key, value in attributes.items():
            object.__setattr__(shell, key, value)
        return Kept(shell)

    def op_probe(self, name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Kept:
        """A trusted probe object (probes.py), kept here: the checks hand it to the submission."""
        if name not in probes.PROBES:
            raise LookupError(f"no probe named {name!r}")
        return Kept(probes.PROBES[name](*args, **kwargs))

    def op_lenet_layer_times(self, X: np.ndarray, seed: int, repeats: int = 3) -> list[dict[str, Any]]:
        """Forward and backward time of each LeNet layer of the submission on the batch X (best of repeats)."""
        np.random.seed(seed)
        return lenet.layer_times(self.api(), X, repeats)

    def api(self) -> types.SimpleNamespace:
        return types.SimpleNamespace(**self.namespace)


CONTRACT_METHODS = ("__init__", "__call__", "forward", "backward", "parameters", "zero_grad", "step")


def raised_in(error: BaseException, root: str) -> str:
    """ "Class.method" of the innermost frame of submitted code that is a method of the lesson's API
    (forward, backward, ...), or "" when the error did not come from one: what to blame."""
    where = ""
    for frame, _ in traceback.walk_tb(error.__traceback__):
        code = frame.f_code
        if code.co_name in CONTRACT_METHODS and os.path.realpath(code.co_filename).startswith(root + os.sep):
            owner = frame.f_locals.get("self")
            if owner is not None:
                where = f"{type(owner).__name__}.{code.co_name}"
    return where


def describe_error(error: BaseException, root: str) -> dict[str, Any]:
    """The error as JSON: type, message, where it was raised and the traceback cut to the
    submission's own frames."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if os.path.realpath(frame.filename).startswith(root + os.sep)
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    message = str(error)
    return {
        "type": type(error).__name__,
        "message": message[:MAX_MESSAGE_CHARS] + ("..." if len(message) > MAX_MESSAGE_CHARS else ""),
        "traceback": "".join(lines)[-MAX_TRACEBACK_CHARS:],
        "memory": isinstance(error, MemoryError),
        "where": raised_in(error, root),
    }


READY = {"ready": True}  # the first frame a worker sends, before any request


def serve(worker: Worker, request_fd: int, reply_fd: int, output: CappedStream, reserve: list[int]) -> None:
    """Say that the worker is up (its interpreter and numpy loaded: no call's time is spent on that),
    then answer requests until the grader closes the channel. A grader's own step that fails for want
    of a resource outside the submission's code runs again with the reserve of descriptors released;
    when it fails again, its error is marked "starved"."""
    wire.write_frame(reply_fd, READY, [])
    while True:
        try:
            header, arrays = wire.read_frame(request_fd)
        except wire.ChannelClosed:
            return
        reply: dict[str, Any] = {}
        out_arrays: list[np.ndarray] = []
        try:
            op = getattr(worker, f"op_{header['op']}")
            arguments = worker.from_wire(header["arguments"], arrays)
            try:
                value = op(**arguments)
            except (MemoryError, OSError) as error:
                if header["op"] not in wire.GRADER_STEPS or not reserve or not starved(error, worker.root):
                    raise
                release(reserve)  # the submission used up the descriptors: the reserve is for this step
                value = op(**arguments)
            reply["value"] = worker.to_wire(value, out_arrays)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            reply, out_arrays = {"error": describe_error(error, worker.root)}, []
            if header.get("op") in wire.GRADER_STEPS and starved(error, worker.root):
                reply["error"]["starved"] = True
        sys.stdout.flush()
        reply["output"], reply["dropped"] = output.take()
        try:
            wire.write_frame(reply_fd, reply, out_arrays)
        except (ValueError, TypeError) as error:  # e.g. an object array cannot be sent without pickle
            failure = {
                "error": describe_error(error, worker.root),
                "output": reply["output"],
                "dropped": reply["dropped"],
            }
            wire.write_frame(reply_fd, failure)


def main() -> None:
    config = json.loads(sys.argv[1])
    set_limits(config)
    if "confine" in config:  # the landlock tier: confine.py
        from . import confine

        confine.apply(config["confine"])
    elif "seccomp" in config:  # the none tier: setsid and setpgid denied (landlock_tier.session_filter)
        from . import confine

        confine.load_seccomp(config["seccomp"])
    reserve = reserve_descriptors()
    output = CappedStream(config["output_chars"])
    sys.stdout = sys.stderr = output
    serve(Worker(os.getcwd()), config["request_fd"], config["reply_fd"], output, reserve)
