"""Loading a submission: every accepted format, the fallbacks, and what is refused."""

import time
import zipfile

import numpy as np
import pytest

import reference
from grader.sandbox.errors import BadReply, BudgetExceeded, CallTimeout, MissingName, StaleObject, SubmissionRaised
from grader.sandbox.prepare import SubmissionError, prepare, submission_sha256
from grader.sandbox.runner import REQUIRED_NAMES, Limits, Sandbox
from tests.helpers.submission_formats import KINDS, build

LIMITS = Limits(call_seconds=3.0)


def conv_output(api):
    """Conv2d(2, 3, 3, stride=2, padding=1) forward on fixed weights, through api."""
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    x = rng.standard_normal((2, 2, 7, 6)).astype(np.float32)
    layer = api.Conv2d(2, 3, 3, stride=2, padding=1)
    layer.weight = weight
    return layer.forward(x)


def sandbox(path, limits=LIMITS, names=REQUIRED_NAMES):
    box = Sandbox(path, limits, names)
    box.start()
    return box


@pytest.mark.parametrize("kind", KINDS)
def test_every_format_loads_the_same_classes(tmp_path, kind):
    with Sandbox(build(kind, tmp_path), LIMITS) as box:
        assert box.load_report["missing"] == []
        assert sorted(box.load_report["found"]) == sorted(REQUIRED_NAMES)
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))
        notes = box.load_report["notes"]
        if kind.endswith("notebook"):
            skipped = [note["message"] for note in notes if note["kind"] == "skipped-cell"]
            assert len(skipped) == 2 and "np.load" not in str(box.output)
            assert any("train_images.npy" in message for message in skipped)
        else:
            assert notes == []


def test_a_notebook_keeps_definitions_of_mixed_cells(tmp_path):
    path = build("notebook", tmp_path)
    with Sandbox(path, LIMITS) as box:
        assert box.output == []  # the training cell's print never ran
        model = box.api.Sequential(box.api.Linear(3, 2))
        assert model(np.ones((1, 3), dtype=np.float32)).shape == (1, 2)


TRAINING_SCRIPT = """
import numpy as np
Xtr = np.load("train_images.npy")
"""
LONG_SCRIPT = """
import time
while True:
    time.sleep(0.1)
"""


@pytest.mark.parametrize("script, words", [(TRAINING_SCRIPT, "FileNotFoundError"), (LONG_SCRIPT, "longer than")])
def test_top_level_code_that_fails_or_hangs_falls_back_to_definitions(tmp_path, script, words):
    path = tmp_path / "train.py"
    path.write_text(build("file", tmp_path).read_text() + script)
    with Sandbox(path, Limits(call_seconds=2.0)) as box:
        assert box.load_report["missing"] == []
        assert any(note["kind"] == "definitions-only" and words in note["message"] for note in box.load_report["notes"])
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))


def test_a_sandbox_started_in_the_background_outlives_the_thread_that_started_it(tmp_path):
    """grade() starts the checks' sandbox in a thread (start_in_background) while pytest collects: the
    workers that thread starts (here two: the fallback to definitions respawns) must still answer
    after it has finished starting."""
    path = tmp_path / "train.py"
    path.write_text(build("file", tmp_path).read_text() + TRAINING_SCRIPT)
    box = Sandbox(path, LIMITS)
    try:
        box.start_in_background()
        box.wait_started()
        time.sleep(0.3)  # bwrap --die-with-parent would have killed a worker tied to an ended thread by now
        assert any(note["kind"] == "definitions-only" for note in box.load_report["notes"])
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))
        assert box.incidents == []
    finally:
        box.close()


def test_a_background_start_that_fails_raises_at_wait_started(tmp_path):
    box = Sandbox(tmp_path / "nowhere.py", LIMITS)
    box.start_in_background()
    with pytest.raises(SubmissionError, match="no such file"):
        box.wait_started()
    box.close()  # returns: nothing to wait for


def test_syntax_error_is_reported_with_file_and_line_and_the_rest_still_loads(tmp_path):
    folder = build("flat", tmp_path)
    (folder / "optim.py").write_text("class SGD:\n    def step(self)\n        pass\n")
    with Sandbox(folder, LIMITS) as box:
        assert box.load_report["missing"] == ["SGD"]
        (note,) = [n for n in box.load_report["notes"] if n["kind"] == "syntax-error"]
        assert note["file"] == "optim.py" and note["line"] == 2
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))
        with pytest.raises(MissingName, match="SGD"):
            _ = box.api.SGD


def test_a_missing_name_is_reported_and_the_others_still_work(tmp_path):
    path = build("file", tmp_path)
    path.write_text(path.read_text().replace("class Flatten:", "class Flattener:"))
    with Sandbox(path, LIMITS) as box:
        assert box.load_report["missing"] == ["Flatten"]
        assert box.api.ReLU().forward(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]


def zip_with(tmp_path, entries, symlink=None):
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(
    "entries, symlink, words",
    [
        ({"../evil.py": "x = 1"}, None, "unsafe path"),
        ({"ok/../../evil.py": "x = 1"}, None, "unsafe path"),
        ({"/abs/evil.py": "x = 1"}, None, "unsafe path"),
        ({"a.py": "x = 1"}, "link.py", "symbolic link"),
        ({"big.py": b"0" * (60 << 20)}, None, "larger than"),
    ],
    ids=["traversal", "nested-traversal", "absolute", "symlink", "zip-bomb"],
)
def test_unsafe_archives_are_refused(tmp_path, entries, symlink, words):
    with pytest.raises(SubmissionError, match=words):
        prepare(zip_with(tmp_path, entries, symlink), tmp_path / "out")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


def test_a_repository_is_graded_without_its_hidden_and_tool_folders(tmp_path):
    """`torcino-grade grade .` in a student's repository: .git, .venv, .github, the kit's .grader
    and caches are not part of the submission (neither copied nor fingerprinted)."""
    repository = tmp_path / "repository"
    (repository / "torcino").mkdir(parents=True)
    (repository / "torcino" / "__init__.py").write_text("x = 1\n")
    (repository / "README.md").write_text("mine\n")
    before = submission_sha256(repository)
    for tool in (
        ".git/HEAD",
        ".venv/lib/site.py",
        ".github/workflows/grade.yml",
        ".grader/wheel.whl",
        "torcino/__pycache__/x.pyc",
        "torcino/.hidden.py",
    ):
        (repository / tool).parent.mkdir(parents=True, exist_ok=True)
        (repository / tool).write_text("tool\n")
    prepared = prepare(repository, tmp_path / "out")
    copied = sorted(str(path.relative_to(prepared.root)) for path in prepared.root.rglob("*") if path.is_file())
    assert copied == ["README.md", "torcino/__init__.py"]
    assert submission_sha256(repository) == prepared.sha256 == before


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda d: d / "nowhere.py", "no such file"),
        (lambda d: (d / "not.zip").write_bytes(b"PK\x03\x04 broken") and d / "not.zip", "not a zip"),
        (lambda d: (d / "notes.txt").write_text("hi") and d / "notes.txt", "expected a .py"),
    ],
    ids=["missing", "not-a-zip", "wrong-type"],
)
def test_unusable_submissions_give_a_one_line_error(tmp_path, make, words):
    with pytest.raises(SubmissionError, match=words) as error:
        prepare(make(tmp_path), tmp_path / "out")
    assert "\n" not in str(error.value)


def test_objects_of_a_replaced_worker_are_stale_and_the_rest_goes_on(tmp_path):
    path = tmp_path / "crashy.py"
    path.write_text(build("file", tmp_path).read_text() + "\nimport os\nReLU.backward = lambda self, dY: os._exit(3)\n")
    with Sandbox(path, LIMITS) as box:
        relu = box.api.ReLU()
        relu.forward(np.ones(2))
        with pytest.raises(Exception) as crash:
            relu.backward(np.ones(2))
        assert crash.value.kind == "crash" and "exit code 3" in str(crash.value)
        with pytest.raises(StaleObject):
            box.api.Sequential(relu)
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))
        assert [incident["kind"] for incident in box.incidents] == ["crash"]


def test_the_time_budget_stops_further_calls(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text(
        build("file", tmp_path).read_text() + "\nimport time\nReLU.forward = lambda self, x: time.sleep(0.6) or x\n"
    )
    with Sandbox(path, Limits(call_seconds=5.0, total_seconds=1.0)) as box:
        relu = box.api.ReLU()
        relu.forward(np.ones(2))
        with pytest.raises((CallTimeout, BudgetExceeded)):
            relu.forward(np.ones(2))  # runs past what is left of the budget
        with pytest.raises(BudgetExceeded):
            box.api.ReLU()


def test_a_forged_reply_kills_the_worker_and_is_reported(tmp_path):
    path = tmp_path / "forger.py"
    path.write_text(
        build("file", tmp_path).read_text()
        + (
            "\nimport json, os, sys\n"
            "def forge(self, x):\n"
            "    os.write(json.loads(sys.argv[1])['reply_fd'], b'\\x00\\x00\\x00\\x05nope!')\n"
            "    return x\n"
            "ReLU.forward = forge\n"
        )
    )
    with Sandbox(path, LIMITS) as box:
        with pytest.raises(BadReply):
            box.api.ReLU().forward(np.ones(2))
        np.testing.assert_array_equal(conv_output(box.api), conv_output(reference))


def test_values_that_cannot_cross_safely_are_refused(tmp_path):
    path = tmp_path / "odd.py"
    path.write_text(
        build("file", tmp_path).read_text() + "\nimport numpy as np\n"
        "ReLU.forward = lambda self, x: np.array([object()])\n"
    )
    with Sandbox(path, LIMITS) as box:
        with pytest.raises(SubmissionRaised, match="pickle"):
            box.api.ReLU().forward(np.ones(2))
        assert box.incidents == []


def test_the_workers_start_is_not_counted_against_the_first_call(tmp_path, monkeypatch):
    """A loaded machine can take seconds to start Python and numpy: a per-call limit of 1 s must
    still load a correct submission (the time counts from the worker's ready signal)."""
    from grader.sandbox import process

    slow_boot = "import time; time.sleep(1.5); " + process.BOOT
    monkeypatch.setattr(process, "BOOT", slow_boot)
    with Sandbox(build("file", tmp_path), Limits(call_seconds=1.0, sandbox="none")) as box:
        assert box.load_report["missing"] == [] and not box.incidents
        assert box.api.ReLU().forward(np.ones(3, dtype=np.float32)).tolist() == [1.0, 1.0, 1.0]
