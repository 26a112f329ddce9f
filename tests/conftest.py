"""Shared fixtures; `report` lets a test print figures in the summary at the end of the run."""

import pytest

FIGURES = pytest.StashKey[list]()


@pytest.fixture
def chromium():
    """A Playwright BrowserContext of Debian's chromium for one test (tests/helpers/browser.py); skips without it."""
    from tests.helpers.browser import CHROMIUM, NO_CHROMIUM, chromium_context

    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with chromium_context() as context:
        yield context


def pytest_configure(config):
    config.stash[FIGURES] = []


@pytest.fixture
def report(request):
    """report(line): show line under 'figures' at the end of the test run."""
    return request.config.stash[FIGURES].append


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
