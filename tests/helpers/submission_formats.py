"""Build a submission in every accepted format from one implementation (the reference by default).

package    a folder laid out like student_template/: torcino/ with the reference's modules
flat       a folder of plain modules importing each other by name (from functional import im2col)
file       one .py with everything
notebook   an .ipynb: the code in cells, plus data-loading and training cells that must be skipped
zip-*      a .zip of any of the above
"""

import json
import re
import zipfile
from pathlib import Path

import reference

MODULE_ORDER = ("functional", "layers", "model", "loss", "optim")
RELATIVE_IMPORT = re.compile(r"^from \.(\w+) import .*\n", re.M)

DATA_CELL = """import numpy as np
Xtr = np.load("train_images.npy").astype(np.float32)[:10000]
ytr = np.load("train_labels.npy").astype(np.int64)[:10000]
"""
TRAIN_CELL = """model = Sequential(Conv2d(1, 4, 5), ReLU(), MaxPool2d(2, 2), Flatten(), Linear(4 * 12 * 12, 32), ReLU(), Linear(32, 10))
for epoch in range(1):
    logits = model(Xtr[:64].reshape(-1, 1, 28, 28))
print("Test accuracy:", 0.9)
"""


def module_sources(package=Path(reference.__file__).parent):
    return {name: (package / f"{name}.py").read_text() for name in MODULE_ORDER}


def single_source(sources):
    """All modules in one file: relative imports dropped (everything is in one namespace)."""
    return "\n\n".join(RELATIVE_IMPORT.sub("", sources[name]) for name in MODULE_ORDER)


def build(kind, destination, sources=None):
    """Write the submission of the given kind under destination; returns the path to grade."""
    sources = sources or module_sources()
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    if kind.startswith("zip-"):
        inner = build(kind[4:], destination / "inner", sources)
        archive = destination / f"{kind}.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            files = [inner] if inner.is_file() else sorted(p for p in inner.rglob("*") if p.is_file())
            for path in files:
                zipped.write(path, path.relative_to(inner.parent))
        return archive
    if kind == "package":
        package = destination / "submission" / "torcino"
        package.mkdir(parents=True)
        for name, text in sources.items():
            (package / f"{name}.py").write_text(text)
        (package / "__init__.py").write_text((Path(reference.__file__).parent / "__init__.py").read_text())
        (destination / "submission" / "README.md").write_text("my lesson 8\n")
        return destination / "submission"
    if kind == "flat":
        folder = destination / "flat"
        folder.mkdir()
        for name, text in sources.items():
            (folder / f"{name}.py").write_text(re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.M))
        return folder
    if kind == "file":
        path = destination / "lesson8.py"
        path.write_text(single_source(sources))
        return path
    if kind == "notebook":
        cells = [
            {"cell_type": "markdown", "source": ["# Lesson 8\n"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n"]},
        ]
        cells += [{"cell_type": "code", "source": RELATIVE_IMPORT.sub("", sources[name])} for name in MODULE_ORDER]
        cells += [{"cell_type": "code", "source": DATA_CELL}, {"cell_type": "code", "source": TRAIN_CELL}]
        path = destination / "lesson8.ipynb"
        path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        return path
    raise ValueError(kind)


KINDS = ("package", "flat", "file", "notebook", "zip-package", "zip-flat", "zip-file", "zip-notebook")


def float64_sources(sources=None):
    """A correct variant that keeps everything in float64 (He-normal and zero biases included)."""
    sources = dict(sources or module_sources())
    sources["functional"] = sources["functional"].replace("np.float32", "np.float64")
    sources["layers"] = sources["layers"].replace("np.float32", "np.float64")
    assert "np.float32" not in sources["functional"] + sources["layers"]
    return sources


STYLES = Path(__file__).resolve().parent.parent / "styles"


def load_style(name):
    """A correct style of tests/styles/ (e.g. "loop_per_sample") imported as a module, for the
    benchmarks that train it in-process."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"torcino_style_{name}", STYLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# appended to a correct submission: every SGD step sleeps that many seconds (a slow but correct LeNet)
SLOWED_SGD = "\nimport time\n_step = SGD.step\nSGD.step = lambda self: time.sleep({seconds}) or _step(self)\n"


def completed_style(style, destination):
    """The correct style tests/styles/<style>.py (or the file style, a Path), completed with the reference's classes for the lesson's
    classes it does not define (grader/lesson.py): a style may implement a subset of the lesson and is
    held to full marks on all of it. The reference's classes run in a namespace of their own, so the
    style's helpers (its im2col, say) stay its own. Returns the style itself when it is complete."""
    import ast

    from grader.lesson import LESSON

    style = style if isinstance(style, Path) else STYLES / f"{style}.py"
    text = style.read_text()
    defined = {node.name for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}
    missing = [cls for cls in LESSON.names if cls not in defined]
    if not missing:
        return style
    borrowed = "\n".join(f"{cls} = _reference[{cls!r}]" for cls in missing)
    path = Path(destination) / style.name
    path.write_text(f"{text}\n\n_reference = {{}}\nexec({single_source(module_sources())!r}, _reference)\n{borrowed}\n")
    return path
