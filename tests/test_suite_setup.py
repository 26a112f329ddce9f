"""The suite's own set-up: what `make test` relies on to run on both cores without repeating work."""

import pytest


@pytest.mark.xdist_group("suite-setup-probe")
def test_xdist_groups_take_effect(request):
    """Under `--dist loadgroup` a grouped test's id carries its group, which is how pytest-xdist sends a
    group to one worker (the expensive fixtures and the shared grades rely on it). pytest 9.2 broke this
    silently for pytest-xdist 3.8 (pyproject.toml pins the tests' pytest below it)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup (make test does)")
    assert request.node.nodeid.endswith("@suite-setup-probe"), request.node.nodeid
