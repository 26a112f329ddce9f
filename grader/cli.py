"""The `torcino-grade` command line (a placeholder until the grading issue lands)."""

import sys

USAGE = """usage: torcino-grade grade SUBMISSION --out DIR

Grading is not built yet: for now `make train` trains the lesson's LeNet with the reference."""


def main(argv=None):
    """Print usage; exit 2 (the grader could not grade)."""
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
