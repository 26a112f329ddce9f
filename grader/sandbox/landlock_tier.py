"""The `landlock` tier: isolation that needs no namespaces (Docker's default seccomp profile, and so
Gradescope's containers, forbid the ones bubblewrap needs).

The worker is started as an unprivileged user when the grader runs as root, and confines itself
before loading the submission (confine.py): Landlock lets it read only the interpreter, numpy and
its own runtime, and write only its copy of the submission (no TCP either, from Landlock ABI 4 on);
a seccomp filter compiled here denies every socket but AF_UNIX, ptrace and cross-process memory
access, namespaces, mounts, the keyring, BPF, io_uring and the other calls a worker never needs.

The interpreter and numpy are handed to the worker as inherited directory descriptors and reached
as /proc/self/fd/N: an unprivileged worker then needs no search right on their parents (a pyenv
Python under a 0700 /root works), and Landlock grants exactly those trees.
"""

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import confine
from .file_policy import DEVICES, SYSTEM_FILES, SYSTEM_TREES, granted, hidden_paths, numpy_trees

UNPRIVILEGED = 65534  # nobody / nogroup
SECCOMP_FILE = "seccomp.bpf"
CLONE_NEW = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
AF_UNIX = 1
DENIED = (  # EPERM: what a worker never needs
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "add_key",
    "request_key",
    "keyctl",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "iopl",
    "ioperm",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    "personality",
    "uselib",
    "vhangup",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "setsid",  # the worker's processes stay in its process group, which the grader kills whole
    "setpgid",
)
SESSION = ("setsid", "setpgid")  # all the none tier's filter denies (session_filter)


class TierUnavailable(Exception):
    """The landlock tier cannot run here; the message says why (one line)."""


@lru_cache(maxsize=2)
def seccomp_program(denied: tuple[str, ...] = DENIED, confine: bool = True) -> bytes:
    """The worker's seccomp filter as raw BPF (bytes), compiled by libseccomp for this machine: the
    denied calls, and with confine, no socket but AF_UNIX and no namespace."""
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(seccomp.ALLOW)
    except (ImportError, OSError, RuntimeError) as error:
        raise TierUnavailable(f"libseccomp cannot be used ({error}); apt-get install libseccomp2") from None
    deny = seccomp.ERRNO(errno.EPERM)
    for name in denied:
        rules.add_rule(deny, name)
    if not confine:
        return _export(rules)
    for name in ("socket", "socketpair"):
        rules.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), name, seccomp.Arg(0, seccomp.NE, AF_UNIX))
    for flag in CLONE_NEW.values():
        rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(
        seccomp.ERRNO(errno.ENOSYS), "clone3"
    )  # its flags are out of a filter's reach: libc falls back to clone
    return _export(rules)


def _export(rules: Any) -> bytes:
    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        return out.read()


def session_filter(runtime: Path) -> str | None:
    """For the none tier: a seccomp program (written in runtime) denying setsid and setpgid, so that
    killing the worker's process group kills everything it started; None without libseccomp."""
    try:
        program = seccomp_program(SESSION, confine=False)
    except TierUnavailable:
        return None
    path = Path(runtime) / "session.bpf"
    path.write_bytes(program)
    return str(path)


class Launch:
    """How to start confined workers for one sandbox: the directory descriptors they inherit (open
    until close()), their interpreter, environment and user, sys.path entries, and the confinement
    each applies to itself (confine.apply's config).

    runtime: the directory holding _torcino_sandbox and SECCOMP_FILE (see runner.build_runtime);
    runtime/fdsite gets links to numpy through the inherited descriptors."""

    def __init__(self, runtime: Path) -> None:
        self.seccomp = str(Path(runtime) / SECCOMP_FILE)
        Path(self.seccomp).write_bytes(seccomp_program())
        hidden = hidden_paths()
        prefix = os.path.realpath(sys.base_prefix)
        trees = {"prefix": prefix, **{tree.name: str(tree) for tree in numpy_trees()}}
        self.fds: list[int] = []
        via: dict[str, str] = {}
        for name, path in trees.items():
            self.fds.append(os.open(path, os.O_PATH | os.O_DIRECTORY))
            via[name] = f"/proc/self/fd/{self.fds[-1]}"
        fdsite = Path(runtime) / "fdsite"
        fdsite.mkdir(exist_ok=True)
        for name in trees.keys() - {"prefix"}:
            (fdsite / name).symlink_to(via[name])
        self.paths = [str(runtime), str(fdsite)]
        self.read = [str(runtime)]
        for name, path in trees.items():
            self.read += granted(path, via[name], hidden - {path})
        for tree in SYSTEM_TREES:
            if os.path.isdir(tree):
                self.read += granted(os.path.realpath(tree), tree, hidden)
        self.read += [path for path in SYSTEM_FILES if os.path.exists(path)]
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        relative = (
            f"bin/{version}"
            if os.path.exists(os.path.join(prefix, "bin", version))
            else os.path.relpath(os.path.realpath(sys.executable), prefix)
        )
        self.python = f"{via['prefix']}/{relative}"
        self.env = {"PYTHONHOME": via["prefix"], "LD_LIBRARY_PATH": f"{via['prefix']}/lib", "PYTHONSAFEPATH": "1"}
        self.user = UNPRIVILEGED if os.geteuid() == 0 else None

    def confinement(self, work: Path) -> dict[str, Any]:
        """confine.apply's configuration for a worker whose writable copy is work."""
        return {"landlock": {"read": self.read, "write": [str(work)], "files": list(DEVICES)}, "seccomp": self.seccomp}

    def popen_arguments(self) -> dict[str, Any]:
        """subprocess.Popen's arguments for the user and inherited descriptors."""
        user = {"user": self.user, "group": self.user, "extra_groups": []} if self.user is not None else {}
        return {"pass_fds": tuple(self.fds), **user}

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def hand_over(top: Path, runtime: Path, work: Path) -> None:
    """When root: let the unprivileged user traverse the sandbox's directory top (not list it), read
    the runtime, and own its copy of the submission."""
    if os.geteuid() != 0:
        return
    os.chmod(top, 0o711)
    for directory, _, files in os.walk(runtime):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    for directory, _, files in os.walk(work):
        os.chown(directory, UNPRIVILEGED, UNPRIVILEGED)
        for name in files:
            os.chown(os.path.join(directory, name), UNPRIVILEGED, UNPRIVILEGED)


PROBE = (
    "import json, sys; from _torcino_sandbox import confine; confine.apply(json.loads(sys.argv[1]))\n"
    "try:\n    open(sys.argv[2]).read()\nexcept PermissionError:\n    print('confined')\n"
)


@lru_cache(maxsize=1)
def landlock_problem() -> "str | None":
    """None when the landlock tier works here (checked by confining a trial process), else why not."""
    if sys.platform != "linux":
        return "the landlock tier needs Linux"
    if confine.landlock_abi() < 1:
        return "Landlock is not available (it needs Linux 5.13 or later, with Landlock enabled and allowed)"
    try:
        seccomp_program()
    except TierUnavailable as error:
        return str(error)
    with tempfile.TemporaryDirectory(prefix="torcino-probe-") as name:
        top = Path(name)
        (top / "runtime" / "_torcino_sandbox").mkdir(parents=True)
        for name in ("__init__.py", "confine.py"):
            shutil.copyfile(Path(__file__).with_name(name), top / "runtime" / "_torcino_sandbox" / name)
        (top / "work").mkdir()
        (top / "secret").write_text("grader-only")
        launch = Launch(top / "runtime")
        hand_over(top, top / "runtime", top / "work")
        try:
            trial = subprocess.run(
                [
                    launch.python,
                    "-s",
                    "-S",
                    "-c",
                    f"import sys; sys.path[:0] = {launch.paths!r}\n" + PROBE,
                    json.dumps(launch.confinement(top / "work")),
                    str(top / "secret"),
                ],
                capture_output=True,
                text=True,
                timeout=60,
                env={"PATH": "/usr/bin:/bin", **launch.env},
                cwd=top / "work",
                **launch.popen_arguments(),
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"a confined worker cannot be started here: {error}"
        finally:
            launch.close()
    if trial.stdout.strip() != "confined":
        last = (trial.stderr.strip().splitlines() or [f"exit code {trial.returncode}"])[-1]
        return f"a confined worker cannot be started here: {last}"
    return None
