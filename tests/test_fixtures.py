"""Public mode: the committed fixtures are what the reference answers, a replay answers exactly
what was recorded and refuses anything else, and a submission that hard-codes the fixtures passes
the kit's checks but not the instructor's grading."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from grader.grading.oracle import (
    FIXTURES,
    PUBLIC_SEED,
    REFERENCE_MARKER,
    FixtureError,
    Recording,
    Replay,
    reference_available,
)
from grader.numerics import relative_error
from scripts.make_fixtures import record
from tests.helpers.grading_support import grade_path, items_of

CHEATER = Path(__file__).resolve().parent / "cheaters" / "hardcoded_fixtures.py"
RESULT_RTOL = 1e-9  # float64 results of the same code: only the last bits may differ between machines


def differences(got, want, where):
    """Where two decoded event values differ (arrays by relative error, the rest exactly)."""
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray) or got.shape != want.shape or got.dtype != want.dtype:
            return [f"{where}: {getattr(got, 'shape', got)} vs {want.shape} {want.dtype}"]
        return (
            []
            if relative_error(got, want) <= RESULT_RTOL
            else [f"{where}: relative error {relative_error(got, want):.3g}"]
        )
    if isinstance(want, (list, tuple)):
        if not isinstance(got, type(want)) or len(got) != len(want):
            return [f"{where}: {got!r} vs {want!r}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=False)) for d in differences(g, w, f"{where}[{i}]")]
    if type(got) is not type(want) or got != want:
        return [f"{where}: {got!r} vs {want!r}"]
    return []


def test_the_committed_fixtures_are_what_the_reference_answers(tmp_path):
    saved = record().save(tmp_path / "fresh.npz")
    again = record().save(tmp_path / "again.npz")
    assert saved.read_bytes() == again.read_bytes()  # `make fixtures` twice: the same bytes
    fresh = Replay(saved)
    committed = Replay(FIXTURES)
    assert committed.seed == fresh.seed == PUBLIC_SEED
    assert sorted(committed.tests) == sorted(fresh.tests), "checks added or removed: run `make fixtures`"
    found = []
    for test in sorted(fresh.tests):
        got, want = committed.events(test), fresh.events(test)
        assert [(e["op"], e["target"], e["name"]) for e in got] == [(e["op"], e["target"], e["name"]) for e in want], (
            test
        )
        for number, (g, w) in enumerate(zip(got, want, strict=False)):
            for key in ("args", "kwargs", "result"):
                found += differences(g[key], w[key], f"{test} event {number} {key}")
    assert not found, "the committed fixtures disagree with the reference (run `make fixtures`):\n" + "\n".join(
        found[:10]
    )


@pytest.fixture
def tiny_fixtures(tmp_path):
    """A recording of one check's conversation: a Linear(3, 2) given parameters, then forward."""
    recording = Recording(seed=PUBLIC_SEED, module=reference)
    ref = recording.session("test_tiny")
    layer = ref.Linear(3, 2)
    layer.weight, layer.bias = np.arange(6.0).reshape(2, 3), np.ones(2)
    assert getattr(layer, "nothing", None) is None
    expected = layer.forward(np.ones((4, 3)))
    return Replay(recording.save(tmp_path / "tiny.npz")), expected


TINY_WEIGHT = np.arange(6.0).reshape(2, 3)


def replay_tiny(replay, x, name="Linear", weight=TINY_WEIGHT):
    ref = replay.session("test_tiny")
    layer = getattr(ref, name)(3, 2)
    layer.weight, layer.bias = weight, np.ones(2)
    assert getattr(layer, "nothing", None) is None
    return layer.forward(x)


def test_a_replay_answers_what_was_recorded(tiny_fixtures):
    replay, expected = tiny_fixtures
    got = replay_tiny(replay, np.ones((4, 3)))
    assert np.array_equal(got, expected) and np.array_equal(got, np.full((4, 2), [4.0, 13.0]))


@pytest.mark.parametrize(
    "change, words",
    [
        ({"x": np.zeros((4, 3))}, "arguments differ"),
        ({"x": np.ones((5, 3))}, "arguments differ"),
        ({"weight": np.zeros((2, 3))}, "arguments differ"),
        ({"name": "Conv2d"}, "asked for construct Conv2d"),
    ],
)
def test_a_replay_refuses_questions_that_were_not_recorded(tiny_fixtures, change, words):
    replay, _ = tiny_fixtures
    arguments = {"x": np.ones((4, 3)), **change}
    with pytest.raises(FixtureError, match=words) as error:
        replay_tiny(replay, **arguments)
    assert "make fixtures" in str(error.value)


def test_a_check_without_fixtures_and_a_broken_file_are_fixture_errors(tiny_fixtures, tmp_path):
    replay, _ = tiny_fixtures
    with pytest.raises(FixtureError, match="no public fixtures for test_other"):
        replay.session("test_other")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip")
    with pytest.raises(FixtureError, match=r"broken\.npz: cannot read the public fixtures"):
        Replay(broken)
    future = tmp_path / "future.npz"
    np.savez(future, __index__=np.array('{"format": 99, "seed": 8, "tests": {}}'))
    with pytest.raises(FixtureError, match="fixture format 99, expected 1"):
        Replay(future)


def test_public_mode_grades_with_the_fixtures_seed_only(tmp_path):
    with pytest.raises(FixtureError, match=f"recorded with seed {PUBLIC_SEED}"):
        grade_path(Path(reference.__file__).parent, seed=PUBLIC_SEED + 1, mode="instructor", oracle=Replay(FIXTURES))


CHEATED = {"conv2d.forward", "maxpool2d.forward", "linear.forward", "loss"}  # cache and accumulation compare a
# submission with itself, so no recorded answer helps there


def test_hardcoding_the_public_fixtures_passes_the_kit_but_not_the_instructors_grading(tmp_path):
    submission = tmp_path / "cheater"
    submission.mkdir()
    shutil.copy(CHEATER, submission / "torcino.py")
    shutil.copy(FIXTURES, submission / "public.npz")
    public, instructor = grade_path(submission, mode="public"), grade_path(submission, seed=4, mode="instructor")
    public_items, instructor_items = items_of(public), items_of(instructor)
    for item in CHEATED:
        assert public_items[item].score == public_items[item].max_score, (item, public_items[item].failures[:1])
        assert instructor_items[item].score == 0, item
    cheated_points = sum(public_items[item].max_score for item in CHEATED)
    assert instructor.score <= public.score - cheated_points, (public.score, instructor.score)


@pytest.mark.parametrize("marker, expected", [(False, False), (True, True)], ids=["foreign package", "with the marker"])
def test_instructor_mode_needs_this_projects_reference_not_any_package_named_reference(
    tmp_path, monkeypatch, marker, expected
):
    """A package merely named `reference` (here first on sys.path) does not switch auto to instructor mode."""
    package = tmp_path / "reference"
    package.mkdir()
    (package / "__init__.py").write_text("raise SystemExit('imported!')\n")
    if marker:
        (package / REFERENCE_MARKER).write_text("marker\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "reference", raising=False)
    assert reference_available() is expected
