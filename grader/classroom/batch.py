"""Batch grading: every submission of a class directory, in parallel, resumable, with a gradebook.

    run_batch(directory, out, settings, jobs=2)

Each entry of the directory is one submission (a .py, .ipynb or .zip file, or a folder) named by
its student; a Gradescope export (submission_metadata.yml beside one folder per submission) gives
names and emails. Anything else is listed as skipped. Every submission is graded in its own
sandbox by a pool of processes (or a Dask cluster, grader.classroom.executors); the results come back to
this process, which writes OUT/<student>/{results.json, report.html, summary.md} atomically, then
OUT/grades.csv and OUT/index.html; before those, the code similarity of every pair
(grader.classroom.similarity_report: OUT/similarity.csv and side-by-side pages, cached in OUT/.similarity).
A result is kept while its key (submission SHA-256, rubric
SHA-256, grader version) is unchanged: a run that was interrupted, even by SIGKILL, and started
again grades only what has no result. A lock file keeps two batches from writing one OUT.
Every result written is also archived (grader.classroom.history, OUT/.history/): a key seen before brings
its result back without grading, and OUT/changes.csv (grader.classroom.changes) says whose grade moved and why.
"""

import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypedDict

import grader
from grader.classroom import history
from grader.classroom.batch_order import slow_first
from grader.classroom.changes import Change, changes_csv, compare
from grader.classroom.class_folder import BatchError, Entry, Skipped, discover
from grader.classroom.gradebook import BatchRow, PolicyCell, gradebook_csv
from grader.grading.grade import safe_sha256
from grader.reports.progress import ProgressBar
from grader.reports.results import write_json, write_text

if TYPE_CHECKING:
    from grader.classroom.similarity_report import SimilaritySummary
    from grader.grading.rubric import Rubric

LOCK = ".batch.lock"


@dataclass(frozen=True)
class Settings:
    """What every grading of the batch shares (picklable, sent to the workers)."""

    rubric: str = "lesson8"
    data: str | None = None
    sandbox: str = "auto"
    seed: int | None = None


class Outcome(TypedDict):
    """What grade_task sends back: the row, and the files of a graded submission (None otherwise)."""

    row: BatchRow
    results: dict[str, Any] | None
    report: str | None
    summary: str | None


def batch_key(submission_sha256: str, rubric: "Rubric") -> str:
    return f"{submission_sha256}:{rubric.sha256}:{grader.__version__}"


def grade_task(entry: Entry, settings: Settings, out_dir: str | None = None) -> Outcome:
    """Grade one entry (in a worker process); returns {"row", "results", "report", "summary"}.

    Never raises for the submission: a submission that cannot be graded comes back as a row with
    status "error". Runs the LeNet before the checks, so that one grade uses one core.
    """
    from grader.grading.grade import grade
    from grader.grading.rubric import load_rubric
    from grader.reports.report import render_html, render_markdown
    from grader.reports.results import to_results

    started = time.perf_counter()
    rubric = load_rubric(settings.rubric)
    results: dict[str, Any] | None
    try:
        result = grade(
            entry.path, rubric, seed=settings.seed, data=settings.data, sandbox=settings.sandbox, concurrent_lenet=False
        )
        results = to_results(result)
        status = "timeout" if any(i["kind"] == "budget" for i in result.incidents) else "graded"
        status = "error" if result.error else status
        error = result.error
    except Exception as failure:  # noqa: BLE001 - one submission must never stop the batch
        results, status, error = None, "error", f"{type(failure).__name__}: {failure}"
    duration = time.perf_counter() - started
    sha256 = entry.sha256 or safe_sha256(entry.path)  # the original's, even when it travelled as a zip
    if results:
        results["extra_data"]["submission_sha256"] = sha256
    row = BatchRow(
        student=entry.student,
        name=entry.name,
        email=entry.email,
        score=results["score"] if results else 0.0,
        max_score=rubric.total,
        status=status,
        items={test["name"]: test["score"] for test in results["tests"]} if results else {},
        duration=round(duration, 3),
        sandbox=results["extra_data"]["sandbox"] if results else "",
        sha256=sha256,
        report=f"{entry.student}/report.html" if results else "",
        error=error or "",
        key=batch_key(sha256, rubric),
        policy=policy_cells(results),
        diagnoses=diagnosis_ids(results),
    )
    if results:
        results["extra_data"]["batch"] = row.to_dict()
    submission_path = f"{Path(entry.path).name}"
    return {
        "row": row,
        "results": results,
        "report": render_html(results, submission_path=submission_path, out_dir=".") if results else None,
        "summary": render_markdown(results) if results else None,
    }


def policy_cells(results: dict[str, Any] | None) -> tuple[PolicyCell, ...]:
    """The import policy's findings of a graded submission, short: PolicyCells."""
    findings = ((results or {}).get("extra_data", {}).get("policy") or {}).get("findings", [])
    return tuple(PolicyCell(f["name"], f["where"], f["rule"]) for f in findings)


def diagnosis_ids(results: dict[str, Any] | None) -> tuple[str, ...]:
    """The ids of the misconceptions named on a graded submission's failing items, in item order."""
    tests = (results or {}).get("tests", [])
    return tuple(d["id"] for test in tests for d in test.get("extra_data", {}).get("diagnoses", []))


def failed_outcome(entry: Entry, rubric: "Rubric", error: str) -> Outcome:
    """The outcome of an entry whose grading itself failed: a row with status error, no files."""
    sha256 = entry.sha256 or safe_sha256(entry.path)
    row = BatchRow(
        student=entry.student,
        name=entry.name,
        email=entry.email,
        max_score=rubric.total,
        status="error",
        sha256=sha256,
        error=error,
        key=batch_key(sha256, rubric),
    )
    return {"row": row, "results": None, "report": None, "summary": None}


def write_outcome(outcome: Outcome, out: str | Path) -> None:
    """Write one graded submission under out/<student>/ (atomically, file by file); results.json
    last, so that its presence means the other two are there. The result it replaces and the new
    one are archived first, in OUT/.history (grader.classroom.history)."""
    folder = Path(out) / outcome["row"].student
    history.keep_current(out, history.folder_row(folder))
    _write_files(outcome, history.new_folder(out, outcome["row"]))
    _write_files(outcome, folder)


def _write_files(outcome: Outcome, folder: Path) -> None:
    results, report, summary = outcome["results"], outcome["report"], outcome["summary"]
    if results is None or report is None or summary is None:  # graded, a submission has all three
        (folder / "results.json").unlink(missing_ok=True)
        write_json({"row": outcome["row"].to_dict()}, folder / "row.json")
        return
    (folder / "row.json").unlink(missing_ok=True)
    write_text(report, folder / "report.html")
    write_text(summary, folder / "summary.md")
    write_json(results, folder / "results.json")


def existing_row(entry: Entry, out: str | Path) -> BatchRow | None:
    """The BatchRow recorded for entry in out (results.json, or row.json for an error), or None."""
    return history.folder_row(Path(out) / entry.student)


class OutLock:
    """An exclusive lock on OUT (flock on OUT/.batch.lock): released by the kernel even if killed."""

    def __init__(self, out: str | Path) -> None:
        self.path = Path(out) / LOCK

    def __enter__(self) -> "OutLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            owner = self.handle.read().strip() or "another process"
            self.handle.close()
            raise BatchError(
                f"{self.path.parent}: another batch ({owner}) is writing here; wait for it to finish "
                "or choose another --out"
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def write_class_files(
    rows: list[BatchRow],
    skipped: Skipped,
    rubric: "Rubric",
    out: str | Path,
    similarity: dict[str, Any] | None = None,
    changes: list[Change] | None = None,
) -> None:
    from grader.classroom.class_report import render_index

    write_text(gradebook_csv(rows, rubric), Path(out) / "grades.csv")
    write_text(changes_csv(changes or []), Path(out) / "changes.csv")
    write_text(render_index(rows, skipped, rubric, similarity=similarity, changes=changes), Path(out) / "index.html")


class BatchSummary(TypedDict):
    """What run_batch did (the command line prints it): entries found, outcomes written (graded now
    or kept from an earlier run), entries skipped, graded / error / timeout counts, whether it was
    interrupted, its duration and the similarity's summary (None when off or interrupted)."""

    submissions: int
    written: int
    graded_now: int | None
    kept: int
    restored: int  # brought back from OUT/.history instead of graded
    changed: int  # rows of changes.csv
    skipped: int
    interrupted: bool
    seconds: float
    similarity: "SimilaritySummary | None"
    graded: int
    error: int
    timeout: int


def run_batch(
    directory: str | Path,
    out: str | Path,
    settings: Settings = Settings(),
    jobs: int | None = None,
    force: bool = False,
    executor: Any = None,
    stream: TextIO | None = None,
    similarity: bool = True,
    similarity_threshold: float | None = None,
) -> BatchSummary:
    """Grade a class directory into out; returns its BatchSummary. executor: an Executor-like object
    with submit(fn, *args) -> future (default: a local process pool of `jobs` workers). similarity:
    compare every pair's code afterwards (the rubric's threshold, or similarity_threshold)."""
    from grader.classroom.similarity import SimilarityError
    from grader.classroom.similarity_report import Comparison, similarity_plan, write_similarity
    from grader.grading.rubric import load_rubric

    started = time.perf_counter()
    rubric = load_rubric(settings.rubric)
    entries, skipped = discover(directory)
    try:
        plan = similarity_plan(rubric, similarity_threshold) if similarity else None
    except SimilarityError as error:
        raise BatchError(str(error)) from None
    with OutLock(out):
        rows: dict[str, BatchRow] = {}
        previous: dict[str, BatchRow] = {}  # the last run's rows, for changes.csv
        restored: set[str] = set()  # brought back from OUT/.history instead of graded
        todo: list[Entry] = []
        entries = [replace(entry, sha256=safe_sha256(entry.path)) for entry in entries]
        for entry in entries:
            row, key = existing_row(entry, out), batch_key(entry.sha256, rubric)
            previous.update({entry.student: row} if row is not None else {})
            if not force and row is not None and row.key == key:
                rows[entry.student] = row
            elif not force and (earlier := history.restore(out, row, entry.student, key)) is not None:
                rows[entry.student] = earlier
                restored.add(entry.student)
            else:
                todo.append(entry)
        interrupted = False
        comparison = Comparison(plan, entries, out).start() if plan else None  # while the class is graded
        bar = ProgressBar(len(todo), "grading", stream=stream)
        pool = executor or _local_pool(jobs)
        try:
            futures = {pool.submit(grade_task, entry, settings): entry for entry in slow_first(todo)}
            for done, future in enumerate(_as_completed(pool, futures), start=1):
                try:
                    outcome = future.result()
                except Exception as failure:  # noqa: BLE001 - e.g. a grading process killed by the system
                    outcome = failed_outcome(futures[future], rubric, f"the grading process failed: {failure!r}")
                write_outcome(outcome, out)
                rows[outcome["row"].student] = outcome["row"]
                bar.update(done, f"{outcome['row'].student}: {outcome['row'].score:g} ({outcome['row'].status})")
        except KeyboardInterrupt:
            interrupted = True
        finally:
            _shutdown(pool, interrupted)
        ordered = [rows[e.student] for e in entries if e.student in rows]
        similar = None
        try:
            similar = (
                write_similarity(plan, comparison, ordered, out) if plan and comparison and not interrupted else None
            )
        except KeyboardInterrupt:
            interrupted = True
        changes = compare(previous, rows, frozenset(restored))
        write_class_files(
            ordered,
            skipped,
            rubric,
            out,
            dict(similar) if similar else {"off": True, "interrupted": interrupted},
            changes,
        )
    return BatchSummary(
        submissions=len(entries),
        written=len(ordered),
        graded_now=len(todo) if not interrupted else None,
        kept=len(entries) - len(todo) - len(restored),
        restored=len(restored),
        changed=len(changes),
        skipped=len(skipped),
        interrupted=interrupted,
        seconds=time.perf_counter() - started,
        similarity=similar,
        graded=sum(r.status == "graded" for r in ordered),
        error=sum(r.status == "error" for r in ordered),
        timeout=sum(r.status == "timeout" for r in ordered),
    )


def _local_pool(jobs: int | None) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(max_workers=jobs or os.cpu_count(), mp_context=multiprocessing.get_context("spawn"))


def _as_completed(pool: Any, futures: Iterable[Future[Outcome]]) -> Iterator[Future[Outcome]]:
    if hasattr(pool, "as_completed"):
        return pool.as_completed(futures)
    from concurrent.futures import as_completed

    return as_completed(futures)


def _shutdown(pool: Any, interrupted: bool) -> None:
    if hasattr(pool, "shutdown"):
        pool.shutdown(wait=not interrupted, cancel_futures=True)
