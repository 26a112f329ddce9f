"""Confine the current process with Landlock and a seccomp filter: the worker's side of the
`landlock` tier (isolation.py chooses the tier, landlock_tier.py prepares it).

Runs inside the worker before the submission is loaded (copied there with the worker's files, so
standard library only). Landlock and seccomp are called through ctypes on the kernel's interface:
the Landlock system calls have the same numbers on every architecture, and the seccomp program is
compiled on the trusted side (libseccomp, through pyseccomp) and only loaded here.

    apply({"landlock": {"read": [paths], "write": [paths], "files": [paths]}, "seccomp": "path/to/filter.bpf"})

Once applied, the process (and everything it starts) can read only the `read` trees, read and write
only the `write` trees and the `files`, has no TCP (Landlock ABI 4 and later), cannot signal or
reach abstract sockets outside its domain (ABI 6 and later), and makes none of the system calls
the filter denies. Nothing here can be undone by the process.
"""

import ctypes
import errno
import os
from collections.abc import Iterable
from typing import Any

SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2

# Landlock's file-system rights, by the ABI version that introduced them
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_ABI1 = (1 << 13) - 1  # execute ... make_sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class ConfinementError(OSError):
    """The kernel refused a step of the confinement."""


class RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> int:
    if result < 0:
        number = ctypes.get_errno()
        raise ConfinementError(number, f"{what}: {os.strerror(number)}")
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is absent, disabled or forbidden."""
    result = _libc().syscall(
        SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return max(int(result), 0)


def handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows: what is not granted by a rule is denied."""
    rights = FS_ABI1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def _add_path(libc: ctypes.CDLL, ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            access &= FILE_RIGHTS
        rule = PathBeneathAttr(allowed_access=access, parent_fd=fd)
        _check(
            libc.syscall(
                SYS_LANDLOCK_ADD_RULE,
                ctypes.c_int(ruleset),
                ctypes.c_int(RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            ),
            f"landlock_add_rule({path})",
        )
    finally:
        os.close(fd)


def restrict_files(read: Iterable[str], write: Iterable[str], files: Iterable[str]) -> int:
    """Landlock: read-only `read` trees, read-write `write` trees and `files`, no TCP, scoped
    signals and abstract sockets (as far as the ABI goes). Returns the ABI used."""
    abi = landlock_abi()
    if abi < 1:
        raise ConfinementError(errno.ENOSYS, "Landlock is not available in this kernel")
    libc = _libc()
    handled = handled_fs(abi)
    attr = RulesetAttr(
        handled_access_fs=handled,
        handled_access_net=NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
        scoped=SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0,
    )
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = _check(
        libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
        "landlock_create_ruleset",
    )
    try:
        for path in read:
            _add_path(libc, ruleset, path, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR)
        for path in list(write) + list(files):
            _add_path(libc, ruleset, path, handled)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
        _check(
            libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)),
            "landlock_restrict_self",
        )
    finally:
        os.close(ruleset)
    return abi


def load_seccomp(path: str) -> None:
    """Load a compiled seccomp program (raw BPF, as libseccomp exports it) for this process."""
    with open(path, "rb") as source:
        program = source.read()
    if not program or len(program) % 8:
        raise ConfinementError(errno.EINVAL, f"{path}: not a BPF program")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len=len(program) // 8, filter=ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "prctl(PR_SET_SECCOMP)")


def apply(config: dict[str, Any]) -> int:
    """Landlock, then seccomp (which may deny what Landlock needs to be set up). Returns the ABI."""
    rules = config["landlock"]
    abi = restrict_files(rules["read"], rules["write"], rules["files"])
    load_seccomp(config["seccomp"])
    return abi
