"""The wire format between the grader and its worker: frames of JSON plus raw .npy arrays.

A frame is: a 4-byte big-endian length, a UTF-8 JSON header of that length, then the .npy bytes
of every array the header refers to (their sizes are listed in header["arrays"]).
Values inside a header are JSON with tags:
    {"$array": i}                      the i-th array of the frame (a 0-d array stays a 0-d array)
    {"$array": i, "scalar": true}      a numpy scalar (np.float64, np.int32, ...), sent as a 0-d array
    {"$handle": id, "type": name}      an object that stays in the worker
    {"$tuple": [...]}, {"$dict": [[key, value], ...]}
Arrays are read with allow_pickle=False: nothing that crosses the wire is ever unpickled.
This module is copied into the sandbox, so it imports only the standard library and numpy.
"""

import json
import os
import re
import select
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

LENGTH = struct.Struct(">I")
MAX_HEADER_BYTES = 8 << 20
MAX_ARRAY_BYTES = 256 << 20
MAX_FRAME_BYTES = 64 << 20  # all the arrays of one reply together (read_frame's max_bytes)
MAX_REPLY_HEADER_BYTES = 2 << 20  # a reply's JSON: values, captured output, error text
IOV_MAX = 512
GRADER_STEPS = ("seed", "probe", "shell", "keep", "fetch", "same", "signature")  # the grader's own operations


class ProtocolError(Exception):
    """A frame that is malformed, too large, or cut short."""


class ChannelClosed(ProtocolError):
    """The other side closed its end (for the grader: the worker died)."""


class ReadTimeout(ProtocolError):
    """No complete frame arrived before the deadline."""


def pack(value: Any, arrays: list[np.ndarray], on_object: Callable[[Any], Any]) -> Any:
    """value -> JSON-able tree; arrays collects the arrays; on_object(obj) tags anything else."""
    if isinstance(value, (np.ndarray, np.generic)):  # before float: np.float64 is a float subclass
        arrays.append(np.asarray(value))
        return (
            {"$array": len(arrays) - 1, "scalar": True}
            if isinstance(value, np.generic)
            else {"$array": len(arrays) - 1}
        )
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [pack(item, arrays, on_object) for item in value]}
    if isinstance(value, list):
        return [pack(item, arrays, on_object) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"$dict": [[key, pack(item, arrays, on_object)] for key, item in value.items()]}
    return on_object(value)


def unpack(tree: Any, arrays: Sequence[np.ndarray], on_handle: Callable[[dict[str, Any]], Any]) -> Any:
    """Inverse of pack; on_handle(tag) turns {"$handle": ...} into an object."""
    if isinstance(tree, list):
        return [unpack(item, arrays, on_handle) for item in tree]
    if not isinstance(tree, dict):
        return tree
    if "$array" in tree:
        array = arrays[tree["$array"]]
        if tree.get("scalar") is True:
            if array.ndim != 0:
                raise ProtocolError(f"a scalar sent as an array of shape {array.shape}")
            return array[()]
        return array
    if "$tuple" in tree:
        return tuple(unpack(item, arrays, on_handle) for item in tree["$tuple"])
    if "$dict" in tree:
        return {key: unpack(item, arrays, on_handle) for key, item in tree["$dict"]}
    if "$handle" in tree:
        return on_handle(tree)
    raise ProtocolError(f"unknown tag in {sorted(tree)[:3]}")


NPY_MAGIC = b"\x93NUMPY\x01\x00"
NPY_HEADER = re.compile(
    r"\{'descr': '([<>|=][a-z]\d+)', 'fortran_order': (True|False), 'shape': \(((?:\d+, ?)*\d*)\), \}"
)


def npy_parts(array: np.ndarray) -> tuple[bytes, memoryview | bytes]:
    """An array as .npy (version 1.0) bytes in two parts, (header, data), without copying a
    C-contiguous array. Plain numeric and boolean dtypes only: nothing that needs pickle."""
    array = array if array.flags.c_contiguous else np.array(array, order="C")  # keeps 0-d arrays 0-d
    if array.dtype.hasobject or array.dtype.fields is not None or array.dtype.kind not in "biufc":
        raise ValueError(f"an array of dtype {array.dtype} cannot be sent without pickle")
    text = f"{{'descr': {array.dtype.str!r}, 'fortran_order': False, 'shape': {array.shape!r}, }}"
    padding = 64 - (len(NPY_MAGIC) + 2 + len(text) + 1) % 64
    header = NPY_MAGIC + struct.pack("<H", len(text) + padding + 1) + text.encode("latin1") + b" " * padding + b"\n"
    return header, array.reshape(-1).data.cast("B") if array.size else b""  # .data is memoryview(array)


def from_npy(buffer: bytearray) -> np.ndarray:
    """The array held by .npy bytes (a bytearray, used in place). Only the plain headers that
    npy_parts and np.save write for numeric arrays are accepted: nothing is evaluated."""
    if bytes(buffer[: len(NPY_MAGIC)]) != NPY_MAGIC or len(buffer) < 10:
        raise ProtocolError("malformed array: not a version 1.0 .npy header")
    (length,) = struct.unpack("<H", bytes(buffer[8:10]))
    match = NPY_HEADER.fullmatch(bytes(buffer[10 : 10 + length]).decode("latin1").rstrip())
    if match is None:
        raise ProtocolError("malformed array: unexpected .npy header (object or structured arrays are refused)")
    descr, fortran_order, dims = match.groups()
    dtype = np.dtype(descr)
    shape = tuple(int(d) for d in dims.replace(" ", "").split(",") if d)
    count = int(np.prod(shape, dtype=np.int64))
    offset = 10 + length
    if offset + count * dtype.itemsize != len(buffer):
        raise ProtocolError("an array's size does not match its header")
    array = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape, order="F" if fortran_order == "True" else "C")


def write_frame(fd: int, header: dict[str, Any], arrays: Iterable[np.ndarray] = ()) -> None:
    """Send one frame with as few system calls as possible; arrays go from their own memory."""
    parts = [npy_parts(array) for array in arrays]
    body = json.dumps({**header, "arrays": [len(h) + len(d) for h, d in parts]}).encode()
    pieces = [memoryview(LENGTH.pack(len(body)) + body)] + [memoryview(p) for pair in parts for p in pair if len(p)]
    while pieces:
        written = os.writev(fd, pieces[:IOV_MAX])
        while pieces and written >= len(pieces[0]):
            written -= len(pieces[0])
            pieces.pop(0)
        if written:
            pieces[0] = pieces[0][written:]


def read_frame(
    fd: int, deadline: float | None = None, max_bytes: int | None = None, max_header: int = MAX_HEADER_BYTES
) -> tuple[dict[str, Any], list[np.ndarray]]:
    """(header, arrays) from fd; deadline is a time.monotonic() value or None to wait forever.
    max_bytes caps the arrays of the frame together (each is capped at MAX_ARRAY_BYTES anyway), max_header
    its JSON: both are checked before anything larger than the length field is read."""
    (length,) = LENGTH.unpack(_read_exact(fd, LENGTH.size, deadline))
    if length > max_header:
        raise ProtocolError(
            f"its text (values, output, errors) of {length} bytes is larger than {max_header >> 20} MiB"
        )
    try:
        header = json.loads(bytes(_read_exact(fd, length, deadline)))
        sizes = header.pop("arrays")
        if not all(type(s) is int and 0 <= s <= MAX_ARRAY_BYTES for s in sizes):
            raise ValueError("bad array sizes")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise ProtocolError(f"malformed header: {error}") from None
    if max_bytes is not None and sum(sizes) > max_bytes:
        raise ProtocolError(f"a reply of {sum(sizes) >> 20} MiB of arrays is larger than {max_bytes >> 20} MiB")
    return header, [from_npy(_read_exact(fd, size, deadline)) for size in sizes]


def enlarge_pipe(fd: int, size: int = 1 << 20) -> None:
    """Ask Linux for a larger pipe buffer (fewer wake-ups per array); harmless where unsupported."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (OSError, ImportError):
        pass


def _read_exact(fd: int, size: int, deadline: float | None) -> bytearray:
    """Exactly size bytes from fd, as a bytearray."""
    buffer = bytearray(size)
    view, filled = memoryview(buffer), 0
    while filled < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ReadTimeout("no reply before the deadline")
        count = os.readv(fd, [view[filled:]])
        if not count:
            raise ChannelClosed("the other side closed the channel")
        filled += count
    return buffer
