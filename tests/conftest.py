"""Shared fixtures; `report` lets a test print figures in the summary at the end of the run.

`make test` runs the suite on both cores (pytest-xdist, `-n 2 --dist loadgroup`). Each xdist worker
builds fixtures for itself, so the tests that use one of EXPENSIVE_FIXTURES (a graded class, a
student kit and its fresh venv, a Gradescope autograder set up, a wheel) go to one worker together,
by module (xdist_group); those fixtures are session-scoped, so that a test of another module run in
between on that worker does not tear them down: each is built once. Grades that several tests judge
(the bug bank's, the correct styles') are made once per worker by `shared_grades`
(tests/helpers/shared_grades.py), the tests that share one grouped by its key. Every test writes
under its own tmp_path.
"""

import pytest

FIGURES = pytest.StashKey["Figures"]()
EXPENSIVE_FIXTURES = {"graded_class", "kit", "runner_python", "autograder", "wheel"}


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """BLAS on one thread in each xdist worker: two workers share the two cores, and a two-threaded BLAS
    in each (the reference's LeNet trained in-process, the calibrations) would oversubscribe them."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session")
def shared_grades():
    """SharedGrades: grade(path, seed, mode, ...) once per xdist worker (tests/helpers/shared_grades.py)."""
    from tests.helpers.shared_grades import SharedGrades

    return SharedGrades()


@pytest.fixture
def chromium():
    """A Playwright BrowserContext of Debian's chromium for one test (tests/helpers/browser.py); skips without it."""
    from tests.helpers.browser import CHROMIUM, NO_CHROMIUM, chromium_context

    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with chromium_context() as context:
        yield context


class Figures:
    """The lines that tests reported (as ("figure", line) user properties, which pytest-xdist sends
    from its workers with each test's report), for the summary at the end of the run."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            self.lines.extend(value for key, value in report.user_properties if key == "figure")


def pytest_configure(config):
    config.stash[FIGURES] = Figures()
    config.pluginmanager.register(config.stash[FIGURES], "torcino-figures")


@pytest.fixture
def report(request):
    """report(line): show line under 'figures' at the end of the test run."""
    return lambda line: request.node.user_properties.append(("figure", line))


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash[FIGURES].lines if FIGURES in config.stash else []
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which reads the groups into the node ids
def pytest_collection_modifyitems(config, items):
    for item in items:
        if EXPENSIVE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
