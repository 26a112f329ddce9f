"""Check your layers from a notebook cell: the course grader's public checks, shown in the notebook.

    from torcino.check import check
    check()              # every item of the lesson's rubric, on the classes your notebook defines
    check("maxpool2d")   # the items of one class

It grades the cells your kernel has run (no need to save), as `make check` does, and writes the
full report to out/report.html.
"""


def check(only=None, *, source=None, out="out"):
    """Grade the classes this notebook defines and show the per-item table (see grader.reports.notebook_check)."""
    from grader.reports.notebook_check import check as run

    run(only, source=source, out=out)
