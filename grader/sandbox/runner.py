"""The trusted side of the sandbox: start a worker for a submission, call into it, survive it.

    with Sandbox("submission.py") as box:
        api = box.api                      # api.Conv2d, api.Linear, ... (proxies; see proxy.py)
        layer = api.Linear(4, 3)
        y = layer.forward(x)               # runs in the worker; y is a fresh array on this side
        box.mode                           # "bubblewrap" or "none"

Submitted code only ever runs in the worker process (worker.py), started with a scrubbed
environment in a private copy of the submission, under resource limits (Limits), and inside
bubblewrap when it is available: no network, read-only system paths, nothing of the grader,
the reference or the user's home visible, the copy as the only writable place. A worker that
times out, dies or misbehaves is killed and replaced for the next call; the failed call raises
a SandboxError (errors.py) and is kept in `incidents`.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import wire
from . import landlock_tier
from .errors import BadReply, BudgetExceeded, CallTimeout, NotRun, OutOfMemory, SubmissionRaised, WorkerCrashed
from .isolation import IN_SANDBOX, SandboxWarning, bubblewrap_command, bubblewrap_problem, choose_mode  # noqa: F401
from .prepare import prepare
from .proxy import SubmissionApi, from_wire, to_wire

REQUIRED_NAMES = ("Conv2d", "MaxPool2d", "Linear", "ReLU", "Flatten", "Sequential", "SoftmaxCrossEntropyLoss", "SGD")
GRADER = Path(__file__).resolve().parent.parent
WORKER_FILES = {name: Path(__file__).with_name(name)
                for name in ("__init__.py", "wire.py", "loader.py", "worker.py", "confine.py")}
WORKER_FILES["lenet.py"] = GRADER / "lenet.py"  # the training loop, run next to the submission's classes
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
SECCOMP_FILE = "seccomp.bpf"


@dataclass(frozen=True)
class Limits:
    """Per-call and per-submission limits. sandbox: "auto" (bubblewrap if it works, else none),
    "bubblewrap" (required: fail rather than fall back) or "none"."""

    call_seconds: float = 10.0
    total_seconds: float = 900.0
    memory_bytes: int = 2 << 30
    output_bytes: int = 64 << 10
    file_bytes: int = 64 << 20
    sandbox: str = "auto"


def numpy_paths():
    """The installed numpy package and its bundled libraries (numpy.libs), as (name, path) pairs."""
    package = Path(np.__file__).resolve().parent
    libs = package.parent / "numpy.libs"
    return [("numpy", package)] + ([("numpy.libs", libs)] if libs.is_dir() else [])


def build_runtime(directory):
    """The worker's code (this package's worker files) in directory/_torcino_sandbox, and
    directory/site with links to numpy for the unsandboxed mode."""
    package = Path(directory) / "_torcino_sandbox"
    package.mkdir(parents=True)
    for name, source in WORKER_FILES.items():
        shutil.copyfile(source, package / name)
    site = Path(directory) / "site"
    site.mkdir()
    for name, path in numpy_paths():
        (site / name).symlink_to(path)
    return Path(directory)


def worker_environment(home, tmpdir="/tmp"):
    """A scrubbed environment: no variables of the grader's, single-threaded BLAS."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONHASHSEED": "0", "TMPDIR": str(tmpdir)}
    env.update(dict.fromkeys(BLAS_THREADS, "1"))
    return env


def python_executable():
    """The real interpreter behind sys.executable (a venv's python is a link to it)."""
    return os.path.realpath(sys.executable)


BOOT = ("import sys; sys.path[:0] = {paths!r}; "
        "from _torcino_sandbox.worker import main; main()")


class OutputDrain(threading.Thread):
    """Reads what the worker writes to its file descriptors 1 and 2: keeps the first `cap` bytes."""

    def __init__(self, fd, cap):
        super().__init__(daemon=True)
        self.fd, self.cap, self.kept, self.dropped = fd, cap, bytearray(), 0

    def run(self):
        with open(self.fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                room = self.cap - len(self.kept)
                self.kept += chunk[:max(room, 0)]
                self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self):
        return self.kept.decode(errors="replace") + (f"\n[{self.dropped} more bytes dropped]" if self.dropped else "")


class WorkerProcess:
    """One worker: the process, its request and reply pipes, and the drain of its raw output."""

    def __init__(self, mode, runtime, work, limits, launch=None):
        """launch: the landlock tier's landlock_tier.Launch (mode "landlock" only)."""
        self.mode = mode
        request_read, self.request_write = os.pipe()
        self.reply_read, reply_write = os.pipe()
        output_read, output_write = os.pipe()
        for fd in (self.request_write, reply_write):
            wire.enlarge_pipe(fd)
        config = {"request_fd": request_read, "reply_fd": reply_write, "memory_bytes": limits.memory_bytes,
                  "output_chars": limits.output_bytes, "file_bytes": limits.file_bytes}
        extra, flags, env_extra = {}, ["-I", "-S"], {}
        python = python_executable()
        if mode == "bubblewrap":
            prefix = bubblewrap_command(runtime, work, numpy_paths())
            paths, home = [str(IN_SANDBOX / "runtime"), str(IN_SANDBOX / "site")], IN_SANDBOX / "submission"
        elif mode == "landlock":
            prefix, paths, home, python = [], launch.paths, work, launch.python
            flags = ["-s", "-S"]  # not -I, which would ignore PYTHONHOME: the environment is ours alone anyway
            config["confine"] = launch.confinement(work)
            extra, env_extra = launch.popen_arguments(), {**launch.env, "TMPDIR": str(work)}  # /tmp is not writable
        else:
            prefix, paths, home = [], [str(runtime), str(runtime / "site")], work
        command = prefix + [python, *flags, "-c", BOOT.format(paths=paths), json.dumps(config)]
        extra["pass_fds"] = (request_read, reply_write) + extra.get("pass_fds", ())
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output_write, stderr=output_write,
                                            env={**worker_environment(home), **env_extra}, cwd=work,
                                            start_new_session=True, **extra)
        finally:
            for fd in (request_read, reply_write, output_write):
                os.close(fd)
        self.drain = OutputDrain(output_read, limits.output_bytes)
        self.drain.start()

    def request(self, header, arrays, seconds):
        """Send one request; (reply header, arrays). Raises wire errors; BrokenPipe when the worker is gone."""
        try:
            wire.write_frame(self.request_write, header, arrays)
        except (BrokenPipeError, OSError) as error:
            raise wire.ChannelClosed(str(error)) from None
        return wire.read_frame(self.reply_read, deadline=time.monotonic() + seconds)

    def kill(self):
        """Kill the worker and everything it started; wait for it."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for fd in (self.request_write, self.reply_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self.drain.join(timeout=5)

    def exit_description(self):
        """How the worker ended, once it has: 'exit code 3', 'signal 9 (SIGKILL)'."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if self.mode == "bubblewrap" and code > 128:  # bwrap reports a child killed by a signal as 128 + signal
            code = -(code - 128)
        if code < 0:
            return f"signal {-code} ({signal.Signals(-code).name})" if -code in signal.valid_signals() else f"signal {-code}"
        return f"exit code {code}"


class Sandbox:
    """A submission loaded in a worker, with automatic replacement of dead workers.

    After start(): mode, prepared (prepare.Prepared), load_report ({"found", "missing", "notes"}),
    api (the submission's names as proxies), incidents (every failed call), output (what the
    submission printed, per call). Use as a context manager, or call start() and close().
    """

    def __init__(self, submission, limits=Limits(), names=REQUIRED_NAMES):
        self.submission, self.limits, self.names = submission, limits, tuple(names)
        self.worker = None
        self.methods = set()  # (class name, attribute) pairs known to be methods, for the proxies
        self.generation = 0
        self.definitions_only = False
        self.incidents, self.output, self.load_notes = [], [], []
        self.load_report = {"found": {}, "missing": list(self.names), "notes": []}
        self.elapsed = 0.0
        self.tmp = None
        self.launch = None  # the landlock tier's landlock_tier.Launch
        self.failed_methods = {}  # call label -> why later calls to it are not run (fail fast)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        """Prepare the submission and load it in a first worker (SubmissionError, SandboxUnavailable)."""
        self.mode = choose_mode(self.limits.sandbox)
        self.tmp = Path(tempfile.mkdtemp(prefix="torcino-sandbox-"))
        self.prepared = prepare(self.submission, self.tmp / "pristine")
        self.runtime = build_runtime(self.tmp / "runtime")
        if self.mode == "landlock":
            self.launch = landlock_tier.Launch(self.runtime)
        self.api = SubmissionApi(self)
        self._spawn()

    def close(self):
        if self.worker is not None:
            self.worker.kill()
            self.worker = None
        if self.launch is not None:
            self.launch.close()
            self.launch = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    # worker life cycle
    def _spawn(self):
        """A fresh worker on a fresh copy of the submission, with the submission loaded."""
        self.generation += 1
        self.methods = set()
        work = self.tmp / f"work-{self.generation}"
        shutil.copytree(self.prepared.root, work, symlinks=False)
        if self.mode == "landlock":
            landlock_tier.hand_over(self.tmp, self.runtime, work)
        self.worker = WorkerProcess(self.mode, self.runtime, work, self.limits, self.launch)
        root = str(IN_SANDBOX / "submission") if self.mode == "bubblewrap" else str(work)
        try:
            report = self._request("load", "loading the submission",
                                   {"root": root, "names": list(self.names), "definitions_only": self.definitions_only})
        except (CallTimeout, WorkerCrashed, BadReply) as error:
            if self.definitions_only:
                self.load_notes.append({"kind": "load-failed", "file": "", "line": None,
                                        "message": f"the submission could not be loaded even with definitions only: {error.detail}"})
                self.load_report = {"found": {}, "missing": list(self.names), "notes": self.load_notes}
                return
            self.load_notes.append({"kind": "definitions-only", "file": "", "line": None,
                                    "message": f"loading ran its top-level code and failed ({error.detail}); "
                                               "loaded definitions only"})
            self.definitions_only = True
            return self._spawn()
        except SubmissionRaised as error:  # the loader itself failed: report, grade nothing
            report = {"found": {}, "missing": list(self.names),
                      "notes": [{"kind": "load-failed", "file": "", "line": None, "message": str(error)}]}
        self.load_report = {**report, "notes": self.load_notes + report["notes"]}

    def _ensure_worker(self):
        if self.worker is None:
            self._spawn()

    def _retire(self):
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    # calls
    def _request(self, op, label, arguments, timeout=None):
        """One request to the worker; returns the reply's value or raises a SandboxError.
        timeout: seconds for this call instead of Limits.call_seconds (still within the budget)."""
        if self.elapsed >= self.limits.total_seconds:
            error = BudgetExceeded(f"the submission used up its time budget of {self.limits.total_seconds:g} s", label)
            if not any(incident["kind"] == "budget" for incident in self.incidents):
                self._incident(error)
            raise error
        arrays = []
        header = {"op": op, "arguments": to_wire(arguments, arrays, self.generation)}
        seconds = min(timeout or self.limits.call_seconds, self.limits.total_seconds - self.elapsed)
        started = time.monotonic()
        worker = self.worker
        try:
            reply, reply_arrays = worker.request(header, arrays, seconds)
        except wire.ReadTimeout:
            self._retire()
            raise self._incident(CallTimeout(f"took longer than {seconds:g} s; stopped", label))
        except wire.ChannelClosed:
            how = worker.exit_description()
            output = worker.drain.text() if worker.drain.join(timeout=2) is None else ""
            self._retire()
            detail = f"the worker died ({how})" + (f"; its last output: {output[-500:]}" if output.strip() else "")
            raise self._incident(WorkerCrashed(detail, label))
        except wire.ProtocolError as error:
            self._retire()
            raise self._incident(BadReply(f"the worker sent an invalid reply ({error}); stopped", label))
        finally:
            self.elapsed += time.monotonic() - started
        return self._value(reply, reply_arrays, label)

    def _value(self, reply, arrays, label):
        if not isinstance(reply, dict):
            raise self._incident(BadReply("the worker sent an invalid reply", label))
        output, dropped = str(reply.get("output", "")), reply.get("dropped", 0)
        if output or dropped:
            self.output.append({"call": label, "text": output, "dropped": dropped if isinstance(dropped, int) else 0})
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            kind = OutOfMemory if error.get("memory") else SubmissionRaised
            raise kind(str(error.get("type", "Error")), str(error.get("message", "")),
                       str(error.get("traceback", "")), label)
        try:
            return from_wire(reply.get("value"), arrays, self)
        except (wire.ProtocolError, IndexError, KeyError, TypeError, ValueError) as error:
            raise self._incident(BadReply(f"the worker sent an invalid value ({error})", label)) from None

    def _incident(self, error):
        self.incidents.append({"kind": error.kind, "call": error.call, "detail": error.detail})
        return error

    def request(self, op, label, timeout=None, **arguments):
        """Public entry for the proxies: start a worker if the last one died, then send."""
        self._ensure_worker()
        return self._request(op, label, arguments, timeout)

    # explicit operations, for checks that need objects to stay in the worker
    def keep(self, value, label="keeping an input"):
        """Store value (e.g. an input array) in the worker; a RemoteObject standing for it."""
        return self.request("keep", label, value=value)

    def fetch(self, remote, label=None):
        """The current value of a remote object (an array, a list of arrays, ...)."""
        return self.request("fetch", label or f"reading {remote!r}", target=remote)

    def same(self, first, second, label="comparing identities"):
        """Whether two remote objects are the very same object in the worker."""
        return self.request("same", label, first=first, second=second)

    def call_kept(self, remote, method, *args, **kwargs):
        """remote.method(*args, **kwargs), its result kept in the worker (a RemoteObject)."""
        return self.request("call", f"{remote._type}.{method}", target=remote, method=method, args=args,
                            kwargs=kwargs, keep=True)

    def getattr_kept(self, remote, name):
        """remote.name, kept in the worker (a RemoteObject), e.g. a layer's weight array itself."""
        return self.request("getattr", f"{remote._type}.{name}", target=remote, name=name, keep=True)

    def set_attributes(self, remote, values):
        """Set several attributes of a remote object in one request; values: {name: value}."""
        return self.request("set_attributes", f"setting {', '.join(values)} of {remote._type}", target=remote,
                            values=values)

    def signature(self, remote, method):
        """The parameters of remote.method (bound: without self), as the worker's inspect sees them."""
        return self.request("signature", f"signature of {remote._type}.{method}", target=remote, method=method)

    def getitem_kept(self, remote, index):
        """remote[index], kept in the worker."""
        return self.request("getitem", f"{remote._type}[{index}]", target=remote, index=index, keep=True)
