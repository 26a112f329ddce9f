"""The trusted side of the sandbox: start a worker for a submission, call into it, survive it.

    with Sandbox("submission.py") as box:
        api = box.api                      # api.Conv2d, api.Linear, ... (proxies; see proxy.py)
        layer = api.Linear(4, 3)
        y = layer.forward(x)               # runs in the worker; y is a fresh array on this side
        box.mode                           # "bubblewrap", "landlock" or "none"

Submitted code only ever runs in the worker process (worker.py), started with a scrubbed
environment in a private copy of the submission, under resource limits (Limits), and inside the
best isolation tier available (isolation.py): bubblewrap, or where namespaces are forbidden, Landlock
and seccomp as an unprivileged user; either way no network, nothing of the grader, the reference or
the user's home readable, the copy as the only writable place. A worker that
times out, dies or misbehaves is killed and replaced for the next call; the failed call raises
a SandboxError (errors.py) and is kept in `incidents`.
"""

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from grader.lesson import LESSON

from . import landlock_tier, wire
from .errors import (
    BadReply,
    BudgetExceeded,
    CallTimeout,
    GraderStepFailed,
    NotRun,
    OutOfMemory,
    SandboxError,
    SubmissionRaised,
    WorkerCrashed,
)
from .isolation import IN_SANDBOX, SandboxWarning, bubblewrap_problem, choose_mode  # noqa: F401 (re-exported)
from .kept import MAX_MESSAGE_CHARS, MAX_TRACEBACK_CHARS, OutputLog, capped, load_report
from .prepare import Prepared, prepare
from .process import WorkerProcess, build_runtime
from .proxy import RemoteObject, SubmissionApi, from_wire, to_wire

REQUIRED_NAMES = LESSON.names  # the lesson's classes; the worker gets them in its load request
FAIL_FAST_OPS = ("call", "call_name")  # calls of the submission's methods and constructors, labelled "Conv2d.forward"
ErrorT = TypeVar("ErrorT", bound=SandboxError)


@dataclass(frozen=True)
class Limits:
    """Per-call and per-submission limits. sandbox: "auto" (bubblewrap, else landlock, else none),
    or a tier's name: "bubblewrap" or "landlock" (required: fail rather than fall back), "none".

    output_bytes is kept per call and kept_output_bytes per submission, both on the trusted side;
    disk_bytes bounds everything the submission writes (its copy and its /tmp), file_bytes one file;
    reply_bytes the arrays of one reply together; processes the worker's processes and threads."""

    call_seconds: float = 10.0
    total_seconds: float = 900.0
    memory_bytes: int = 2 << 30
    output_bytes: int = 64 << 10
    kept_output_bytes: int = 256 << 10
    file_bytes: int = 64 << 20
    disk_bytes: int = 256 << 20
    reply_bytes: int = 64 << 20
    processes: int = 256
    sandbox: str = "auto"


class Sandbox:
    """A submission loaded in a worker, with automatic replacement of dead workers.

    After start(): mode, prepared (prepare.Prepared), load_report ({"found", "missing", "notes"}),
    api (the submission's names as proxies), incidents (every failed call), output (what the
    submission printed, per call). Use as a context manager, or call start() and close().
    """

    def __init__(
        self,
        submission: str | Path,
        limits: Limits = Limits(),
        names: Iterable[str] = REQUIRED_NAMES,
        prepared: Prepared | None = None,
        while_starting: Callable[[], None] | None = None,
    ) -> None:
        """prepared: the submission already prepared (prepare.prepare) by the caller, who keeps it
        until close(); each worker still gets a fresh copy of it. None: start() prepares its own.
        while_starting: trusted work of the caller's, run once while the first worker starts up (its
        interpreter and numpy loading), before start() waits for the submission to be loaded."""
        self.submission, self.limits, self.names = submission, limits, tuple(names)
        self.given = prepared
        self.while_starting = while_starting
        self.worker: WorkerProcess | None = None
        self.methods: set[tuple[str, str]] = set()  # (class name, attribute) pairs known to be methods, for the proxies
        self.generation = 0
        self.definitions_only = False
        self.incidents: list[dict[str, Any]] = []
        self.log = OutputLog(limits.output_bytes, limits.kept_output_bytes)
        self.output = self.log.calls  # what the submission printed, per call, as kept here
        self.load_notes: list[dict[str, Any]] = []
        self.load_report: dict[str, Any] = {"found": {}, "missing": list(self.names), "notes": []}
        self.elapsed = 0.0
        self.tmp: Path | None = None
        self.launch: landlock_tier.Launch | None = None  # the landlock tier only
        self.failed_methods: dict[str, str] = {}  # call label -> why later calls to it are not run (fail fast)
        self.starting: Future[None] | None = None  # start_in_background()'s outcome
        self.closing = threading.Event()  # ends start_in_background()'s thread

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Prepare the submission and load it in a first worker (SubmissionError, SandboxUnavailable)."""
        self.mode = choose_mode(self.limits.sandbox)
        self.tmp = Path(tempfile.mkdtemp(prefix="torcino-sandbox-"))
        self.prepared = self.given or prepare(self.submission, self.tmp / "pristine")
        self.runtime = build_runtime(self.tmp / "runtime")
        if self.mode == "landlock":
            self.launch = landlock_tier.Launch(self.runtime)
        self.session_filter = landlock_tier.session_filter(self.runtime) if self.mode == "none" else None
        self.api = SubmissionApi(self)
        self._spawn()

    def start_in_background(self) -> None:
        """start() in a thread of its own, so that the caller's own work (the checks' collection)
        overlaps the worker's start-up; wait_started() before the first call."""
        self.starting = Future()
        threading.Thread(target=self._start_and_stay, args=(self.starting,), name="sandbox-start", daemon=True).start()

    def _start_and_stay(self, outcome: "Future[None]") -> None:
        try:
            self.start()
        except BaseException as error:  # noqa: BLE001 - handed to wait_started()'s caller
            outcome.set_exception(error)
        else:
            outcome.set_result(None)
        # the thread lives until close(): bwrap's --die-with-parent kills a worker when the thread
        # that started it ends, not its process
        self.closing.wait()

    def wait_started(self) -> None:
        """Wait for start_in_background() and raise what start() raised (nothing after start())."""
        if self.starting is not None:
            self.starting.result()

    def close(self) -> None:
        if self.starting is not None:  # never clean up under a start still running
            self.starting.exception()
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
        if self.launch is not None:
            self.launch.close()
            self.launch = None
        self.closing.set()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    # worker life cycle
    def _spawn(self) -> None:
        """A fresh worker on a fresh copy of the submission, with the submission loaded."""
        assert self.tmp is not None, "start() makes the sandbox's directory"
        self.generation += 1
        self.methods = set()
        work = self.tmp / f"work-{self.generation}"
        shutil.copytree(self.prepared.root, work, symlinks=False)
        if self.mode == "landlock":
            landlock_tier.hand_over(self.tmp, self.runtime, work)
        self.worker = WorkerProcess(self.mode, self.runtime, work, self.limits, self.launch, self.session_filter)
        if self.while_starting is not None:
            run, self.while_starting = self.while_starting, None
            run()
        root = str(IN_SANDBOX / "submission") if self.mode == "bubblewrap" else str(work)
        try:
            report = self._request(
                "load",
                "loading the submission",
                {"root": root, "names": list(self.names), "definitions_only": self.definitions_only},
            )
        except (CallTimeout, WorkerCrashed, BadReply) as error:
            if self.definitions_only:
                self.load_notes.append(
                    {
                        "kind": "load-failed",
                        "file": "",
                        "line": None,
                        "message": f"the submission could not be loaded even with definitions only: {error.detail}",
                    }
                )
                self.load_report = {"found": {}, "missing": list(self.names), "notes": self.load_notes}
                return
            self.load_notes.append(
                {
                    "kind": "definitions-only",
                    "file": "",
                    "line": None,
                    "message": f"loading ran its top-level code and failed ({error.detail}); loaded definitions only",
                }
            )
            self.definitions_only = True
            return self._spawn()
        except SubmissionRaised as error:  # the loader itself failed: report, grade nothing
            report = {
                "found": {},
                "missing": list(self.names),
                "notes": [{"kind": "load-failed", "file": "", "line": None, "message": str(error)}],
            }
        kept = load_report(report, self.names)
        self.load_report = {**kept, "notes": self.load_notes + kept["notes"]}

    def _ensure_worker(self) -> None:
        if self.worker is None:
            self._spawn()

    def _retire(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    # calls
    def _request(self, op: str, label: str, arguments: dict[str, Any], timeout: float | None = None) -> Any:
        """One request to the worker; returns the reply's value or raises a SandboxError.
        timeout: seconds for this call instead of Limits.call_seconds (still within the budget)."""
        if self.elapsed >= self.limits.total_seconds:
            error = BudgetExceeded(f"the submission used up its time budget of {self.limits.total_seconds:g} s", label)
            if not any(incident["kind"] == "budget" for incident in self.incidents):
                self._incident(error)
            raise error
        arrays: list[np.ndarray] = []
        header = {"op": op, "arguments": to_wire(arguments, arrays, self.generation)}
        seconds = min(timeout or self.limits.call_seconds, self.limits.total_seconds - self.elapsed)
        started = time.monotonic()
        worker = self.worker
        assert worker is not None, "request() and _spawn() start a worker first"
        try:
            reply, reply_arrays = worker.request(header, arrays, seconds)
        except wire.ReadTimeout:
            self._retire()
            self._fail_fast(op, label, f"timed out after {seconds:g} s")
            raise self._incident(CallTimeout(f"took longer than {seconds:g} s; stopped", label)) from None
        except wire.ChannelClosed:
            how = worker.exit_description()
            worker.drain.join(timeout=2)
            output = worker.drain.text()
            self._retire()
            self._fail_fast(op, label, f"killed its worker ({how})")
            detail = f"the worker died ({how})" + (f"; its last output: {output[-500:]}" if output.strip() else "")
            raise self._incident(WorkerCrashed(detail, label)) from None
        except wire.ProtocolError as error:
            self._retire()
            raise self._incident(BadReply(f"the worker sent an invalid reply ({error}); stopped", label)) from None
        finally:  # the worker's own start is not the submission's time
            self.elapsed += time.monotonic() - started - worker.start_seconds
            worker.start_seconds = 0.0
        return self._value(op, reply, reply_arrays, label)

    def _value(self, op: str, reply: Any, arrays: list[np.ndarray], label: str) -> Any:
        if not isinstance(reply, dict):
            raise self._incident(BadReply("the worker sent an invalid reply", label))
        self.log.keep(label, reply.get("output", ""), reply.get("dropped", 0))
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            if error.get("starved") is True and op in wire.GRADER_STEPS:
                detail = f"this step of the grader's own failed in the worker ({capped(error.get('type'), 200)}: "
                detail += (
                    f"{capped(error.get('message'), MAX_MESSAGE_CHARS)}): the submission had used up its resources"
                )
                raise self._incident(GraderStepFailed(detail, label))
            kind = OutOfMemory if error.get("memory") is True else SubmissionRaised
            raise kind(
                capped(error.get("type", "Error"), 200),
                capped(error.get("message", ""), MAX_MESSAGE_CHARS),
                capped(error.get("traceback", ""), MAX_TRACEBACK_CHARS, keep_end=True),
                label,
                capped(error.get("where", ""), 200),
            )
        try:
            return from_wire(reply.get("value"), arrays, self)
        except (wire.ProtocolError, IndexError, KeyError, TypeError, ValueError) as error:
            raise self._incident(BadReply(f"the worker sent an invalid value ({error})", label)) from None

    def _incident(self, error: ErrorT) -> ErrorT:
        self.incidents.append({"kind": error.kind, "call": error.call, "detail": error.detail})
        return error

    def _fail_fast(self, op: str, label: str, what: str) -> None:
        """Remember a method (or constructor) that timed out or killed its worker: later calls to it
        fail at once (NotRun) instead of each waiting out its own time-out."""
        if op in FAIL_FAST_OPS:
            self.failed_methods.setdefault(label, f"not run: it {what} on an earlier case")

    def request(self, op: str, label: str, timeout: float | None = None, **arguments: Any) -> Any:
        """Public entry for the proxies: fail at once for a method that already timed out or
        crashed (NotRun); else start a worker if the last one died, then send."""
        if op in FAIL_FAST_OPS and label in self.failed_methods:
            raise NotRun(self.failed_methods[label], label)
        self._ensure_worker()
        return self._request(op, label, arguments, timeout)

    # explicit operations, for checks that need objects to stay in the worker
    def keep(self, value: Any, label: str = "keeping an input") -> RemoteObject:
        """Store value (e.g. an input array) in the worker; a RemoteObject standing for it."""
        return self.request("keep", label, value=value)

    def fetch(self, remote: RemoteObject, label: str | None = None) -> Any:
        """The current value of a remote object (an array, a list of arrays, ...)."""
        return self.request("fetch", label or f"reading {remote!r}", target=remote)

    def call_kept(self, remote: RemoteObject, method: str, *args: Any, **kwargs: Any) -> RemoteObject:
        """remote.method(*args, **kwargs), its result kept in the worker (a RemoteObject)."""
        return self.request(
            "call", f"{remote._type}.{method}", target=remote, method=method, args=args, kwargs=kwargs, keep=True
        )

    def getattr_kept(self, remote: RemoteObject, name: str) -> RemoteObject:
        """remote.name, kept in the worker (a RemoteObject), e.g. a layer's weight array itself."""
        return self.request("getattr", f"{remote._type}.{name}", target=remote, name=name, keep=True)

    def set_attributes(self, remote: RemoteObject, values: dict[str, Any]) -> None:
        """Set several attributes of a remote object in one request; values: {name: value}."""
        return self.request(
            "set_attributes", f"setting {', '.join(values)} of {remote._type}", target=remote, values=values
        )

    def signature(self, remote: RemoteObject, method: str) -> list[dict[str, Any]]:
        """The parameters of remote.method (bound: without self), as the worker's inspect sees them."""
        return self.request("signature", f"signature of {remote._type}.{method}", target=remote, method=method)

    def probe(self, name: str, *args: Any, **kwargs: Any) -> RemoteObject:
        """A trusted probe object (grader/sandbox/probes.py) built in the worker: a RemoteObject."""
        return self.request("probe", f"building the probe {name}", name=name, args=args, kwargs=kwargs)

    def shell(self, name: str, **attributes: Any) -> RemoteObject:
        """An instance of the submission's class name made without running its code (no __init__),
        with these attributes: a RemoteObject."""
        return self.request(
            "shell",
            f"an empty {name} with {', '.join(attributes) or 'no attributes'}",
            name=name,
            attributes=attributes,
        )

    def getitem_kept(self, remote: RemoteObject, index: Any) -> RemoteObject:
        """remote[index], kept in the worker."""
        return self.request("getitem", f"{remote._type}[{index}]", target=remote, index=index, keep=True)
