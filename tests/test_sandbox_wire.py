"""The wire format: values round-trip, and malformed or dangerous frames are refused."""

import io
import os

import numpy as np
import pytest

from grader.sandbox import wire

VALUES = [
    None,
    True,
    3,
    -2.5,
    "text",
    np.arange(12, dtype=np.float32).reshape(3, 4),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.zeros((0, 5)),
    np.float32(1.5),
    (1, [2.0, "x"], {"k": np.ones(2, dtype=bool)}),
]


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ for v in VALUES])
def test_values_round_trip_through_a_pipe(value):
    read, write = os.pipe()
    try:
        arrays = []
        wire.write_frame(write, {"value": wire.pack(value, arrays, on_object=None)}, arrays)
        header, got_arrays = wire.read_frame(read, deadline=None)
        got = wire.unpack(header["value"], got_arrays, on_handle=None)
    finally:
        os.close(read), os.close(write)
    np.testing.assert_equal(got, value)
    assert type(got) is type(value) or isinstance(value, np.generic)


def frame_bytes(header, *raw_arrays):
    import json

    body = json.dumps({**header, "arrays": [len(a) for a in raw_arrays]}).encode()
    return wire.LENGTH.pack(len(body)) + body + b"".join(raw_arrays)


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data, error",
    [
        (wire.LENGTH.pack(wire.MAX_HEADER_BYTES + 1), "larger than"),
        (wire.LENGTH.pack(5) + b"nope!", "malformed header"),
        (frame_bytes({"value": 1}, npy(np.array([{"a": 1}], dtype=object), allow_pickle=True)), "object or structured"),
        (frame_bytes({"value": 1}, npy(np.zeros(2, dtype=[("a", "<f8")]))), "object or structured"),
        (frame_bytes({"value": 1}, npy(np.ones(3))[:-8]), "does not match"),
        (frame_bytes({"value": 1}, b"\x93NUMPY garbage"), "malformed array"),
        (wire.LENGTH.pack(10) + b"{}", "closed"),
    ],
    ids=["huge-header", "not-json", "pickled-object-array", "structured-array", "short-array", "bad-npy", "cut-short"],
)
def test_malformed_frames_raise_protocol_errors(data, error):
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    try:
        with pytest.raises(wire.ProtocolError, match=error):
            wire.read_frame(read, deadline=None)
    finally:
        os.close(read)


def test_reading_times_out_at_the_deadline():
    import time

    read, write = os.pipe()
    try:
        started = time.monotonic()
        with pytest.raises(wire.ReadTimeout):
            wire.read_frame(read, deadline=time.monotonic() + 0.2)
        assert 0.15 < time.monotonic() - started < 2
    finally:
        os.close(read), os.close(write)


@pytest.mark.parametrize(
    "array",
    [np.arange(6.0).reshape(2, 3), np.ones((0, 4), bool), np.int64(7), np.zeros(5, "<c16")],
    ids=["2d", "empty-bool", "0d", "complex"],
)
def test_the_arrays_we_send_are_plain_npy_files(array):
    header, data = wire.npy_parts(np.asarray(array))
    assert len(header) % 64 == 0
    np.testing.assert_array_equal(np.load(io.BytesIO(header + bytes(data)), allow_pickle=False), array)


def test_objects_cannot_be_sent_as_pickles():
    with pytest.raises(ValueError, match="pickle"):
        wire.npy_parts(np.array([object()]))
