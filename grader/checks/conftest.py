"""Fixtures of the checks, and the hook that records each case's rubric item and failure details."""

import pytest

from grader.blame import blame_note
from grader.checks.compare import CheckFailure
from grader.sandbox.errors import SandboxError, SubmissionRaised


def pytest_configure(config):
    config.addinivalue_line("markers", "item(id): the rubric item a check counts for")


@pytest.fixture(scope="session")
def box(ctx):
    return ctx.box


@pytest.fixture(scope="session")
def api(ctx):
    return ctx.box.api


@pytest.fixture
def ref(ctx, request):
    """The reference as this check sees it: live, recorded or replayed (grader.oracle)."""
    return ctx.oracle.session(request.node.nodeid)


@pytest.fixture(scope="session")
def tol(ctx):
    return ctx.rubric.tolerances


@pytest.fixture
def rng(ctx, request):
    return ctx.rng(request.node.nodeid)


def failure_record(error, item=None):
    """(message, details) for any exception a check of item can end with; an exception raised in
    another item's class names that class and item."""
    if isinstance(error, CheckFailure):
        return str(error), error.details
    if isinstance(error, SubmissionRaised):
        return (f"{error.call} raised {error.type_name}: {error.message}{blame_note(error.where, item)}",
                {"kind": error.kind, "traceback": error.traceback, "raised_in": error.where})
    if isinstance(error, SandboxError):
        return f"{error.call}: {error.detail}", {"kind": error.kind}
    if isinstance(error, AssertionError):
        return str(error), {}
    return f"grader error {type(error).__name__}: {error}", {"kind": "grader"}


def pytest_json_runtest_metadata(item, call):
    """Added to each test of the JSON report: its item, its case and, when it failed, why."""
    if call.when != "call":
        return {}
    marker = item.get_closest_marker("item")
    metadata = {"item": marker.args[0] if marker else None,
                "case": item.callspec.id if hasattr(item, "callspec") else item.name}
    if call.excinfo is not None and call.excinfo.errisinstance(pytest.skip.Exception):
        metadata["skipped"] = str(call.excinfo.value.msg)
    elif call.excinfo is not None:
        metadata["message"], metadata["details"] = failure_record(call.excinfo.value, metadata["item"])
    return metadata


def pytest_collection_modifyitems(items):
    """The LeNet check waits for the background training: run it last, when everything else is done."""
    items.sort(key=lambda test: (test.get_closest_marker("item") or pytest.mark.item("")).args[0] == "lenet")
