"""Fixtures of the checks; the hooks that parametrise checks from the lesson's declaration
(grader/lesson.py), refuse a check whose item the lesson does not know, and record each case's rubric
item and failure details."""

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from grader.checks.compare import CheckFailure
from grader.checks.context import ContextPlugin, GradingContext
from grader.checks.marks import BEYOND_LESSON
from grader.grading.blame import blame_note
from grader.grading.failures import FailureDetails
from grader.lesson import LESSON, Lesson
from grader.misconceptions.engine import exception_text
from grader.misconceptions.model import Observation
from grader.sandbox.errors import SandboxError, SubmissionRaised

if TYPE_CHECKING:
    from grader.grading.rubric import Tolerances
    from grader.sandbox.runner import Sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "item(id): the rubric item a check counts for")
    config.addinivalue_line(
        "markers", "from_lesson(argnames, params): parametrise argnames with params(lesson) (a list of pytest.param)"
    )


def lesson_of(config: pytest.Config) -> Lesson:
    """The lesson of the grade's rubric (grader.lesson.LESSON when the checks run without a context)."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, ContextPlugin):
            return plugin.context.rubric.lesson
    return LESSON


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A check marked from_lesson(argnames, params) runs once per entry of params(the grade's lesson)."""
    marker = metafunc.definition.get_closest_marker("from_lesson")
    if marker is not None:
        argnames, params = marker.args
        metafunc.parametrize(argnames, params(lesson_of(metafunc.config)))


@pytest.fixture(scope="session")
def box(ctx: GradingContext) -> "Sandbox":
    return ctx.box


@pytest.fixture(scope="session")
def api(ctx: GradingContext) -> Any:  # the submission's namespace, a proxy in the worker
    return ctx.box.api


@pytest.fixture
def ref(ctx: GradingContext, request: pytest.FixtureRequest) -> Any:
    """The reference as this check sees it: live, recorded or replayed (grader.grading.oracle)."""
    return ctx.oracle.session(request.node.nodeid)


@pytest.fixture(scope="session")
def tol(ctx: GradingContext) -> "Tolerances":
    return ctx.rubric.tolerances


@pytest.fixture
def rng(ctx: GradingContext, request: pytest.FixtureRequest) -> np.random.Generator:
    return ctx.rng(request.node.nodeid)


OBSERVATION = pytest.StashKey[Observation]()


@pytest.fixture
def observe(ctx: GradingContext, request: pytest.FixtureRequest) -> Any:
    """observe(kind, cls, spec, **inputs) -> Observation: what this check is about to do to the
    submission (grader.misconceptions.experiments' kind, the class on trial, the case, copies of the
    inputs); record its outputs with Observation.record. The last one of a check is its case's."""

    def start(kind: str, cls: str, spec: Any, **inputs: Any) -> Observation:
        copies = {name: np.array(value, copy=True) for name, value in inputs.items()}
        observation = Observation(kind, cls, spec, copies)
        ctx.observations[request.node.nodeid] = observation
        ctx.observation_log.append((request.node.nodeid, observation))
        request.node.stash[OBSERVATION] = observation
        return observation

    return start


def failure_record(
    error: BaseException, item: str | None = None, lesson: Lesson = LESSON
) -> tuple[str, FailureDetails]:
    """(message, details) for any exception a check of item can end with; an exception raised in
    another item's class names that class and item."""
    if isinstance(error, CheckFailure):
        return str(error), error.details
    if isinstance(error, SubmissionRaised):
        return (
            f"{error.call} raised {error.type_name}: {error.message}{blame_note(error.where, item, lesson)}",
            {"kind": error.kind, "traceback": error.traceback, "raised_in": error.where},
        )
    if isinstance(error, SandboxError):
        return f"{error.call}: {error.detail}", {"kind": error.kind}
    if isinstance(error, AssertionError):
        return str(error), {}
    return f"grader error {type(error).__name__}: {error}", {"kind": "grader"}


def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any]:
    """Added to each test of the JSON report: its item, its case and, when it failed (in its setup
    too: a missing fixture file says so under its own item), why."""
    if call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
        return {}
    marker = item.get_closest_marker("item")
    metadata: dict[str, Any] = {
        "item": marker.args[0] if marker else None,
        "case": item.callspec.id if hasattr(item, "callspec") else item.name,
    }
    if call.excinfo is not None and isinstance(call.excinfo.value, pytest.skip.Exception):
        metadata["skipped"] = str(call.excinfo.value.msg)
    elif call.excinfo is not None:
        error = call.excinfo.value
        metadata["message"], metadata["details"] = failure_record(error, metadata["item"], lesson_of(item.config))
        observation = item.stash.get(OBSERVATION, None)
        if observation is not None and isinstance(error, SubmissionRaised):
            observation.raised = exception_text(error.type_name, error.message)
    return metadata


def scored_item(marked: str) -> str | None:
    """The rubric item a check's item marker counts for ("beyond:x" -> x), None for a diagnostic."""
    if marked.startswith("diagnostic:"):
        return None
    return marked.removeprefix(BEYOND_LESSON)


def check_items(items: list[pytest.Item], known: tuple[str, ...]) -> list[str]:
    """What is wrong between the collected checks and the lesson's items: a check without an item or
    with an item the lesson does not know, an item no check counts for."""
    problems, counted = [], set()
    for test in items:
        marker = test.get_closest_marker("item")
        item = scored_item(marker.args[0]) if marker else ""
        if item is not None and item not in known:
            problems.append(f"{test.nodeid}: item {item!r} is not one of the lesson's ({', '.join(known)})")
        counted.add(item)
    problems += [f"no check counts for the item {item!r}" for item in known if item not in counted]
    return problems


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse (a usage error, with the check's name) checks and a lesson that do not match; then run the
    LeNet check last: it waits for the background training, when everything else is done."""
    problems = check_items(items, lesson_of(config).item_ids)
    if problems:
        raise pytest.UsageError("the checks do not match the lesson: " + "; ".join(problems))
    items.sort(key=lambda test: (test.get_closest_marker("item") or pytest.mark.item("")).args[0] == "lenet")
