"""Inside the worker: record every import that the submission's own code makes while it loads.

    with watching(root) as imports:
        namespace, report = load_submission(root, names)
    report["imports"] = imports   # [{"module", "fromlist", "level", "file", "cell", "line"}, ...]

Standard library only (copied into the sandbox with the worker). It records, it does not block:
the grader classifies the records with the rubric's policy (grader/grading/policy.py) and applies its
consequence; the sandbox is what keeps a submission off the network and the grader's files. Three
hooks see an import: builtins.__import__ (import statements, __import__(...)),
importlib.import_module, and a meta path finder for anything else importing a module for the first
time. An import counts when the nearest frame that is not the import machinery (nor code run by
exec or eval) is a file under the submission's root: numpy importing its own modules does not
count, a submission computing a module name does, even when the import then fails. The worker's
own imports happen before the guard is installed.
"""

import builtins
import contextlib
import importlib
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import FrameType, ModuleType
from typing import Any

MAX_RECORDS = 500
IMPORTLIB = os.path.dirname(importlib.__file__)
NOTEBOOK_MODULE = re.compile(r"^_notebook_(\d+)\.py$")  # what grader/sandbox/loader.py makes of a notebook


class Recorder:
    """The records and where they come from; see watching()."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.records: list[dict[str, Any]] = []
        self.seen: set[tuple[Any, ...]] = set()

    def origin(self, frame: FrameType | None) -> tuple[str, int] | None:
        """(file relative to root, line) of the frame that asked for the import, or None."""
        while frame is not None:
            name = frame.f_code.co_filename
            if not (name.startswith("<") or name == __file__ or name.startswith(IMPORTLIB + os.sep)):
                real = os.path.realpath(name)
                if real.startswith(self.root + os.sep):
                    return os.path.relpath(real, self.root), frame.f_lineno
                return None
            frame = frame.f_back
        return None

    def record(
        self, frame: FrameType | None, module: object, fromlist: Iterable[object] | None = (), level: int = 0
    ) -> None:
        try:
            where = self.origin(frame)
            if where is None or len(self.records) >= MAX_RECORDS or not isinstance(module, str):
                return
            line: int | None
            file, line = where
            cell: int | None = None
            notebook = NOTEBOOK_MODULE.match(file)
            if notebook:
                file, cell, line = self.notebook(int(notebook[1]), line)
            names = [str(n) for n in (fromlist or ()) if isinstance(n, str)][:20]
            key = (file, line, module, tuple(names), level)
            if key not in self.seen:
                self.seen.add(key)
                self.records.append(
                    {"module": module, "fromlist": names, "level": level, "file": file, "cell": cell, "line": line}
                )
        except Exception:  # noqa: BLE001 - recording must never change what the import does
            pass

    def notebook(self, index: int, line: int) -> tuple[str, int | None, None]:
        """(notebook file, cell, None) for a line of the module the loader made of notebook index."""
        notebooks = sorted(name for name in os.listdir(self.root) if name.endswith(".ipynb"))
        cell = None
        with open(os.path.join(self.root, f"_notebook_{index}.py"), encoding="utf-8") as module:
            for number, text in enumerate(module, start=1):
                if number > line:
                    break
                match = re.match(r"^# cell (\d+)$", text.strip())
                cell = int(match[1]) if match else cell
        return (notebooks[index] if index < len(notebooks) else f"notebook {index}"), cell, None


class Finder:
    """A meta path finder that finds nothing: it records first-time imports made by other routes."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> None:
        self.recorder.record(sys._getframe(1), name)
        return None


@contextlib.contextmanager
def watching(root: str) -> Iterator[list[dict[str, Any]]]:
    """Record the submission's imports while the block runs; yields the list of records."""
    recorder = Recorder(root)
    original_import, original_import_module = builtins.__import__, importlib.import_module

    def guarded_import(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> ModuleType:
        recorder.record(sys._getframe(1), name, fromlist, level)
        return original_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name: str, package: str | None = None) -> ModuleType:
        recorder.record(sys._getframe(1), name, (), 1 if str(name).startswith(".") else 0)
        return original_import_module(name, package)

    finder = Finder(recorder)
    builtins.__import__, importlib.import_module = guarded_import, guarded_import_module
    sys.meta_path.insert(0, finder)
    try:
        yield recorder.records
    finally:
        builtins.__import__, importlib.import_module = original_import, original_import_module
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
