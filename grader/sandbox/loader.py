"""Inside the worker: import a submission and find the lesson's names in it.

Runs in the sandbox (copied there with wire.py and worker.py): standard library only.
A submission root holds one of:
    a single .py file                   imported as a module;
    a .ipynb notebook                   only its definitions run (see DEFINITIONS);
    a directory                         packages (folders with __init__.py) and top-level .py
                                        modules, importing each other by plain name.
Every module of the submission goes through FallbackLoader: when its top-level code fails
(a training loop, a missing data file, sys.exit), the module is run again with definitions only.
With definitions_only=True (after the top-level code ran out of time) that is how every module runs.
"""

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

NOT_A_DEFINITION = "not a definition"
SKIPPED_DIRECTORIES = {"tests", "test", "__pycache__", ".ipynb_checkpoints"}


def _is_simple_value(node: ast.expr) -> bool:
    """A constant expression: literals, containers of them, arithmetic, names and attributes."""
    if isinstance(node, (ast.Constant, ast.Name, ast.Attribute)):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_simple_value(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _is_simple_value(k) for k in node.keys) and all(map(_is_simple_value, node.values))
    if isinstance(node, ast.UnaryOp):
        return _is_simple_value(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_simple_value(node.left) and _is_simple_value(node.right)
    return False


def is_definition(statement: ast.stmt) -> bool:
    """Imports, functions, classes and simple constant assignments: what DEFINITIONS keeps."""
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return (
            statement.value is not None
            and _is_simple_value(statement.value)
            and all(isinstance(t, ast.Name) for t in targets)
        )
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)  # docstrings


def run_definitions(tree: ast.Module, namespace: dict[str, Any], filename: str) -> list[tuple[int, str]]:
    """Execute the definitions of a parsed module one statement at a time; a failing one is skipped.

    Returns [(line, message), ...] for the statements that were dropped or failed.
    """
    dropped = []
    for statement in tree.body:
        if not is_definition(statement):
            dropped.append((statement.lineno, NOT_A_DEFINITION))
            continue
        code = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec")
        try:
            exec(code, namespace)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            dropped.append((statement.lineno, f"failed: {type(error).__name__}: {error}"))
    return dropped


class Notes:
    """What loading found, for the report: each note a dict with a kind, a file and a message."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.items: list[dict[str, Any]] = []

    def relative(self, path: str | Path) -> str:
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)

    def add(self, kind: str, path: str | Path, message: str, line: int | None = None) -> None:
        self.items.append({"kind": kind, "file": self.relative(path), "line": line, "message": message})


class SubmissionSyntaxError(ImportError):
    """A submission module that does not parse; already noted with its file and line."""


class FallbackLoader(importlib.machinery.SourceFileLoader):
    """Imports a submission module; if its top-level code fails, runs its definitions only.

    Class attributes, set by load_submission: notes (a Notes), definitions_only (True: every
    module runs definitions only) and generated (names of modules made of definitions only).
    """

    notes: ClassVar[Notes]  # set by load_submission before anything is imported
    definitions_only: ClassVar[bool] = False
    generated: ClassVar[set[str]] = set()

    def exec_module(self, module: ModuleType) -> None:
        path = self.get_filename(module.__name__)
        try:
            tree = ast.parse(Path(path).read_bytes(), filename=path)
        except SyntaxError as error:
            self.notes.add("syntax-error", path, error.msg, line=error.lineno)
            raise SubmissionSyntaxError(f"{self.notes.relative(path)}, line {error.lineno}: {error.msg}") from None
        if self.definitions_only or module.__name__ in self.generated:
            self._run_definitions(tree, module, path, note_skipped=module.__name__ not in self.generated)
            return
        try:
            exec(compile(tree, path, "exec"), module.__dict__)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            self.notes.add(
                "definitions-only",
                path,
                f"top-level code raised {type(error).__name__}: {error}; ran its definitions only",
                line=_student_line(error, path),
            )
            self._run_definitions(tree, module, path, note_skipped=False)

    def _run_definitions(self, tree: ast.Module, module: ModuleType, path: str, note_skipped: bool) -> None:
        """run_definitions, noting each definition that failed and (if asked) the statements skipped."""
        dropped = run_definitions(tree, module.__dict__, path)
        skipped = [str(line) for line, message in dropped if message == NOT_A_DEFINITION]
        if skipped and note_skipped:
            self.notes.add(
                "definitions-only",
                path,
                f"ran definitions only: skipped {len(skipped)} other "
                f"statement(s), at line(s) {', '.join(skipped[:12])}{' ...' if len(skipped) > 12 else ''}",
            )
        for line, message in dropped:
            if message != NOT_A_DEFINITION:
                self.notes.add("definitions-only", path, f"definition {message}", line=line)


def _student_line(error: BaseException, path: str) -> int | None:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    return frames[-1].lineno if frames else None


class SubmissionFinder(importlib.abc.MetaPathFinder):
    """Finds the submission's own modules and packages (files under root), loaded with FallbackLoader."""

    def __init__(self, root: str | Path) -> None:
        self.root = os.path.realpath(root)

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        directories = [self.root] if path is None else [d for d in path if self._inside(d)]
        for directory in directories:
            finder = importlib.machinery.FileFinder(directory, (FallbackLoader, [".py"]))
            spec = finder.find_spec(name, target)
            if spec is not None:
                return spec
        return None

    def _inside(self, directory: str) -> bool:
        real = os.path.realpath(directory)
        return real == self.root or real.startswith(self.root + os.sep)


def notebook_to_module(notebook_path: Path, notes: Notes) -> str:
    """The definitions of a notebook's code cells as one module source; every skipped cell is noted."""
    try:
        cells = json.loads(Path(notebook_path).read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        notes.add("notebook", notebook_path, f"not a readable Jupyter notebook: {error}")
        return ""
    kept, number = [], 0
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        code = "\n".join(lines)
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            notes.add(
                "skipped-cell",
                notebook_path,
                f"cell {number} skipped: syntax error at line {error.lineno}: {error.msg}",
            )
            continue
        definitions = [s for s in tree.body if is_definition(s)]
        skipped = [s for s in tree.body if not is_definition(s)]
        if skipped:
            first = (ast.get_source_segment(code, skipped[0]) or "").splitlines()[0][:80]
            notes.add(
                "skipped-cell",
                notebook_path,
                f"cell {number}: skipped {len(skipped)} statement(s) that are not definitions, "
                f"from line {skipped[0].lineno}: {first}",
            )
        if definitions:
            kept.append(f"# cell {number}\n" + ast.unparse(ast.Module(body=definitions, type_ignores=[])))
    return "\n\n".join(kept) + "\n"


def submission_modules(root: str | Path) -> tuple[list[str], list[str]]:
    """(package names, top-level module names) directly under root, in a stable order."""
    packages, modules = [], []
    for entry in sorted(Path(root).iterdir()):
        if (entry.name.startswith((".", "_")) and entry.name != "__init__.py") or entry.name in SKIPPED_DIRECTORIES:
            continue
        if entry.is_dir() and (entry / "__init__.py").exists() and entry.name.isidentifier():
            packages.append(entry.name)
        elif entry.suffix == ".py" and entry.stem.isidentifier() and not entry.stem.startswith("test_"):
            modules.append(entry.stem)
    return packages, modules


def load_submission(
    root: str | Path, names: Sequence[str], definitions_only: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Import the submission at root and resolve names; returns (namespace, report).

    namespace maps each found name to its object; report is JSON-able:
    {"found": {name: "module.name"}, "missing": [...], "notes": [...]}.
    Resolution order: the packages' top-level namespaces; then, only for names still missing,
    the top-level modules and notebooks; then the packages' submodules.
    """
    root = Path(root)
    notes = Notes(root)
    FallbackLoader.notes = notes
    FallbackLoader.definitions_only = definitions_only
    FallbackLoader.generated = set()
    sys.meta_path.insert(0, SubmissionFinder(root))
    sys.path.insert(0, str(root))
    packages, modules = submission_modules(root)
    for index, notebook in enumerate(sorted(root.glob("*.ipynb"))):
        name = f"_notebook_{index}"
        (root / f"{name}.py").write_text(notebook_to_module(notebook, notes))
        FallbackLoader.generated.add(name)
        modules.append(name)
    namespace: dict[str, Any] = {}
    found: dict[str, str] = {}

    def resolve(candidates: Iterable[ModuleType]) -> None:
        for module in candidates:
            for name in names:
                if name not in namespace and hasattr(module, name):
                    namespace[name] = getattr(module, name)
                    found[name] = f"{module.__name__}.{name}"

    imported = [module for module in (_import(name, notes) for name in packages) if module is not None]
    resolve(imported)
    if len(namespace) < len(names):  # a training script beside the package is imported only if needed
        resolve(module for module in (_import(name, notes) for name in modules) if module is not None)
    if len(namespace) < len(names):
        resolve(_submodules(imported, notes))
    missing = [name for name in names if name not in namespace]
    return namespace, {"found": found, "missing": missing, "notes": notes.items}


def _import(module_name: str, notes: Notes) -> ModuleType | None:
    """The imported module, or None (noted) when it cannot be imported."""
    try:
        return importlib.import_module(module_name)
    except SubmissionSyntaxError:
        return None  # noted with file and line by FallbackLoader
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        notes.add("import-error", module_name.replace(".", "/"), f"{type(error).__name__}: {error}")
        return None


def _submodules(packages: list[ModuleType], notes: Notes) -> Iterator[ModuleType]:
    """Import every .py module inside the given packages."""
    for package in packages:
        for directory in package.__path__:
            for path in sorted(Path(directory).glob("*.py")):
                if path.stem != "__init__" and path.stem.isidentifier() and not path.stem.startswith("test_"):
                    module = _import(f"{package.__name__}.{path.stem}", notes)
                    if module is not None:
                        yield module
