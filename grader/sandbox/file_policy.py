"""The sandbox's file policy, for both isolation tiers: what a worker may read, what it may write,
and what stays hidden inside what it may read.

    read    SYSTEM_TREES and SYSTEM_FILES (the system's programs and libraries), the interpreter's
            prefix and numpy (numpy_trees), the worker's runtime (grader/sandbox/process.py
            WORKER_FILES); the landlock tier also the DEVICES
    hidden  within those, every tree of installed packages (interpreter_packages; in the landlock
            tier also hidden_paths: site-packages, the system's dist-packages, grader, reference)
    write   only the submission's copy and its /tmp, on the host's disk where disk.py measures them

bubblewrap_command (isolation.py) turns it into bind mounts, Launch (landlock_tier.py) into Landlock
rules that confine.py applies in the worker.
"""

import glob
import os
import site
import sys
import sysconfig
from pathlib import Path

SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache",)
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")


def interpreter_packages(prefix: str) -> list[str]:
    """The directories where packages are installed for the interpreter at prefix (purelib, platlib)."""
    paths = sysconfig.get_paths(vars={"base": prefix, "platbase": prefix})
    return [paths["purelib"], paths["platlib"]]


def hidden_paths() -> set[str]:
    """Trees never granted even inside a granted one: installed packages (the grader's, the
    reference's, anything else next to the interpreter)."""
    hidden = set(site.getsitepackages())
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages"):
        hidden.update(glob.glob(pattern))  # Debian's and pip's system-wide packages
    for prefix in {sys.prefix, sys.base_prefix}:
        hidden.update(interpreter_packages(prefix))
    for package in ("grader", "reference"):
        file = getattr(sys.modules.get(package), "__file__", None)  # None for a missing module
        if file:
            hidden.add(os.path.dirname(file))
    return {os.path.realpath(path) for path in hidden}


def granted(real: str, alias: str, hidden: set[str]) -> list[str]:
    """Paths (spelled from alias, which stands for the real path) covering the tree at real except
    the hidden trees within it: the tree itself, or its entries one level down, recursively."""
    if real in hidden:
        return []
    if not any(h.startswith(real.rstrip("/") + "/") for h in hidden) or not os.path.isdir(real):
        return [alias]
    paths: list[str] = []
    for name in sorted(os.listdir(real)):
        paths += granted(os.path.join(real, name), os.path.join(alias, name), hidden)
    return paths


def numpy_trees() -> list[Path]:
    """numpy's package directory and its bundled libraries (numpy.libs), when present."""
    import numpy

    package = Path(numpy.__file__).resolve().parent
    return [package] + ([package.parent / "numpy.libs"] if (package.parent / "numpy.libs").is_dir() else [])
