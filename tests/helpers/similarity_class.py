"""A generated class for the similarity tests: independent correct solutions, a disguised copy,
two submissions that share only the student template, and one solution in every format.

    class_entries(directory) -> {student: path}

Independent: the reference (vectorised, im2col; as a package), tests/styles/loop_per_sample.py (one image at
a time, as the lesson's slides; a .py) and tests/solutions/windows.py (strided windows and einsum;
a notebook). The copy: the reference disguised by tests/helpers/disguise.py (every local name, parameter and
helper renamed, comments and docstrings dropped, classes shuffled, reformatted), as a .py. The
template pair: the student template, each with a few methods of its own written differently.
"""

import json
from pathlib import Path

from tests.helpers.disguise import disguise
from tests.helpers.submission_formats import build, module_sources, single_source

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "student_template" / "torcino"

OWN_CODE = {
    "tina": """

def _linear_forward(self, x):
    self.x = x
    out = x @ self.weight.T
    return out if self.bias is None else out + self.bias


Linear.forward = _linear_forward
""",
    "tom": """

class _Relu(ReLU):
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0).astype(x.dtype)

    def backward(self, dY):
        return dY * self.mask


ReLU.forward, ReLU.backward = _Relu.forward, _Relu.backward
""",
}
INDEPENDENT = ("ref", "loops", "windows")
COPY, ORIGINAL = "copy", "ref"
TEMPLATE_PAIR = ("tina", "tom")


def notebook(path, code):
    cells = [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "!pip install numpy\n"]},
        {"cell_type": "code", "source": code},
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def template_with(directory, own):
    """The student template as a package, with `own` appended to its layers.py."""
    package = directory / "torcino"
    package.mkdir(parents=True)
    for source in TEMPLATE.glob("*.py"):
        (package / source.name).write_text(source.read_text() + (own if source.name == "layers.py" else ""))
    return directory


def class_entries(directory) -> "dict[str, Path]":
    """Write the class under directory; {student: submission path}."""
    directory = Path(directory)
    directory.mkdir(parents=True)
    entries = {"ref": build("package", directory / "build-ref")}
    entries["loops"] = directory / "loops.py"
    entries["loops"].write_text((ROOT / "tests" / "styles" / "loop_per_sample.py").read_text())
    entries["windows"] = notebook(
        directory / "windows.ipynb", (ROOT / "tests" / "solutions" / "windows.py").read_text()
    )
    entries[COPY] = directory / "copy.py"
    entries[COPY].write_text(disguise(single_source(module_sources()), seed=1))
    for student, own in OWN_CODE.items():
        entries[student] = template_with(directory / student, own)
    return entries


def formats_entries(directory) -> "dict[str, Path]":
    """The reference in four forms: a package, a flat folder, a notebook and a zip of one file."""
    return {kind: build(kind, Path(directory) / kind) for kind in ("package", "flat", "notebook", "zip-file")}
