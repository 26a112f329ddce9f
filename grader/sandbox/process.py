"""One worker process: its runtime directory, its command line in each isolation tier, its pipes
and the drain of its raw output (runner.Sandbox drives it)."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import wire
from .disk import DiskWatch
from .isolation import IN_SANDBOX, bubblewrap_command

if TYPE_CHECKING:
    from .landlock_tier import Launch
    from .runner import Limits

GRADER = Path(__file__).resolve().parent.parent
WORKER_FILES = {
    name: Path(__file__).with_name(name)
    for name in (
        "__init__.py",
        "wire.py",
        "loader.py",
        "worker.py",
        "worker_setup.py",
        "confine.py",
        "import_guard.py",
        "probes.py",  # trusted stand-ins for the sequential and sgd checks
    )
}
WORKER_FILES["lenet.py"] = GRADER / "lenet" / "trainer.py"  # the training loop, run next to the submission's classes
# how long a worker may take to start Python and import numpy before its first call is timed: a
# loaded machine can take seconds, which must not count against a call limit of one second
START_SECONDS = 30.0
BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def numpy_paths() -> list[tuple[str, Path]]:
    """The installed numpy package and its bundled libraries (numpy.libs), as (name, path) pairs."""
    package = Path(np.__file__).resolve().parent
    libs = package.parent / "numpy.libs"
    return [("numpy", package)] + ([("numpy.libs", libs)] if libs.is_dir() else [])


def build_runtime(directory: str | Path) -> Path:
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


def worker_environment(home: str | Path, tmpdir: str | Path = "/tmp") -> dict[str, str]:
    """A scrubbed environment: no variables of the grader's, single-threaded BLAS."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "TMPDIR": str(tmpdir),
    }
    env.update(dict.fromkeys(BLAS_THREADS, "1"))
    return env


def python_executable() -> str:
    """The real interpreter behind sys.executable (a venv's python is a link to it)."""
    return os.path.realpath(sys.executable)


BOOT = "import sys; sys.path[:0] = {paths!r}; from _torcino_sandbox.worker import main; main()"


class OutputDrain(threading.Thread):
    """Reads what the worker writes to its file descriptors 1 and 2: keeps the first `cap` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.cap, self.kept, self.dropped = fd, cap, bytearray(), 0

    def run(self) -> None:
        with open(self.fd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(1 << 16):
                room = self.cap - len(self.kept)
                self.kept += chunk[: max(room, 0)]
                self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        return self.kept.decode(errors="replace") + (f"\n[{self.dropped} more bytes dropped]" if self.dropped else "")


class WorkerProcess:
    """One worker: the process, its request and reply pipes, and the drain of its raw output."""

    def __init__(
        self,
        mode: str,
        runtime: Path,
        work: Path,
        limits: "Limits",
        launch: "Launch | None" = None,
        session_filter: str | None = None,
    ) -> None:
        """launch: the landlock tier's landlock_tier.Launch (mode "landlock" only); session_filter: a
        seccomp program that keeps the worker's processes in its process group (mode "none")."""
        self.mode, self.work, self.limits = mode, work, limits
        self.tmp = work.with_name(work.name + "-tmp")  # the bubblewrap tier's /tmp
        self.tmp.mkdir()
        self.stopped_because = ""
        request_read, self.request_write = os.pipe()
        self.reply_read, reply_write = os.pipe()
        output_read, output_write = os.pipe()
        for fd in (self.request_write, reply_write):
            wire.enlarge_pipe(fd)
        config: dict[str, Any] = {
            "request_fd": request_read,
            "reply_fd": reply_write,
            "memory_bytes": limits.memory_bytes,
            "output_chars": limits.output_bytes,
            "file_bytes": limits.file_bytes,
            "processes": limits.processes,
        }
        extra: dict[str, Any] = {}
        flags, env_extra = ["-I", "-S"], {}
        python = python_executable()
        if mode == "bubblewrap":
            prefix = bubblewrap_command(runtime, work, numpy_paths(), self.tmp)
            paths, home = [str(IN_SANDBOX / "runtime"), str(IN_SANDBOX / "site")], IN_SANDBOX / "submission"
        elif mode == "landlock":
            assert launch is not None, "the landlock tier starts workers with its Launch"
            prefix, paths, home, python = [], launch.paths, work, launch.python
            flags = ["-s", "-S"]  # not -I, which would ignore PYTHONHOME: the environment is ours alone anyway
            config["confine"] = launch.confinement(work)
            extra, env_extra = launch.popen_arguments(), {**launch.env, "TMPDIR": str(work)}  # /tmp is not writable
        else:
            prefix, paths, home = [], [str(runtime), str(runtime / "site")], work
            env_extra = {"TMPDIR": str(self.tmp)}
            if session_filter is not None:
                config["seccomp"] = session_filter
        command = [*prefix, python, *flags, "-c", BOOT.format(paths=paths), json.dumps(config)]
        extra["pass_fds"] = (request_read, reply_write, *extra.get("pass_fds", ()))
        self.started = time.monotonic()
        self.ready = False
        self.start_seconds = 0.0  # how long the first call waited for the worker to be up
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output_write,
                stderr=output_write,
                env={**worker_environment(home), **env_extra},
                cwd=work,
                start_new_session=True,
                **extra,
            )
        finally:
            for fd in (request_read, reply_write, output_write):
                os.close(fd)
        self.drain = OutputDrain(output_read, limits.output_bytes)
        self.drain.start()
        self.disk = DiskWatch((work, self.tmp), limits.disk_bytes, self._over_disk)
        self.disk.start()

    def _over_disk(self, used: int) -> None:
        self.stopped_because = (
            f"killed: it wrote more than the limit of {self.limits.disk_bytes >> 20} MiB to disk ({used >> 20} MiB)"
        )
        self._kill_group()

    def request(
        self, header: dict[str, Any], arrays: list[np.ndarray], seconds: float
    ) -> tuple[dict[str, Any], list[np.ndarray]]:
        """Send one request; (reply header, arrays). Raises wire errors: ChannelClosed when the worker is
        gone (a failed write included), ReadTimeout past the deadline, ProtocolError for a bad reply."""
        try:
            wire.write_frame(self.request_write, header, arrays)
        except (BrokenPipeError, OSError) as error:
            raise wire.ChannelClosed(str(error)) from None
        if not self.ready:  # the first call's time starts when the worker is up (worker.READY)
            waited = time.monotonic()
            hello, _ = wire.read_frame(
                self.reply_read, deadline=waited + START_SECONDS, max_bytes=0, max_header=wire.MAX_REPLY_HEADER_BYTES
            )
            if hello != {"ready": True}:
                raise wire.ProtocolError("the worker's first frame is not its ready signal")
            self.ready, self.start_seconds = True, time.monotonic() - waited
        return wire.read_frame(
            self.reply_read,
            deadline=time.monotonic() + seconds,
            max_bytes=self.limits.reply_bytes,
            max_header=wire.MAX_REPLY_HEADER_BYTES,
        )

    def _kill_group(self) -> None:
        """SIGKILL to the worker's process group: every process it started, wherever it is in the tree.
        In the landlock and none tiers a seccomp rule keeps them in it (setsid and setpgid are denied);
        in the bubblewrap tier the group holds bwrap, whose death ends the sandbox's PID namespace."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """Kill the worker and everything it started (even when the worker itself has already ended);
        wait for it; delete its copy of the submission."""
        self._kill_group()
        self.process.wait()
        self.disk.stop()
        for fd in (self.request_write, self.reply_read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.drain.join(timeout=1)
        for tree in (self.work, self.tmp):
            shutil.rmtree(tree, ignore_errors=True)

    def exit_description(self) -> str:
        """How the worker ended, once it has: 'exit code 3', 'signal 9 (SIGKILL)', or why the grader killed it."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if self.stopped_because:
            return self.stopped_because
        if self.mode == "bubblewrap" and code > 128:  # bwrap reports a child killed by a signal as 128 + signal
            code = -(code - 128)
        if code < 0:
            return (
                f"signal {-code} ({signal.Signals(-code).name})"
                if -code in signal.valid_signals()
                else f"signal {-code}"
            )
        return f"exit code {code}"
