"""Hostile: tries what a confined worker must not do, and reports what happened to each attempt."""
import ctypes
import os
import socket

LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNS, PTRACE_ATTACH = 0x10000000, 0x00020000, 16


def errno_of(result):
    return "ok" if result == 0 else os.strerror(ctypes.get_errno())


def attempt(action):
    try:
        result = action()
        return "ok" if result is None or result == "ok" else result
    except OSError as error:
        return os.strerror(error.errno) if error.errno else str(error)


def read(path):
    with open(path, "rb") as source:
        source.read(1)


def probe():
    """{attempt: 'ok' or the error} and the ids the worker runs with."""
    parent = os.getppid()
    return {
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "tcp socket": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
        "udp socket": attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close()),
        "netlink socket": attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW).close()),
        "unix socketpair": attempt(lambda: [s.close() for s in socket.socketpair()] and None),
        "unix connect": attempt(lambda: socket.socket(socket.AF_UNIX).connect("\0torcino-grader")),
        "unshare user namespace": attempt(lambda: errno_of(LIBC.unshare(CLONE_NEWUSER))),
        "unshare mount namespace": attempt(lambda: errno_of(LIBC.unshare(CLONE_NEWNS))),
        "mount": attempt(lambda: errno_of(LIBC.mount(b"none", b".", b"tmpfs", 0, None))),
        "ptrace the grader": attempt(lambda: errno_of(LIBC.ptrace(PTRACE_ATTACH, parent, None, None))),
        "signal the grader": attempt(lambda: os.kill(parent, 0)),
        "read /etc/passwd": attempt(lambda: read("/etc/passwd")),
        "read the grader's environment": attempt(lambda: read(f"/proc/{parent}/environ")),
        "read the reference": attempt(lambda: read("__REPO__/reference/layers.py")),
        "read the rubric": attempt(lambda: read("__REPO__/rubrics/lesson8.toml")),
        "write in its copy": attempt(lambda: open("scratch.txt", "w").close()),
        "write in /tmp": attempt(lambda: open("/tmp/torcino-escape-__MARKER__", "w").close()),
    }


class ReLU:
    def forward(self, x):
        return x * (x > 0)
