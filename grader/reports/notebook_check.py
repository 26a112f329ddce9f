"""The notebook check: `from torcino.check import check; check()` in a cell grades the classes the
running notebook defines, in public mode and in the sandbox (as `make check` does), and shows the
per-item table inline.

    check()                 # every item: the cells the kernel executed, graded (the LeNet included)
    check("maxpool2d")      # the items of one class (maxpool2d.forward, maxpool2d.backward); no LeNet
    check(source=".")       # a path instead of the kernel's cells (outside IPython: the kit's folder)

The cells come from the kernel's history (grader.reports.kernel_cells), so nothing needs saving; they are
written to OUT/checked_cells.ipynb and graded like any notebook, with results.json, report.html and
summary.md in OUT (default out/, as `make check`). The table is a `CheckView` displayed through
IPython's display machinery with both text/html and text/plain: JupyterLab, classic Notebook and VS
Code render the HTML, a terminal IPython or plain Python gets the text.
"""

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from grader.grading.grade import Grade
from grader.grading.scoring import ItemResult
from grader.reports.kernel_cells import executed_cells, write_notebook
from grader.reports.report import TEMPLATES

NOTEBOOK = "checked_cells.ipynb"


@dataclass(frozen=True)
class ItemRow:
    """One line of the table: the item, its points, and why it lost them (the first failing case)."""

    id: str
    passed: bool
    score: float
    max_score: float
    cases: str  # "3/5 cases"
    why: str
    cause: str  # the likely cause, where a diagnosis exists (see likely_cause)


@dataclass(frozen=True)
class CheckView:
    """What check() shows: rendered as HTML by notebook front ends, as text elsewhere."""

    rows: tuple[ItemRow, ...]
    score: float
    max_score: float
    report: Path  # OUT/report.html
    graded: str  # what was graded: "the cells this kernel ran" or a path
    error: str  # the submission could not be loaded (every item 0)
    warnings: tuple[str, ...]  # the sandbox's (e.g. no isolation here)

    def _repr_html_(self) -> str:
        return TEMPLATES.get_template("notebook_check.html.j2").render(
            view=self, href=_relative_href(self.report), cause_column=any(row.cause for row in self.rows)
        )

    def __repr__(self) -> str:
        lines = [f"Lesson 8, public checks of {self.graded}: {self.score:g} / {self.max_score:g}"]
        lines += [f"WARNING: {text}" for text in self.warnings]
        if self.error:
            lines.append(f"could not load the code: {self.error}")
        for row in self.rows:
            why = f"  {row.cases}; {row.why}" if not row.passed else ""
            cause = f" (likely cause: {row.cause})" if row.cause else ""
            lines.append(
                f"{'ok  ' if row.passed else 'FAIL'} {row.id:<22} {row.score:g} / {row.max_score:g}{why}{cause}"
            )
        lines.append(f"full report: {self.report}")
        return "\n".join(lines)


def likely_cause(item: ItemResult) -> str:
    """The likely cause of an item's failures. Issue 19 (diagnoses) fills this in: until it lands,
    a failing case's details carry no diagnosis and the column stays hidden."""
    for failure in item.failures:
        diagnosis = failure["details"].get("diagnosis")
        if diagnosis:
            return str(diagnosis)
    return ""


def item_ids(only: str | None) -> list[str]:
    """Validate only against the rubric's items (ValueError naming them when it matches none)."""
    from grader.grading.rubric import load_rubric

    ids = [item.id for item in load_rubric("lesson8").items]
    if only is None:
        return ids
    chosen = [i for i in ids if i == only or i.startswith(f"{only}.")]
    if not chosen:
        classes = sorted({i.split(".")[0] for i in ids})
        raise ValueError(f"check({only!r}): no such item; choose one of {', '.join(classes)} or an item id")
    return chosen


def build_view(grade: Grade, wanted: list[str], report: Path, graded: str, caught: list[str]) -> CheckView:
    """The table of the wanted items of a grade (item ids, from item_ids)."""
    rows = []
    for item in (item for item in grade.items if item.id in wanted):
        passed = item.status == "passed"
        why = ""
        if not passed:
            why = item.failures[0]["message"].splitlines()[0][:200] if item.failures else item.hint
        rows.append(
            ItemRow(
                item.id,
                passed,
                item.score,
                item.max_score,
                f"{item.passed}/{item.total} cases",
                why,
                likely_cause(item),
            )
        )
    return CheckView(
        rows=tuple(rows),
        score=sum(row.score for row in rows),
        max_score=sum(row.max_score for row in rows),
        report=report.resolve(),
        graded=graded,
        error=grade.error,
        warnings=tuple(caught),
    )


def run_check(only: str | None = None, source: str | Path | None = None, out: str | Path = "out") -> CheckView:
    """Grade (public mode, sandboxed) and write OUT's files; returns the view of the selected items.
    source None: the cells the running kernel executed."""
    from grader.grading.grade import grade
    from grader.grading.rubric import load_rubric
    from grader.reports.report import write_reports
    from grader.reports.results import to_results, write_json
    from grader.sandbox.isolation import SandboxWarning

    wanted = item_ids(only)
    out = Path(out)
    if source is None:
        path, graded = write_notebook(executed_cells(), out / NOTEBOOK), "the cells this kernel ran"
    else:
        path, graded = Path(source), str(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SandboxWarning)
        result = grade(path, load_rubric("lesson8"), mode="public", train_lenet="lenet" in wanted)
    results = to_results(result)
    write_json(results, out / "results.json")
    report, _ = write_reports(results, out, submission_path=str(path), step_summary=False)
    return build_view(result, wanted, report, graded, [str(w.message) for w in caught])


def check(only: str | None = None, *, source: str | Path | None = None, out: str | Path = "out") -> None:
    """Grade this notebook's classes with the kit's public checks and show the table in the notebook
    (only: an item or a class, e.g. "maxpool2d"; source: a path to grade instead of the kernel's
    cells; out: where results.json and report.html go). Outside IPython it grades source, by default
    the current folder as `make check` does, and prints the table."""
    in_ipython = _in_ipython()
    view = run_check(only, source if source is not None or in_ipython else ".", out)
    if in_ipython:
        from IPython.display import display

        display(view)
    else:
        print(repr(view))


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _relative_href(report: Path) -> str:
    """The report's path relative to the kernel's working folder (a notebook's own folder in JupyterLab,
    Notebook and VS Code), so the link opens it beside the notebook; absolute when outside it."""
    try:
        return Path(os.path.relpath(report.resolve(), Path.cwd())).as_posix()
    except ValueError:
        return report.resolve().as_uri()
