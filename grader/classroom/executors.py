"""Where batch grading runs: a local process pool (grader.classroom.batch's default) or a Dask cluster.

dask_executor(address) connects to an existing cluster (`dask scheduler` on one host, `dask worker
tcp://host:8786` on each grading host; every worker host needs the project installed with
`pip install .[dask]` and bubblewrap). Each task grades one submission in the worker's own sandbox;
the submission travels as bytes, the outcome comes back to the machine that runs the batch,
which writes OUT as the local pool does.
"""

import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.classroom.batch import Outcome, Settings
    from grader.classroom.class_folder import Entry


def pack(entry: "Entry") -> tuple[str, bytes]:
    """(file name, bytes) of a submission: a file as it is, a folder as a zip of its files."""
    path = Path(entry.path)
    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()):
            archive.write(file, Path(path.name) / file.relative_to(path))
    return f"{path.name}.zip", buffer.getvalue()


def grade_packed(entry: "Entry", name: str, data: bytes, settings: "Settings") -> "Outcome":
    """On a Dask worker: unpack the submission in a temporary folder and grade it there."""
    from grader.classroom.batch import Entry, grade_task

    with tempfile.TemporaryDirectory(prefix="torcino-dask-") as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        outcome = grade_task(Entry(entry.student, str(path), entry.name, entry.email, entry.sha256), settings)
    return outcome


class DaskExecutor:
    """The subset of concurrent.futures.Executor that grader.classroom.batch uses, on a Dask client."""

    def __init__(self, client: Any) -> None:  # a distributed.Client
        self.client = client

    def submit(self, function: Callable[..., Any], entry: "Entry", settings: "Settings") -> Any:  # a Dask future
        from grader.classroom.batch import grade_task

        if function is not grade_task:
            raise ValueError("the Dask executor runs grade_task only")
        name, data = pack(entry)
        return self.client.submit(grade_packed, entry, name, data, settings, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return as_completed(list(futures))

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.client.close()


def dask_executor(address: str) -> DaskExecutor:
    """A DaskExecutor connected to the scheduler at address (needs `pip install .[dask]`)."""
    try:
        from distributed import Client
    except ImportError:
        from grader.classroom.class_folder import BatchError

        raise BatchError("--executor dask needs Dask: pip install '.[dask]'") from None
    return DaskExecutor(Client(address))
