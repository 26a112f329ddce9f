"""Run the grader's command line in this process, then print its own peak memory (children excluded).

    python tests/helpers/peak_memory.py grade SUBMISSION --out DIR [...]

The last line of stderr is `peak_rss_mib N`: the largest resident set of the grader's process
(resource.getrusage(RUSAGE_SELF).ru_maxrss), which holds everything the worker sent back; the
worker's own memory is not counted (its limits bound it).
"""

import resource
import runpy
import sys


def main(arguments: list) -> int:
    sys.argv = ["grader", *arguments]
    try:
        runpy.run_module("grader", run_name="__main__")
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 1
    print(f"peak_rss_mib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
