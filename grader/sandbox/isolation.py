"""Which isolation tier a worker runs in, and the bubblewrap tier's command line (its file policy: file_policy.py).

    bubblewrap  namespaces: no network, a read-only root holding only the system, the interpreter,
                numpy and the worker's code; the submission copy and its /tmp (a directory beside
                it, on disk) as the only writable places, no writable tmpfs
    landlock    no namespaces needed (Docker's default seccomp profile, Gradescope): Landlock file
                and TCP rules, a seccomp filter, an unprivileged user when the grader is root
                (landlock_tier.py, confine.py)
    none        process limits only, with a loud SandboxWarning

Limits.sandbox (and --sandbox) is "auto" (the first tier that works here, in that order) or a tier's
name, which is then required: SandboxUnavailable instead of a fallback.
"""

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .errors import SandboxUnavailable
from .file_policy import SYSTEM_FILES, SYSTEM_TREES, interpreter_packages
from .landlock_tier import landlock_problem

TIERS = ("bubblewrap", "landlock", "none")
CHOICES = ("auto", *TIERS)
IN_SANDBOX = Path("/sandbox")
INSTALL_HINTS = {
    "bubblewrap": "install it (apt-get install bubblewrap)",
    "landlock": "it needs Linux 5.13+ with Landlock and libseccomp (apt-get install libseccomp2)",
}


class SandboxWarning(UserWarning):
    """Submitted code runs with process limits only: it can read and write what the grader can."""


@lru_cache(maxsize=1)
def bubblewrap_problem() -> "str | None":
    """None when bubblewrap can run a process here, else why not (one line)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    trial = subprocess.run(
        [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if trial.returncode != 0:
        last = (trial.stderr.strip().splitlines() or [f"exit code {trial.returncode}"])[-1]
        return f"bubblewrap cannot create a sandbox here: {last}"
    return None


def tier_problem(tier: str) -> "str | None":
    """None when the tier works here, else why not."""
    return {"bubblewrap": bubblewrap_problem, "landlock": landlock_problem}[tier]()


def choose_mode(requested: str) -> str:
    """The tier for Limits.sandbox: a named tier is required (SandboxUnavailable when it cannot run);
    "auto" takes the first that works and warns (SandboxWarning) when that is none."""
    if requested not in CHOICES:
        raise SandboxUnavailable(f"unknown sandbox {requested!r}: expected one of {', '.join(CHOICES)}")
    if requested == "none":
        return "none"
    if requested != "auto":
        problem = tier_problem(requested)
        if problem is not None:
            raise SandboxUnavailable(f"{problem}; {INSTALL_HINTS[requested]} or allow --sandbox auto or none")
        return requested
    problems = []
    for tier in ("bubblewrap", "landlock"):
        problem = tier_problem(tier)
        if problem is None:
            return tier
        problems.append(problem)
    warnings.warn(
        SandboxWarning(
            f"{'; '.join(problems)}: submissions run WITHOUT a sandbox, with process limits "
            "only (they can read the grader's files); install bubblewrap, or allow Landlock"
        ),
        stacklevel=3,
    )
    return "none"


def bubblewrap_command(runtime: Path, work: Path, numpy_paths: Iterable[tuple[str, Path]], tmp: Path) -> list[str]:
    """bwrap arguments: the interpreter and system paths read-only, the submission copy and tmp (its
    /tmp) the only writable places, both on the host's disk where the grader measures them (disk.py):
    no writable tmpfs, whose pages would count against the host's memory beyond every limit."""
    args = [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    for top in SYSTEM_TREES:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for file in SYSTEM_FILES:
        args += ["--ro-bind-try", file, file]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr/"):
        args += ["--ro-bind", prefix, prefix]
    for installed in interpreter_packages(prefix):  # hide whatever else is installed next to the interpreter
        hidden = os.path.realpath(installed)
        if os.path.isdir(hidden):
            args += ["--tmpfs", hidden, "--remount-ro", hidden]  # empty and unwritable (no --size: bwrap < 0.5)
    args += ["--ro-bind", str(runtime / "_torcino_sandbox"), str(IN_SANDBOX / "runtime" / "_torcino_sandbox")]
    for name, path in numpy_paths:
        args += ["--ro-bind", str(path), str(IN_SANDBOX / "site" / name)]
    args += [
        "--bind",
        str(work),
        str(IN_SANDBOX / "submission"),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--remount-ro",
        "/dev",  # its tmpfs (and /dev/shm) unwritable; the device nodes still work
        "--bind",
        str(tmp),
        "/tmp",
        "--remount-ro",
        "/",
        "--chdir",
        str(IN_SANDBOX / "submission"),
        "--",
    ]
    return args
