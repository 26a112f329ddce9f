"""Run the grader's command line in this process, then print its own peak memory (children excluded).

    python tests/helpers/peak_memory.py grade SUBMISSION --out DIR [...]

The last line of stderr is `peak_rss_mib N`: the largest resident set of the grader's process
(peak_rss_mib()), which holds everything the worker sent back; the worker's own memory is not
counted (its limits bound it).
"""

import runpy
import sys


def peak_rss_mib() -> int:
    """This process's peak resident set since it started its program (VmHWM of /proc/self/status).
    Not getrusage's ru_maxrss: Linux carries the parent's peak over fork and exec into it, so a
    process started by a large pytest worker would report the worker's size."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) >> 10
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(arguments: list) -> int:
    sys.argv = ["grader", *arguments]
    try:
        runpy.run_module("grader", run_name="__main__")
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 1
    print(f"peak_rss_mib {peak_rss_mib()}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
