"""The wire format between the grader and its worker: frames of JSON plus raw .npy arrays.

A frame is: a 4-byte big-endian length, a UTF-8 JSON header of that length, then the .npy bytes
of every array the header refers to (their sizes are listed in header["arrays"]).
Values inside a header are JSON with tags:
    {"$array": i}                      the i-th array of the frame (numpy scalars travel as 0-d arrays)
    {"$handle": id, "type": name}      an object that stays in the worker
    {"$tuple": [...]}, {"$dict": [[key, value], ...]}
Arrays are read with allow_pickle=False: nothing that crosses the wire is ever unpickled.
This module is copied into the sandbox, so it imports only the standard library and numpy.
"""

import io
import json
import os
import select
import struct
import time

import numpy as np

LENGTH = struct.Struct(">I")
MAX_HEADER_BYTES = 8 << 20
MAX_ARRAY_BYTES = 1 << 30


class ProtocolError(Exception):
    """A frame that is malformed, too large, or cut short."""


class ChannelClosed(ProtocolError):
    """The other side closed its end (for the grader: the worker died)."""


class ReadTimeout(ProtocolError):
    """No complete frame arrived before the deadline."""


def pack(value, arrays, on_object):
    """value -> JSON-able tree; arrays collects the arrays; on_object(obj) tags anything else."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arrays.append(np.asarray(value))
        return {"$array": len(arrays) - 1}
    if isinstance(value, tuple):
        return {"$tuple": [pack(item, arrays, on_object) for item in value]}
    if isinstance(value, list):
        return [pack(item, arrays, on_object) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"$dict": [[key, pack(item, arrays, on_object)] for key, item in value.items()]}
    return on_object(value)


def unpack(tree, arrays, on_handle):
    """Inverse of pack; on_handle(tag) turns {"$handle": ...} into an object."""
    if isinstance(tree, list):
        return [unpack(item, arrays, on_handle) for item in tree]
    if not isinstance(tree, dict):
        return tree
    if "$array" in tree:
        array = arrays[tree["$array"]]
        return array[()] if array.ndim == 0 else array
    if "$tuple" in tree:
        return tuple(unpack(item, arrays, on_handle) for item in tree["$tuple"])
    if "$dict" in tree:
        return {key: unpack(item, arrays, on_handle) for key, item in tree["$dict"]}
    if "$handle" in tree:
        return on_handle(tree)
    raise ProtocolError(f"unknown tag in {sorted(tree)[:3]}")


def encode(header, arrays):
    """One frame as bytes."""
    blobs = []
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        blobs.append(buffer.getvalue())
    body = json.dumps({**header, "arrays": [len(blob) for blob in blobs]}).encode()
    return b"".join([LENGTH.pack(len(body)), body, *blobs])


def write_frame(fd, header, arrays=()):
    data = memoryview(encode(header, list(arrays)))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_frame(fd, deadline=None):
    """(header, arrays) from fd; deadline is a time.monotonic() value or None to wait forever."""
    (length,) = LENGTH.unpack(_read_exact(fd, LENGTH.size, deadline))
    if length > MAX_HEADER_BYTES:
        raise ProtocolError(f"header of {length} bytes is larger than {MAX_HEADER_BYTES}")
    try:
        header = json.loads(_read_exact(fd, length, deadline))
        sizes = header.pop("arrays")
        if not isinstance(header, dict) or not all(isinstance(s, int) and 0 <= s <= MAX_ARRAY_BYTES for s in sizes):
            raise ValueError("bad array sizes")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise ProtocolError(f"malformed header: {error}") from None
    arrays = []
    for size in sizes:
        try:
            arrays.append(np.load(io.BytesIO(_read_exact(fd, size, deadline)), allow_pickle=False))
        except (ValueError, OSError, EOFError) as error:
            raise ProtocolError(f"malformed array: {error}") from None
    return header, arrays


def _read_exact(fd, size, deadline):
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ReadTimeout("no reply before the deadline")
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
