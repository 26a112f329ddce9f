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
    assert type(got) is type(value)


def round_trip(value):
    read, write = os.pipe()
    try:
        arrays = []
        wire.write_frame(write, {"value": wire.pack(value, arrays, on_object=None)}, arrays)
        header, got_arrays = wire.read_frame(read, deadline=None)
        return wire.unpack(header["value"], got_arrays, on_handle=None)
    finally:
        os.close(read), os.close(write)


@pytest.mark.parametrize(
    "value",
    [np.float64(2.5), np.float32(-1.0), np.int64(3), np.bool_(True), np.array(4.0), np.array(7, dtype=np.int32)],
    ids=["float64", "float32", "int64", "bool_", "0d-float64", "0d-int32"],
)
def test_numpy_scalars_and_0d_arrays_keep_their_type_and_shape(value):
    """np.float64 is a float subclass: it must not cross as a JSON number, nor a 0-d array as a scalar."""
    got = round_trip((value, [value]))[0]
    assert type(got) is type(value) and np.shape(got) == () and got.dtype == value.dtype and got == value


def test_a_scalar_tag_on_an_array_is_refused():
    with pytest.raises(wire.ProtocolError, match="scalar sent as an array"):
        wire.unpack({"$array": 0, "scalar": True}, [np.ones(3)], on_handle=None)


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


def test_a_frame_whose_arrays_are_too_large_in_all_is_refused_before_they_are_read():
    """Each array under the per-array cap, the same one four times over the frame's cap."""
    read, write = os.pipe()
    array = npy(np.ones(1000))
    os.write(write, frame_bytes({"value": 1}, array, array, array, array)[: 60 << 10])
    try:
        with pytest.raises(wire.ProtocolError, match="larger than"):
            wire.read_frame(read, deadline=None, max_bytes=3 * len(array))
    finally:
        os.close(read), os.close(write)


def test_a_reply_header_past_its_cap_is_refused_before_it_is_read():
    read, write = os.pipe()
    os.write(write, frame_bytes({"output": "x" * 5000}))
    try:
        with pytest.raises(wire.ProtocolError, match="larger than"):
            wire.read_frame(read, deadline=None, max_header=4096)
    finally:
        os.close(read), os.close(write)


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
