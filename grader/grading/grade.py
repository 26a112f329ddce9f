"""Grade one submission: run the checks against it in the sandbox and score them with the rubric.

grade() loads the submission in a sandbox, starts the LeNet run in a second one, runs the checks
(pytest, in this process, with pytest-json-report), closes both sandboxes and returns a Grade: the
per-item scores with every failing case's message and details, and what the report needs.
Nothing of the submission runs in this process; the results are computed and written here after
the workers are gone.
"""

import contextlib
import io
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypedDict, cast

import pytest
from pytest_jsonreport.plugin import JSONReport

import grader
from grader.checks.context import ContextPlugin, GradingContext
from grader.grading.oracle import FixtureError, Oracle, Recording, default_oracle
from grader.grading.policy import PolicyOutcome, apply_policy, check_before_running, deduplicate, runtime_findings
from grader.grading.rubric import Rubric
from grader.grading.scoring import Diagnostics, ItemResult, failed_everything, score
from grader.lenet.data import lenet_data
from grader.lenet.run import LenetRun
from grader.misconceptions.items import diagnose_items, predictor_for, record_all
from grader.sandbox.isolation import choose_mode
from grader.sandbox.prepare import SubmissionError, prepare, submission_sha256
from grader.sandbox.runner import Limits, Sandbox

CHECKS = Path(__file__).resolve().parent.parent / "checks"


class GradeLoad(TypedDict, total=False):
    """How the submission loaded (the sandbox's load report): the lesson's names found (name -> module)
    and missing, the loader's notes, the modules it imported, and how it was prepared (notes, kind)."""

    found: dict[str, str]
    missing: list[str]
    notes: list[Any]
    imports: list[Any]
    prepare_notes: list[str]
    kind: str


@dataclass
class Grade:
    submission: str
    score: float
    max_score: float
    items: list[ItemResult]
    rubric: str
    rubric_sha256: str
    seed: int
    mode: str
    sandbox: str
    submission_sha256: str
    seconds: float
    grader_version: str = grader.__version__
    graded_at: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    load: GradeLoad = field(default_factory=lambda: GradeLoad())
    diagnostics: Diagnostics = field(default_factory=lambda: Diagnostics())
    incidents: list[dict[str, Any]] = field(default_factory=list)
    output: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    policy: PolicyOutcome | None = None  # None: the submission did not load, no policy applied

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def limits_from(rubric: Rubric, sandbox: str = "auto") -> Limits:
    settings = rubric.limits
    return Limits(
        call_seconds=settings.call_seconds,
        total_seconds=settings.total_seconds,
        memory_bytes=settings.memory_mb << 20,
        output_bytes=settings.output_kb << 10,
        disk_bytes=settings.disk_mb << 20,
        sandbox=sandbox,
    )


PYTEST_ENVIRONMENT: dict[str, str | None] = {
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    "PYTEST_PLUGINS": None,
    "PYTEST_ADDOPTS": None,
}


@contextlib.contextmanager
def only_our_plugins() -> Iterator[None]:
    """No pytest plugin or option from the environment (pytest-playwright, pytest-randomly,
    PYTEST_ADDOPTS, ...) reaches the checks' run: the variables of PYTEST_ENVIRONMENT are set (or
    removed) while pytest.main starts, then restored."""
    saved = {name: os.environ.get(name) for name in PYTEST_ENVIRONMENT}
    try:
        for name, value in PYTEST_ENVIRONMENT.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def run_checks(ctx: GradingContext) -> list[dict[str, Any]]:
    """Run the check suite against ctx; the pytest-json-report tests, each with its metadata."""
    plugin = JSONReport()
    args = [
        str(CHECKS),
        "--rootdir",
        str(CHECKS),
        "-c",
        os.devnull,  # no ini file of the caller's applies
        "-qq",
        "--no-header",
        "-p",
        "no:cacheprovider",
        # plugins the checks do not use: the two exception plugins collect garbage several times as
        # the session ends (about 0.1-0.2 s of every grade), the others only hook every test
        *("-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler"),
        *("-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:stepwise"),
        "-p",
        "pytest_jsonreport.plugin",
        "--json-report-file=none",
        "-W",
        "ignore",
        # the failures' messages are the checks' own (conftest.py), a setup error's is the crash line:
        # pytest's long traceback would parse each frame's source and repr its arguments, arrays of
        # the observation log included (2 s of a 2.7 s grade with eight failing diagnostics)
        "--tb=native",
    ]
    console = io.StringIO()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console), only_our_plugins():
        status = pytest.main(args, plugins=[plugin, ContextPlugin(ctx)])  # pytest's report is not ours
    if plugin.report is None or status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        # a check that does not match the lesson (conftest.check_items), or one that cannot be collected
        raise RuntimeError(f"the checks did not run (pytest exit status {status}): {console.getvalue()[-2000:]}")
    return plugin.report.get("tests", [])


def cores() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def safe_sha256(submission: str | Path) -> str:
    """The submission's SHA-256, or "" when it cannot be read at all."""
    try:
        return submission_sha256(submission)
    except (OSError, SubmissionError):
        return ""


def oracle_and_seed(oracle: Oracle | None, mode: str, seed: int | None) -> tuple[Oracle, int]:
    """The grade's oracle (mode's default when None) and seed: the fixtures' own in public mode
    (FixtureError for another one), else the one given, else a fresh one."""
    oracle = oracle or default_oracle(mode)
    if oracle.seed is not None:
        if seed is not None and int(seed) != oracle.seed:
            raise FixtureError(
                f"{oracle.mode} mode checks against fixtures recorded with seed {oracle.seed}, "
                f"so it cannot grade with seed {seed}"
            )
        seed = oracle.seed
    return oracle, secrets.randbelow(2**31) if seed is None else int(seed)


def facts_of(submission: str | Path, rubric: Rubric, oracle: Oracle, seed: int) -> dict[str, Any]:
    """What every Grade of this run records about how it was made."""
    return dict(
        submission=str(submission),
        rubric=rubric.name,
        rubric_sha256=rubric.sha256,
        seed=seed,
        mode=oracle.mode,
        max_score=rubric.total,
    )


def grade(
    submission: str | Path,
    rubric: Rubric,
    seed: int | None = None,
    data: str | Path | None = None,
    sandbox: str = "auto",
    mode: str = "instructor",
    oracle: Oracle | None = None,
    concurrent_lenet: bool | None = None,
    train_lenet: bool = True,
) -> Grade:
    """Grade a submission (a path) against a rubric (rubric.Rubric); returns a Grade.

    seed: the checks' inputs and the LeNet's relabelling (a fresh one when None); data: a source for
    grader.lenet.data.lenet_data;
    sandbox: "auto", "bubblewrap" or "none"; mode: where expected values come from, "instructor"
    (the reference, any seed) or "public" (the fixtures of the student kit, their seed only);
    oracle: an oracle object instead (grader.grading.oracle; recording fixtures); concurrent_lenet: train
    the LeNet while the checks run (one grade uses two cores), or before them (batch grading runs
    one grade per core instead); None: while they run where this process has two cores or more;
    train_lenet=False: leave the LeNet out (the item is "not run", 0
    points: for checking the other items on many seeds). Raises SandboxUnavailable, data.DataError and oracle.FixtureError
    (the grader cannot grade); a submission that cannot be loaded is graded 0 with the reason.
    """
    started = time.perf_counter()
    # the tier, chosen once here (SandboxUnavailable, or the fallback's warning, in this thread): both
    # sandboxes then run in it, and the LeNet's thread never meets a tier that cannot run
    limits = limits_from(rubric, choose_mode(sandbox))
    with tempfile.TemporaryDirectory(prefix="torcino-grade-") as scratch:
        try:  # once per grade: the policy reads this copy, and each worker starts on a copy of it
            prepared = prepare(submission, Path(scratch) / "pristine")
        except SubmissionError as error:
            oracle, seed = oracle_and_seed(oracle, mode, seed)
            grade_facts = facts_of(submission, rubric, oracle, seed)
            items = failed_everything(rubric, f"the submission could not be loaded: {error}")
            return Grade(
                score=0.0,
                items=items,
                sandbox=limits.sandbox,
                submission_sha256=safe_sha256(submission),
                seconds=time.perf_counter() - started,
                error=str(error),
                **grade_facts,
            )
        box = Sandbox(submission, limits, prepared=prepared, names=rubric.lesson.names)
        box.start_in_background()  # its worker starts now, while the rest of the set-up and pytest's collection run
        lenet: LenetRun | None = None
        try:
            oracle, seed = oracle_and_seed(oracle, mode, seed)  # public mode reads its fixtures meanwhile
            grade_facts = facts_of(submission, rubric, oracle, seed)
            if train_lenet:
                mnist = lenet_data(data, instructor=oracle.reference is not None)
                lenet = LenetRun(submission, rubric, mnist, limits, oracle.reference, seed, prepared=prepared)
                background = cores() >= 2 if concurrent_lenet is None else concurrent_lenet
                lenet.start(background=background)  # its worker starts while the checks' one does
            sources, static = check_before_running(prepared.root, rubric.policy)  # reads the code, runs nothing
            ctx = GradingContext(box=box, oracle=oracle, rubric=rubric, seed=seed, lenet=lenet)
            tests = run_checks(ctx)
            box.wait_started()  # what start() raised, when it failed: the checks could not run
            items, diagnostics = score(tests, rubric)
            predictor = predictor_for(oracle)
            if isinstance(oracle, Recording):
                record_all(ctx.observation_log, predictor)
            diagnose_items(items, tests, ctx.observations, predictor, rubric)
            diagnostics.update(ctx.diagnostics)
            if lenet is not None:
                lenet.finish()
                if oracle.reference is not None:
                    lenet.time_reference(oracle.reference)
                diagnostics["lenet"] = lenet.summary()
        finally:
            box.close()
            if lenet is not None:
                lenet.finish()  # never leave its sandbox running on a scratch folder about to go
    findings = deduplicate(static + runtime_findings(box.load_report.get("imports"), rubric.policy, sources))
    items, total, policy = apply_policy(items, findings, rubric.policy)
    return Grade(
        score=total,
        items=items,
        sandbox=box.mode,
        policy=policy,
        submission_sha256=prepared.sha256,
        seconds=time.perf_counter() - started,
        load=cast(GradeLoad, {**box.load_report, "prepare_notes": prepared.notes, "kind": prepared.kind}),
        diagnostics=diagnostics,
        incidents=box.incidents,
        output=box.output,
        **grade_facts,
    )
