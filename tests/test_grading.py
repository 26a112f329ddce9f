"""Discrimination: every correct implementation gets full marks, every realistic bug loses the
points of the item it breaks and no others, with a message that names the failing case — in
instructor mode (the live reference, fresh seeds) and in public mode (fixtures recorded from the
reference, as the student kit's)."""

import os
from pathlib import Path

import pytest

from grader.grading.oracle import Replay
from grader.grading.rubric import load_rubric
from grader.reports.report import render_html
from grader.reports.results import to_results
from scripts.make_fixtures import record
from tests.helpers.bug_bank import BUGS, bank_parameters
from tests.helpers.grading_support import grade_path, items_of, lost, rubric_with
from tests.helpers.shared_grades import shared
from tests.helpers.submission_formats import build, completed_style, float64_sources

ROOT = Path(__file__).resolve().parent.parent
STYLES = Path(__file__).resolve().parent / "styles"
CORRECT = {  # style -> (build(tmp_path) -> path, the MaxPool2d tie rule it follows, its file in tests/styles/)
    "reference-package": (lambda tmp: build("package", tmp), "first maximum", None),
    "vectorised-single-file": (lambda tmp: build("file", tmp), "first maximum", None),
    "float64-reference": (lambda tmp: build("file", tmp, float64_sources()), "first maximum", None),
    **{
        name: (lambda tmp, stem=stem: completed_style(stem, tmp), tie_rule, stem)
        for name, stem, tie_rule in (
            ("loop-per-sample", "loop_per_sample", "all maxima"),
            ("lesson-transcript", "lesson_transcript", "all maxima"),
            ("per-window-loops", "per_window_loops", "first maximum"),
            ("strided-einsum", "strided_einsum", "first maximum"),
            ("add-at-col2im-epsilon-log", "add_at_col2im", "first maximum"),
            ("nhwc-optional-arguments", "nhwc_layout", "first maximum"),
            ("float64-all-maxima", "float64_allmax", "all maxima"),
            ("torch-like-module", "torch_like_module", "first maximum"),
        )
    },
}
STYLE_PARAMETERS = [  # the instructor-mode grades over ten seeds are shared with test_diagnosis, by style file
    pytest.param(name, marks=shared(f"style-{stem or name}"), id=name) for name, (_, _, stem) in CORRECT.items()
]
SEEDS = range(1, 11)
SIBLINGS = {
    "conv2d.forward": "conv2d.backward",
    "maxpool2d.forward": "maxpool2d.backward",
    "linear.forward": "linear.backward",
}
SIBLINGS.update({backward: forward for forward, backward in SIBLINGS.items()})


@pytest.fixture(scope="session")
def public_oracle(tmp_path_factory):
    """public_oracle(seed): fixtures recorded from the reference with that seed, replayed."""
    folder, oracles = tmp_path_factory.mktemp("fixtures"), {}

    def oracle(seed):
        if seed not in oracles:
            oracles[seed] = Replay(record(seed, train_lenet=False).save(folder / f"seed{seed}.npz"))
        return oracles[seed]

    return oracle


def not_full(result, exclude=("lenet",)):
    return {
        item.id: item.failures[:1] for item in result.items if item.score < item.max_score and item.id not in exclude
    }


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["instructor", "public"])
@pytest.mark.parametrize("style", STYLE_PARAMETERS)
def test_a_correct_style_gets_full_marks_on_every_seed(tmp_path, style, mode, public_oracle, shared_grades):
    """Every item but the LeNet on ten seeds (the LeNet: next test, and bench/lenet_threshold.py for its
    false failures over seeds and relabellings). Public mode: fixtures recorded with each seed."""
    path, tie_rule = CORRECT[style][0](tmp_path), CORRECT[style][1]
    losses = {}
    for seed in SEEDS:
        if mode == "public":
            result = grade_path(path, seed=seed, mode=mode, oracle=public_oracle(seed), train_lenet=False)
        else:
            result = shared_grades.grade(path, seed=seed, explain_every_case=True).grade
        assert result.mode == mode and result.seed == seed
        if not_full(result):
            losses[seed] = not_full(result)
        assert result.diagnostics["tie_rule"] == tie_rule
    assert not losses, losses


@pytest.mark.slow
@pytest.mark.parametrize("style", list(CORRECT))
def test_a_correct_style_trains_the_lenet_within_its_budget(tmp_path, style):
    """per-window-loops too (390-620x the reference a batch, admitted by the pace rule's 900x)."""
    result = grade_path(CORRECT[style][0](tmp_path), seed=1)
    assert result.score == result.max_score == 100, not_full(result, exclude=())
    lenet = result.diagnostics["lenet"]
    assert lenet["budget_seconds"] > 0 and lenet["calibration"]["source"] == "the reference's LeNet"
    assert lenet["attempts"][-1]["checkpoints"][-1]["accuracy"] >= lenet["threshold"]


@pytest.mark.parametrize("mode", ["instructor", "public"])
def test_the_template_gets_zero_and_says_not_implemented(tmp_path, mode):
    result = grade_path(ROOT / "student_template", seed=3, mode=mode)
    assert result.score == 0
    for item in result.items:
        assert item.score == 0 and item.failures, item.id
        assert "NotImplementedError" in item.failures[0]["message"], (item.id, item.failures[0])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["instructor", "public"])
@pytest.mark.parametrize("bug", bank_parameters())
def test_a_bug_loses_the_points_of_the_item_it_breaks_and_no_others(tmp_path, bug, mode, shared_grades):
    """The LeNet is not trained: a bug may lose it or not (test_lenet.py has the bugs it must fail)."""
    result = shared_grades.grade(build("file", tmp_path, bug.sources()), seed=4, mode=mode).grade
    assert set(bug.items) <= lost(result), (bug.why, sorted(lost(result)))
    allowed = set(bug.items) | {SIBLINGS[item] for item in bug.items if item in SIBLINGS} | {"lenet"}
    assert lost(result) <= allowed, (bug.why, sorted(lost(result) - allowed))
    primary = items_of(result)[bug.items[0]]
    for failure in primary.failures:
        assert failure["message"] and not failure["message"].startswith("grader error"), failure
        assert failure["case"] and failure["message"].split(":")[0].strip(), failure


HOSTILE_PATCHES = [
    # (what the submission does, appended code, item that must fail, words in its message)
    ("loops forever", "ReLU.forward = lambda self, x: [None for _ in iter(int, 1)]", "relu", "timed out"),
    (
        "exits the worker",
        "import os\nFlatten.forward = lambda self, x: os._exit(9)",
        "flatten",
        "killed its worker (exit code 9)",
    ),
    (
        "exhausts memory",
        "import numpy as np\nLinear.forward = lambda self, x: np.ones((8, 1 << 30))",
        "linear.forward",
        "MemoryError",
    ),
    ("misses a name", "del SGD", "sgd", "does not define SGD"),
]


@pytest.mark.parametrize("what, code, item, words", HOSTILE_PATCHES, ids=[p[0] for p in HOSTILE_PATCHES])
def test_runner_failures_are_failed_items_not_crashes(tmp_path, what, code, item, words):
    path = build("file", tmp_path)
    path.write_text(path.read_text() + "\n" + code + "\n")
    result = grade_path(path, rubric=rubric_with(tmp_path, call_seconds="1"), seed=5)
    failures = items_of(result)[item].failures
    assert items_of(result)[item].score == 0 and any(words in f["message"] for f in failures), failures[:2]
    untouched = {"conv2d.forward", "maxpool2d.backward", "loss"} - {item}
    assert not untouched & lost(result), sorted(lost(result))


def test_the_same_seed_reproduces_a_run(tmp_path):
    bug = next(bug for bug in BUGS if bug.name == "col2im_assigns")
    path = build("file", tmp_path, bug.sources())
    first, again = grade_path(path, seed=11), grade_path(path, seed=11)
    other = grade_path(path, seed=12)
    messages = lambda result: [f["message"] for item in result.items for f in item.failures if item.id != "lenet"]  # noqa: E731
    assert messages(first) == messages(again)
    assert messages(first) != messages(other)


LENET_BATCH = load_rubric().lenet.batch_size  # the patches below slow down the LeNet's batches only


def test_a_slow_lenet_fails_with_the_time_per_batch_and_the_slowest_layer(tmp_path):
    path = build("file", tmp_path)
    path.write_text(
        path.read_text() + "\nimport time\n_forward = Conv2d.forward\n"
        f"Conv2d.forward = lambda self, x: (time.sleep(0.2) if len(x) == {LENET_BATCH} else None) or _forward(self, x)\n"
    )
    result = grade_path(path, rubric=rubric_with(tmp_path, time_budget_multiple="5"), seed=6)  # ~40x a batch
    assert lost(result) == {"lenet"}
    (failure,) = items_of(result)["lenet"].failures
    assert "training is too slow for its budget of" in failure["message"] and "ms per batch" in failure["message"]
    assert "the slowest layer is 0: Conv2d" in failure["message"]
    assert len(result.diagnostics["lenet"]["attempts"]) == 1  # stopped at once, no second attempt
    assert result.seconds < 30  # stopped after its first batches, not after the whole run


def test_a_lenet_step_past_the_per_call_limit_ends_the_run(tmp_path):
    path = build("file", tmp_path)
    path.write_text(
        path.read_text() + "\nimport time\n_backward = Linear.backward\n"
        f"Linear.backward = lambda self, dY: (time.sleep(3) if len(dY) == {LENET_BATCH} else None) or _backward(self, dY)\n"
    )
    result = grade_path(path, rubric=rubric_with(tmp_path, call_seconds="1"), seed=6)
    assert lost(result) == {"lenet"}
    lenet = result.diagnostics["lenet"]
    assert "LeNet training, batch 1 (seed 0): took longer than the per-call limit of 1 s" in lenet["error"]
    assert len(lenet["attempts"]) == 1 and result.seconds < 20


@pytest.mark.parametrize(
    "bug, words",
    [
        ("linear_missing_transpose", "(raised in Linear.forward: see the item linear.forward)"),
        ("loss_one_hot_targets", "(raised in SoftmaxCrossEntropyLoss.forward: see the item loss)"),
    ],
)
def test_a_lenet_that_fails_inside_a_class_names_it(tmp_path, bug, words):
    bug = next(b for b in BUGS if b.name == bug)
    result = grade_path(build("file", tmp_path, bug.sources()), seed=2)
    (failure,) = items_of(result)["lenet"].failures
    assert words in failure["message"] and "raised LeNet" not in failure["message"], failure["message"]


def test_the_lenet_stops_at_the_first_checkpoint_that_reaches_the_threshold(tmp_path):
    result = grade_path(build("file", tmp_path), seed=1)
    lenet = result.diagnostics["lenet"]
    (attempt,) = lenet["attempts"]
    reached = [c for c in attempt["checkpoints"] if c["accuracy"] >= lenet["threshold"]]
    settings = load_rubric().lenet
    whole_attempt = settings.epochs * -(-4000 // settings.batch_size)  # batches of the bundled training set
    assert reached == attempt["checkpoints"][-1:] and len(attempt["losses"]) == reached[0]["batch"] < whole_attempt
    calibration = lenet["calibration"]
    assert lenet["budget_seconds"] == pytest.approx(calibration["multiple"] * calibration["seconds"])
    assert 0 < lenet["pace_multiple"] < calibration["multiple"]


def test_public_mode_calibrates_the_budget_with_a_numpy_workload(tmp_path):
    result = grade_path(build("file", tmp_path), mode="public")
    calibration = result.diagnostics["lenet"]["calibration"]
    assert calibration["source"].startswith("a NumPy workload") and 0 < calibration["seconds"] < 60
    assert result.score == 100


def test_beyond_the_lesson_is_a_diagnostic_unless_the_rubric_scores_it(tmp_path):
    lesson = STYLES / "lesson_transcript.py"  # int arguments only, and the slides' -log(p) loss
    default = grade_path(lesson, seed=3, train_lenet=False)
    assert not not_full(default)
    beyond = default.diagnostics["beyond_lesson"]
    failed = {case["item"] for case in beyond if not case["passed"]}
    assert failed == {"conv2d.forward", "conv2d.backward", "maxpool2d.forward", "maxpool2d.backward", "loss"}
    assert "Beyond the lesson (not scored)" in to_results(default)["output"]
    html = render_html(to_results(default))
    assert "Beyond the lesson (not scored)" in html and "MaxPool2d((2, 3))" in html
    rubric = rubric_with(tmp_path, score_beyond_lesson="true")
    scored = grade_path(lesson, rubric=rubric, seed=3, train_lenet=False)
    assert set(not_full(scored)) == failed and "beyond_lesson" not in scored.diagnostics
    assert not not_full(grade_path(build("file", tmp_path), rubric=rubric, seed=3, train_lenet=False))


def test_pytest_plugins_and_options_of_the_environment_do_not_reach_the_checks(tmp_path, monkeypatch):
    (tmp_path / "sabotage.py").write_text("def pytest_collection_modifyitems(items):\n    items.clear()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTEST_PLUGINS", "sabotage")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k nothing_matches")
    result = grade_path(build("file", tmp_path), seed=2, train_lenet=False)
    assert not not_full(result)
    assert os.environ["PYTEST_PLUGINS"] == "sabotage"  # restored


def test_a_grade_prepares_the_submission_once(tmp_path, monkeypatch):
    """The policy, the checks' sandbox and the LeNet's sandbox share one prepared copy."""
    import sys

    from grader.sandbox import prepare as preparing

    original, calls = preparing.prepare, []

    def counted(submission, destination):
        calls.append(str(submission))
        return original(submission, destination)

    for module in list(sys.modules.values()):  # every module that imported prepare by name
        if getattr(module, "prepare", None) is original:
            monkeypatch.setattr(module, "prepare", counted)
    result = grade_path(build("zip-package", tmp_path), seed=2)
    assert result.score == result.max_score and result.diagnostics["lenet"]["attempts"]
    assert len(calls) == 1
