"""The code of a submission, read without running it: what the similarity and the policy look at.

    files = read_sources("alice.zip")      # [SourceFile(file, cell, text), ...]
    code = comparable_code(files)           # one text: .py files and notebook code cells

A submission in any accepted form (a .py, a .ipynb, a package or flat folder, a .zip of any of
these) is copied into a temporary folder by grader.sandbox.prepare (the same safe extraction as for
grading), then every .py file (in path order) and every code cell of every notebook is read.
Tool folders and hidden entries are left out as prepare leaves them out.
"""

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.prepare import ignored, prepare

MAGIC = ("!", "%")  # notebook shell and magic lines: not Python


@dataclass(frozen=True)
class SourceFile:
    """One unit of code: a .py file (cell None) or a notebook's code cell (cell counts code cells from 1).
    file is relative to the submission's root, as the report shows it."""

    file: str
    cell: int | None
    text: str

    @property
    def python(self) -> str:
        """The text as Python: a notebook cell's shell and magic lines blanked, so line numbers stay."""
        if self.cell is None:
            return self.text
        return "\n".join("" if line.lstrip().startswith(MAGIC) else line for line in self.text.splitlines())

    @property
    def where(self) -> str:
        """'layers.py' or 'lesson8.ipynb, cell 3'."""
        return self.file if self.cell is None else f"{self.file}, cell {self.cell}"


def read_sources(submission: str | Path) -> list[SourceFile]:
    """Every .py file and notebook code cell of a submission; raises SubmissionError when it cannot
    be read (missing, corrupt zip, too large)."""
    with tempfile.TemporaryDirectory(prefix="torcino-sources-") as scratch:
        prepared = prepare(submission, Path(scratch) / "copy")
        return sources_under(prepared.root)


def sources_under(root: str | Path) -> list[SourceFile]:
    """The SourceFiles of an already prepared submission folder."""
    root = Path(root)
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if ignored(relative.parts) or not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".py":
            found.append(SourceFile(relative.as_posix(), None, _text(path)))
        elif path.suffix == ".ipynb":
            found.extend(SourceFile(relative.as_posix(), number, text) for number, text in notebook_cells(path))
    return found


def notebook_cells(path: str | Path) -> list[tuple[int, str]]:
    """(number, source) of each code cell, numbered from 1 among code cells; [] when unreadable."""
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8", errors="replace"))["cells"]
    except (ValueError, KeyError, TypeError):
        return []
    out: list[tuple[int, str]] = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            out.append((len(out) + 1, "".join(map(str, source)) if isinstance(source, list) else str(source)))
    return out


def comparable_code(files: Iterable[SourceFile]) -> str:
    """The code to compare: .py files and notebook cells (shell and magic lines dropped), in order."""
    return "\n\n".join(source.python for source in files) + "\n"


def _text(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")
