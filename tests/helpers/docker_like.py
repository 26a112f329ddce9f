"""Run a command the way Docker's default seccomp profile would: no new namespaces.

    python tests/helpers/docker_like.py [--deny-landlock] -- COMMAND [ARGS...]

Installs a seccomp filter on this process (with no_new_privs) and execs COMMAND under it:
unshare, setns and clone with any CLONE_NEW* flag fail with EPERM, clone3 with ENOSYS (as Docker
answers it, so that libc falls back to clone). bubblewrap then cannot create its sandbox, as in
Gradescope's containers. --deny-landlock also answers the Landlock system calls with ENOSYS, as
Docker versions from before they were allowed do: then no isolation tier is left.
"""

import errno
import os
import sys

import pyseccomp as seccomp

CLONE_NEW = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
LANDLOCK = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def install(deny_landlock: bool) -> None:
    """The filter, on this process and everything it execs."""
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    eperm = seccomp.ERRNO(errno.EPERM)
    rules.add_rule(eperm, "unshare")
    rules.add_rule(eperm, "setns")
    for flag in CLONE_NEW:
        rules.add_rule(eperm, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    if deny_landlock:
        for name in LANDLOCK:
            rules.add_rule(seccomp.ERRNO(errno.ENOSYS), name)
    rules.load()  # libseccomp sets no_new_privs first


def main(argv: list) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("usage: python tests/helpers/docker_like.py [--deny-landlock] -- COMMAND [ARGS...]")
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    unknown = set(options) - {"--deny-landlock"}
    if unknown:
        sys.exit(f"docker_like.py: unknown option {sorted(unknown)[0]}")
    install("--deny-landlock" in options)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
