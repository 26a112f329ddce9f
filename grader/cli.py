"""The `torcino-grade` command line (also `python -m grader`).

    torcino-grade grade SUBMISSION --out DIR [--rubric NAME_OR_PATH] [--data DIR] [--seed N]
                  [--mode auto|instructor|public] [--fail-under SCORE]
                  [--sandbox auto|bubblewrap|landlock|none] [--instructor] [--no-step-summary]

writes DIR/results.json, DIR/report.html and DIR/summary.md (also appended to $GITHUB_STEP_SUMMARY
unless --no-step-summary). Instructor mode checks against the reference on fresh inputs; public
mode (the student kit, where the reference is not installed) against the public fixtures.

    torcino-grade batch DIR --out OUT [--jobs N] [--rubric ...] [--data ...] [--force]
                  [--sandbox ...] [--executor local|dask] [--scheduler ADDRESS]
                  [--no-similarity] [--similarity-threshold SHARE]

writes OUT/<student>/{results.json,report.html,summary.md}, OUT/grades.csv, OUT/changes.csv,
OUT/index.html and, unless --no-similarity, OUT/similarity.csv with side-by-side pages in
OUT/similarity/; every earlier result stays in OUT/.history/.

    torcino-grade history OUT STUDENT
    torcino-grade export canvas OUT --roster GRADEBOOK.csv --out import.csv [--assignment TITLE]
    torcino-grade export moodle OUT --out grades.csv [--identify email|username] [--item NAME]

list a student's grades over time, and write the LMS's import file (grader.cli_records).

Exit status: 0 when grading ran; 1 with --fail-under when the score is below it; 2 when the grader
could not grade (missing path, bad rubric, bad data, bad arguments, bubblewrap required but
missing, OUT locked by another batch), with a one-line reason; 130 when a batch was interrupted
(what was graded is written).
"""

import argparse
import os
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader import __version__, cli_records
from grader.classroom.class_folder import BatchError
from grader.classroom.lms_export import ExportError
from grader.grading.oracle import FixtureError, reference_available
from grader.grading.rubric import RubricError, load_rubric
from grader.lenet.data import DataError
from grader.sandbox.errors import SandboxUnavailable
from grader.sandbox.isolation import CHOICES, SandboxWarning
from grader.sandbox.prepare import path_problem

if TYPE_CHECKING:
    from grader.grading.grade import Grade

CANNOT_GRADE = 2


class UsageError(Exception):
    """Bad arguments; exit 2 with the message."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> Parser:
    parser = Parser(prog="torcino-grade", description="Grade lesson 8 submissions (Torcino layers in NumPy).")
    parser.add_argument("--version", action="version", version=f"torcino-grader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    grade = commands.add_parser("grade", help="grade one submission and write results.json")
    grade.add_argument("submission", help="a .py, .ipynb or .zip file, or a directory")
    grade.add_argument("--out", required=True, help="directory for results.json")
    grade.add_argument("--rubric", default="lesson8", help="a rubric name from rubrics/ or a path (default lesson8)")
    grade.add_argument(
        "--data", default=None, help="MNIST: the lesson's .npy directory or a mnist.npz (default: bundled)"
    )
    grade.add_argument("--seed", type=int, default=None, help="reproduce a run: the seed its results recorded")
    grade.add_argument(
        "--mode",
        choices=("auto", "instructor", "public"),
        default="auto",
        help="expected values from the reference (instructor) or the public fixtures (public); "
        "auto: instructor when the reference is installed (default)",
    )
    grade.add_argument("--fail-under", type=float, default=None, help="exit 1 when the score is below this")
    grade.add_argument(
        "--sandbox",
        choices=CHOICES,
        default="auto",
        help="auto: the first tier that works here, bubblewrap then landlock (default); "
        "bubblewrap or landlock: that tier, required; none: process limits only",
    )
    grade.add_argument(
        "--instructor", action="store_true", help="render every item's details in report.html, hidden ones included"
    )
    grade.add_argument(
        "--no-step-summary",
        action="store_true",
        help="do not append summary.md to $GITHUB_STEP_SUMMARY (a later step of the job does)",
    )
    batch = commands.add_parser("batch", help="grade a directory of submissions: gradebook and class overview")
    batch.add_argument(
        "directory", help="one entry per submission (.py, .ipynb, .zip or a folder), or a Gradescope export"
    )
    batch.add_argument("--out", required=True, help="directory for OUT/<student>/, grades.csv and index.html")
    batch.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default: the number of cores)"
    )
    batch.add_argument("--rubric", default="lesson8", help="a rubric name from rubrics/ or a path (default lesson8)")
    batch.add_argument(
        "--data", default=None, help="MNIST: the lesson's .npy directory or a mnist.npz (default: bundled)"
    )
    batch.add_argument("--force", action="store_true", help="regrade everything, even unchanged submissions")
    batch.add_argument("--sandbox", choices=CHOICES, default="auto")
    batch.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local: a pool of processes on this machine; dask: an existing Dask cluster",
    )
    batch.add_argument("--scheduler", default=None, help="with --executor dask: the scheduler, e.g. tcp://host:8786")
    batch.add_argument("--no-similarity", action="store_true", help="do not compare the submissions' code")
    batch.add_argument(
        "--similarity-threshold",
        type=float,
        default=None,
        help="flag pairs from this share of a submission's code (default: the rubric's flag_threshold)",
    )
    cli_records.add_commands(commands, Parser)
    return parser


def check_output_directory(path: str | Path, option: str = "--out") -> None:
    """OUT must be a directory that can be written (created if missing): checked once the other
    arguments are, before grading."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise UsageError(f"{option} {path}: cannot be written ({error.strerror or error})") from None


def check_inputs(args: argparse.Namespace) -> None:
    """Every path argument, before anything is graded: a one-line UsageError for the first bad one."""
    inputs: list[tuple[str, tuple[str, ...]]] = (
        [(args.submission, ("file", "directory"))] if args.command == "grade" else [(args.directory, ("directory",))]
    )
    if args.data is not None:
        inputs.append((args.data, ("file", "directory")))
    if os.path.lexists(args.rubric):  # a path, not a name from rubrics/
        inputs.append((args.rubric, ("file",)))
    for path, kinds in inputs:
        problem = path_problem(path, kinds)
        if problem is not None:
            raise UsageError(problem)
    problem = path_problem(args.out, ("directory",))
    if problem is not None and "no such file" not in problem:
        raise UsageError(f"--out {problem}")


def command_batch(args: argparse.Namespace, stream: TextIO) -> int:
    from grader.classroom.batch import Settings, run_batch
    from grader.classroom.executors import dask_executor

    load_rubric(args.rubric)  # a bad rubric stops the batch before anything runs
    grading_mode("instructor")
    if args.data is not None:
        from grader.lenet.data import load_mnist

        load_mnist(args.data)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.executor == "dask" and not args.scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
    check_output_directory(args.out)
    executor = dask_executor(args.scheduler) if args.executor == "dask" else None
    settings = Settings(rubric=str(args.rubric), data=args.data, sandbox=args.sandbox)
    summary = run_batch(
        args.directory,
        args.out,
        settings,
        jobs=args.jobs,
        force=args.force,
        executor=executor,
        similarity=not args.no_similarity,
        similarity_threshold=args.similarity_threshold,
    )
    out = Path(args.out)
    state = "interrupted; " if summary["interrupted"] else ""
    print(
        f"{state}{summary['written']} of {summary['submissions']} submissions in {out}: {summary['graded']} graded, "
        f"{summary['error']} errors, {summary['timeout']} timeouts; {summary['kept']} unchanged kept, "
        f"{summary['restored']} restored from history, {summary['skipped']} entries skipped; "
        f"{summary['changed']} changed since the last run; {summary['seconds']:.1f} s -> {out / 'grades.csv'}, "
        f"{out / 'changes.csv'}, {out / 'index.html'}",
        file=stream,
    )
    similar = summary["similarity"]
    if similar:
        print(
            f"similarity: {similar['compared']} pairs ({similar['computed']} compared now, the rest cached), "
            f"{similar['listed']} at or above {similar['floor']:.0%}, {similar['flagged']} flagged at "
            f"{similar['threshold']:.0%} -> {out / 'similarity.csv'}",
            file=stream,
        )
    return 130 if summary["interrupted"] else 0


def print_table(grade: "Grade", stream: TextIO) -> None:
    """The per-item table and the total (rich, without colour where the stream is not a terminal)."""
    console = Console(file=stream, highlight=False, width=max(Console(file=stream).width, 100))
    console.print(
        f"torcino-grader {grade.grader_version} | rubric {grade.rubric} | {grade.mode} mode | "
        f"seed {grade.seed} | sandbox {grade.sandbox} | {grade.seconds:.1f} s",
        markup=False,
        soft_wrap=True,
    )
    if grade.error:
        console.print(f"could not load the submission: {grade.error}", markup=False, soft_wrap=True)
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    for justify in ("left", "left", "right", "left"):
        table.add_column(justify=justify, overflow="fold")
    for item in grade.items:
        passed = item.status == "passed"
        why = ""
        if not passed and item.failures:
            why = f"{item.passed}/{item.total} cases; {item.failures[0]['message'].splitlines()[0][:110]}"
            if item.diagnoses:
                why = f"{item.passed}/{item.total} cases; likely cause: {item.diagnoses[0]['title']}"
        table.add_row(
            Text("ok" if passed else "FAIL", style="green" if passed else "bold red"),
            item.id,
            f"{item.score:g} / {item.max_score:g}",
            Text(why),
        )
    table.add_row("", Text("total", style="bold"), f"{grade.score:g} / {grade.max_score:g}", "")
    console.print(table)


def grading_mode(requested: str) -> str:
    """The mode to grade in: auto is instructor when the reference package is installed."""
    available = reference_available()
    if requested == "auto":
        return "instructor" if available else "public"
    if requested == "instructor" and not available:
        raise UsageError(
            "instructor grading needs the reference package, which is not installed here "
            "(the student kit's grader checks in public mode: --mode public)"
        )
    return requested


def command_grade(args: argparse.Namespace, stream: TextIO) -> int:
    from grader.grading.grade import grade as run_grade
    from grader.reports.report import write_reports
    from grader.reports.results import to_results, write_json

    rubric = load_rubric(args.rubric)
    mode = grading_mode(args.mode)
    check_output_directory(args.out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SandboxWarning)
        result = run_grade(args.submission, rubric, seed=args.seed, data=args.data, sandbox=args.sandbox, mode=mode)
    for warning in caught:
        print(f"WARNING: {warning.message}", file=sys.stderr)
    path = Path(args.out) / "results.json"
    results = to_results(result)
    write_json(results, path)
    report, _ = write_reports(
        results,
        args.out,
        instructor=args.instructor,
        submission_path=args.submission,
        step_summary=not args.no_step_summary,
    )
    print_table(result, stream)
    print(f"results: {path}\nreport:  {report}", file=stream)
    if args.fail_under is not None and result.score < args.fail_under:
        print(f"score {result.score:g} is below --fail-under {args.fail_under:g}", file=stream)
        return 1
    return 0


def main(argv: Sequence[str] | None = None, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        if args.command in cli_records.COMMANDS:
            return cli_records.run(args, stream)
        check_inputs(args)
        return command_batch(args, stream) if args.command == "batch" else command_grade(args, stream)
    except (UsageError, RubricError, DataError, SandboxUnavailable, BatchError, FixtureError, ExportError) as error:
        print(f"torcino-grade: error: {error}", file=sys.stderr)
        return CANNOT_GRADE


if __name__ == "__main__":
    sys.exit(main())
