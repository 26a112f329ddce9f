"""Turn SUBMISSION (a .py, a .ipynb, a directory, or a .zip of any of these) into a private copy.

Runs on the trusted side and executes nothing: it copies or safely extracts the files into a
fresh directory that the worker will import from, and fingerprints the submission (SHA-256).
"""

import errno
import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_TOTAL_BYTES = 50 << 20
MAX_FILES = 2000
IGNORED_NAMES = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".ipynb_checkpoints",
    "__MACOSX",
    ".DS_Store",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
}
SUBMISSION_SUFFIXES = {".py", ".ipynb", ".zip"}


def ignored(parts: Iterable[str]) -> bool:
    """Whether a path (its parts) is left out of a submission: tool folders and hidden entries
    (.git, .venv, .github, the student kit's .grader, ...)."""
    return any(part in IGNORED_NAMES or (part.startswith(".") and part not in (".", "..")) for part in parts)


class SubmissionError(Exception):
    """A submission that cannot be prepared (missing, unreadable, unsafe archive); one-line message."""


@dataclass
class Prepared:
    """A prepared submission: root holds the private copy; kind is file, notebook or directory."""

    name: str
    root: Path
    kind: str
    sha256: str
    notes: list[str] = field(default_factory=list)


SPECIAL_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def path_problem(path: str | Path, kinds: Sequence[str] = ("file", "directory")) -> "str | None":
    """None when path (links followed) is one of kinds ("file": a regular file, "directory"), else a
    one-line reason: missing, a link loop, a FIFO, a socket or a device (which would hang or fail
    when read), or the wrong one of file and directory."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"{path}: no such file or directory"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"{path}: a loop of symbolic links"
        return f"{path}: {error.strerror or error}"
    kind = "file" if stat.S_ISREG(mode) else "directory" if stat.S_ISDIR(mode) else None
    if kind in kinds:
        return None
    wanted = " or ".join(f"a {k}" for k in kinds)
    return f"{path}: {SPECIAL_KINDS.get(stat.S_IFMT(mode), f'a {kind}')}, not {wanted}"


def prepare(submission: str | Path, destination: str | Path) -> Prepared:
    """Copy or extract submission into destination (created); returns a Prepared."""
    source = Path(submission)
    problem = path_problem(source)
    if problem is not None:
        raise SubmissionError(problem)
    destination = Path(destination)
    destination.mkdir(parents=True)
    notes: list[str] = []
    if source.is_dir() and (source / "__init__.py").is_file():  # the folder is the package itself
        digest = _copy_tree(source, destination / source.resolve().name, notes)
    elif source.is_dir():
        digest = _copy_tree(source, destination, notes)
    elif source.suffix == ".zip":
        digest = _extract_zip(source, destination, notes)
    elif source.suffix in (".py", ".ipynb"):
        _check_size(source.stat().st_size, source)
        shutil.copyfile(source, destination / source.name)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
    else:
        raise SubmissionError(f"{source}: expected a .py, .ipynb or .zip file, or a directory")
    root = _descend_single_folder(destination)
    return Prepared(
        name=source.stem if source.is_file() else source.name, root=root, kind=_kind(root), sha256=digest, notes=notes
    )


def _kind(root: Path) -> str:
    entries = [p for p in root.iterdir()]
    if len(entries) == 1 and entries[0].suffix == ".py":
        return "file"
    if len(entries) == 1 and entries[0].suffix == ".ipynb":
        return "notebook"
    return "directory"


def _descend_single_folder(root: Path) -> Path:
    """A zip or folder that wraps everything in one folder: the root is that folder."""
    entries = list(root.iterdir())
    while len(entries) == 1 and entries[0].is_dir() and not (entries[0] / "__init__.py").exists():
        root = entries[0]
        entries = list(root.iterdir())
    return root


def _check_size(total: int, source: Path) -> None:
    if total > MAX_TOTAL_BYTES:
        raise SubmissionError(f"{source}: larger than {MAX_TOTAL_BYTES >> 20} MiB")


def _tree_files(source: Path, notes: list[str]) -> Iterator[tuple[Path, Path]]:
    """(relative path, path) of every regular file under source that a submission keeps: no links,
    no ignored folders, within the size and count limits."""
    total, count = 0, 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if ignored(relative.parts):
            continue
        if path.is_symlink():
            notes.append(f"{relative}: a symbolic link, not copied")
            continue
        if path.is_dir():
            continue
        problem = path_problem(path, ("file",))
        if problem is not None:
            notes.append(f"{relative}: {problem.split(': ', 1)[-1].split(',')[0]}, not copied")
            continue
        total += path.stat().st_size
        count += 1
        _check_size(total, source)
        if count > MAX_FILES:
            raise SubmissionError(f"{source}: more than {MAX_FILES} files")
        yield relative, path


def _copy_tree(source: Path, destination: Path, notes: list[str]) -> str:
    """Copy the submission's files, hashing relative paths and contents (see fingerprint)."""
    digest = hashlib.sha256()
    for relative, path in _tree_files(source, notes):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def submission_sha256(submission: str | Path) -> str:
    """The SHA-256 that prepare() records for a submission, without copying anything."""
    source = Path(submission)
    problem = path_problem(source)
    if problem is not None:
        raise SubmissionError(problem)
    if not source.is_dir():
        return hashlib.sha256(source.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for relative, path in _tree_files(source, []):
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _extract_zip(source: Path, destination: Path, notes: list[str]) -> str:
    """Extract a zip, refusing traversal, absolute paths, links and archives too large when expanded."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"{source}: not a zip archive ({error})") from None
    with archive:
        members = [m for m in archive.infolist() if not ignored(PurePosixPath(m.filename).parts)]
        if len(members) > MAX_FILES:
            raise SubmissionError(f"{source}: more than {MAX_FILES} entries")
        _check_size(sum(m.file_size for m in members), source)
        for member in members:
            name = member.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
                raise SubmissionError(f"{source}: unsafe path in archive: {member.filename!r}")
            if stat.S_ISLNK(member.external_attr >> 16):
                raise SubmissionError(f"{source}: archive contains a symbolic link: {member.filename!r}")
        try:
            _write_members(archive, members, destination, source)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
            raise SubmissionError(f"{source}: corrupt zip archive ({error})") from None
    return hashlib.sha256(source.read_bytes()).hexdigest()


def _write_members(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], destination: Path, source: Path) -> None:
    written = 0
    for member in members:
        target = destination.joinpath(*PurePosixPath(member.filename.replace("\\", "/")).parts)
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(member) as reader, open(target, "wb") as writer:
            while chunk := reader.read(1 << 20):
                written += len(chunk)
                _check_size(written, source)  # the sizes in the header may lie
                writer.write(chunk)
