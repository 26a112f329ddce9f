"""What a class directory holds: one Entry per submission (a .py, .ipynb or .zip file, or a folder,
named after its student), or a Gradescope "export submissions" folder whose
submission_metadata.yml gives names and emails; everything else is listed as skipped."""

import re
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.prepare import SUBMISSION_SUFFIXES

GRADESCOPE_METADATA = "submission_metadata.yml"


class BatchError(Exception):
    """The batch cannot run (OUT locked, DIR missing); one-line message."""


@dataclass(frozen=True)
class Entry:
    """One submission of the class: student is its id (and OUT's folder name)."""

    student: str
    path: str
    name: str = ""
    email: str = ""
    sha256: str = ""  # of the submission as found in the class directory (set by run_batch)


Skipped = list[tuple[str, str]]  # (entry name, reason) of what is not a submission


def safe_id(text: str) -> str:
    """A folder name from a student's name or file: letters, digits, '.', '-', '_'."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "submission"


def discover(directory: str | Path) -> tuple[list[Entry], Skipped]:
    """(entries, skipped): the submissions in directory and the (name, reason) of everything else."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BatchError(f"{directory}: not a directory of submissions")
    if (directory / GRADESCOPE_METADATA).is_file():
        return _gradescope_entries(directory)
    entries: list[Entry] = []
    skipped: Skipped = []
    for child in sorted(directory.iterdir()):
        if child.name.startswith("."):
            skipped.append((child.name, "hidden"))
        elif child.is_dir() or child.suffix in SUBMISSION_SUFFIXES:
            entries.append(Entry(child.stem if child.is_file() else child.name, str(child)))
        else:
            skipped.append(
                (
                    child.name,
                    f"not a submission ({child.suffix or 'no extension'}; expected .py, .ipynb, .zip or a folder)",
                )
            )
    return _unique(entries), skipped


def _gradescope_entries(directory: Path) -> tuple[list[Entry], Skipped]:
    import yaml

    try:
        metadata = yaml.safe_load((directory / GRADESCOPE_METADATA).read_text()) or {}
    except yaml.YAMLError as error:
        raise BatchError(f"{directory / GRADESCOPE_METADATA}: not valid YAML ({error})") from None
    entries: list[Entry] = []
    skipped: Skipped = []
    for child in sorted(directory.iterdir()):
        if child.name == GRADESCOPE_METADATA:
            continue
        if child.name.startswith(".") or not child.is_dir():
            skipped.append((child.name, "hidden" if child.name.startswith(".") else "not a submission folder"))
            continue
        submitters = (metadata.get(child.name) or {}).get(":submitters") or [{}]
        first = {key.lstrip(":"): value for key, value in submitters[0].items()}
        names = ", ".join(str(s.get(":name", "")) for s in submitters if s.get(":name"))
        emails = ", ".join(str(s.get(":email", "")) for s in submitters if s.get(":email"))
        student = safe_id(str(first.get("sid") or first.get("email") or child.name))
        entries.append(Entry(student, str(child), names, emails))
    for key in sorted(set(metadata) - {child.name for child in directory.iterdir()}):
        skipped.append((key, f"listed in {GRADESCOPE_METADATA} but its folder is missing"))
    return _unique(entries), skipped


def _unique(entries: list[Entry]) -> list[Entry]:
    """Entries with distinct student ids: clashes (alice.py and alice.zip) get their file name."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.student] = counts.get(entry.student, 0) + 1
    return [
        Entry(safe_id(Path(e.path).name if counts[e.student] > 1 else e.student), e.path, e.name, e.email)
        for e in entries
    ]
