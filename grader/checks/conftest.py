"""Fixtures of the checks, and the hook that records each case's rubric item and failure details."""

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from grader.blame import blame_note
from grader.checks.compare import CheckFailure
from grader.checks.context import GradingContext
from grader.failures import FailureDetails
from grader.misconceptions.engine import exception_text
from grader.misconceptions.model import Observation
from grader.sandbox.errors import SandboxError, SubmissionRaised

if TYPE_CHECKING:
    from grader.rubric import Tolerances
    from grader.sandbox.runner import Sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "item(id): the rubric item a check counts for")


@pytest.fixture(scope="session")
def box(ctx: GradingContext) -> "Sandbox":
    return ctx.box


@pytest.fixture(scope="session")
def api(ctx: GradingContext) -> Any:  # the submission's namespace, a proxy in the worker
    return ctx.box.api


@pytest.fixture
def ref(ctx: GradingContext, request: pytest.FixtureRequest) -> Any:
    """The reference as this check sees it: live, recorded or replayed (grader.oracle)."""
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


def failure_record(error: BaseException, item: str | None = None) -> tuple[str, FailureDetails]:
    """(message, details) for any exception a check of item can end with; an exception raised in
    another item's class names that class and item."""
    if isinstance(error, CheckFailure):
        return str(error), error.details
    if isinstance(error, SubmissionRaised):
        return (
            f"{error.call} raised {error.type_name}: {error.message}{blame_note(error.where, item)}",
            {"kind": error.kind, "traceback": error.traceback, "raised_in": error.where},
        )
    if isinstance(error, SandboxError):
        return f"{error.call}: {error.detail}", {"kind": error.kind}
    if isinstance(error, AssertionError):
        return str(error), {}
    return f"grader error {type(error).__name__}: {error}", {"kind": "grader"}


def pytest_json_runtest_metadata(item: pytest.Item, call: pytest.CallInfo[None]) -> dict[str, Any]:
    """Added to each test of the JSON report: its item, its case and, when it failed, why."""
    if call.when != "call":
        return {}
    marker = item.get_closest_marker("item")
    metadata: dict[str, Any] = {
        "item": marker.args[0] if marker else None,
        "case": item.callspec.id if hasattr(item, "callspec") else item.name,
    }
    if call.excinfo is not None and isinstance(call.excinfo.value, pytest.skip.Exception):
        metadata["skipped"] = str(call.excinfo.value.msg)
    elif call.excinfo is not None:
        metadata["message"], metadata["details"] = failure_record(call.excinfo.value, metadata["item"])
        error, observation = call.excinfo.value, item.stash.get(OBSERVATION, None)
        if observation is not None and isinstance(error, SubmissionRaised):
            observation.raised = exception_text(error.type_name, error.message)
    return metadata


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The LeNet check waits for the background training: run it last, when everything else is done."""
    items.sort(key=lambda test: (test.get_closest_marker("item") or pytest.mark.item("")).args[0] == "lenet")
