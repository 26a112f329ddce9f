"""A generated class directory: correct, buggy, hostile, broken and stray entries, and a Gradescope
export, with the status and score each must get."""

from pathlib import Path

from tests.helpers.bug_bank import BY_NAME
from tests.helpers.submission_formats import build

# hangs in four methods, each for configurations the checks use and the LeNet does not (bias=False,
# in == out, padding, a pooling kernel other than 2): a method that timed out is not called again, so
# only several of them use up the time budget, without holding the LeNet item's (generous) training budget
HANGS = """
_linear_init, _linear_forward = Linear.__init__, Linear.forward
_conv_forward, _pool_forward = Conv2d.forward, MaxPool2d.forward


def _hang():
    while True:
        pass


def _init(self, in_features, out_features, bias=True):
    if not bias:
        _hang()
    _linear_init(self, in_features, out_features, bias)


Linear.__init__ = _init
Linear.forward = lambda self, x: _hang() if self.weight.shape[0] == self.weight.shape[1] else _linear_forward(self, x)
Conv2d.forward = lambda self, x: _hang() if tuple(self.padding) != (0, 0) else _conv_forward(self, x)
MaxPool2d.forward = lambda self, x: _hang() if tuple(self.kernel_size) != (2, 2) else _pool_forward(self, x)
"""
EXITS = "\nimport os\nFlatten.forward = lambda self, x: os._exit(3)\n"


def _move(path, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    path.rename(target)
    return target


def make_class(directory, scratch):
    """Write the class into directory (scratch: a folder for building); returns {student: (status, full marks?)}."""
    directory, scratch = Path(directory), Path(scratch)
    directory.mkdir(parents=True)
    expected = {}
    for student, kind in (("alice", "file"), ("bob", "package"), ("carol", "notebook"), ("dave", "zip-package")):
        built = build(kind, scratch / student)
        _move(built, directory / (student + ("" if built.is_dir() else built.suffix)))
        expected[student] = ("graded", True)
    for student, bug in (("erin", "col2im_assigns"), ("frank", "sgd_ignores_lr")):
        _move(build("file", scratch / student, BY_NAME[bug].sources()), directory / f"{student}.py")
        expected[student] = ("graded", False)
    for student, code, status in (("gina", EXITS, "graded"), ("kate", HANGS, "timeout")):
        path = build("file", scratch / student)
        path.write_text(path.read_text() + code)
        _move(path, directory / f"{student}.py")
        expected[student] = (status, False)
    (directory / "henry.py").write_text("class Conv2d(:\n    pass\n")
    (directory / "ivan.py").write_text("")
    (directory / "judy.zip").write_bytes(b"this is not a zip archive")
    expected.update(henry=("graded", False), ivan=("graded", False), judy=("error", False))
    (directory / "notes.txt").write_text("grade these by Friday")
    (directory / ".DS_Store").write_bytes(b"\0")
    return expected


SKIPPED = {"notes.txt", ".DS_Store"}

METADATA = """submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2026-11-20 10:00:00.000000000 +00:00
  :score: 0.0
submission_102:
  :submitters:
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.edu
  :created_at: 2026-11-20 11:00:00.000000000 +00:00
  :score: 0.0
submission_103:
  :submitters:
  - :name: Ghost Student
    :email: ghost@example.edu
"""


def make_gradescope_export(directory, scratch):
    """A Gradescope 'export submissions' folder: metadata plus one folder per submission (103 missing)."""
    directory, scratch = Path(directory), Path(scratch)
    directory.mkdir(parents=True)
    (directory / "submission_metadata.yml").write_text(METADATA)
    _move(build("package", scratch / "ada"), directory / "submission_101")
    folder = directory / "submission_102"
    folder.mkdir()
    _move(build("file", scratch / "alan", BY_NAME["relu_in_place"].sources()), folder / "lesson8.py")
    return {"1815": ("Ada Lovelace", "ada@example.edu", True), "1912": ("Alan Turing", "alan@example.edu", False)}
