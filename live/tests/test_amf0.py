"""AMF0: every supported type round-trips; malformed or oversized input is a ProtocolError."""

from __future__ import annotations

import struct

import pytest

from live.ingest import amf0
from live.ingest.errors import ProtocolError

pytestmark = pytest.mark.database_free

VALUES = [
    0.0,
    -1.5,
    1e300,
    True,
    False,
    "",
    "publish",
    "ünïcödé ✓",
    "x" * amf0.MAX_STRING_BYTES,  # over 65535 bytes: a long string
    None,
    amf0.UNDEFINED,
    {},
    {"app": "live", "tcUrl": "rtmp://host/live", "nested": {"a": [1.0, None]}},
    amf0.EcmaArray(duration=3.0, width=640.0, encoder="Lavf"),
    amf0.EcmaArray(),
    [],
    [1.0, "two", [3.0], {"four": 4.0}],
    amf0.Date(1_700_000_000_000.0, 0),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trip(value: object) -> None:
    [decoded] = amf0.decode(amf0.encode(value))
    assert decoded == value
    assert type(decoded) is type(value)


def test_several_values_in_a_row() -> None:
    payload = amf0.encode("publish", 5.0, None, "key", "live")
    assert amf0.decode(payload) == ["publish", 5.0, None, "key", "live"]


def test_integers_encode_as_numbers() -> None:
    assert amf0.encode(3) == b"\x00" + struct.pack(">d", 3.0)
    assert amf0.decode(amf0.encode(3)) == [3.0]


def test_known_bytes_from_ffmpeg() -> None:
    # The start of ffmpeg's connect command, as it writes it.
    payload = (
        b"\x02\x00\x07connect\x00?\xf0\x00\x00\x00\x00\x00\x00"
        b"\x03\x00\x03app\x02\x00\x04live\x00\x04type\x02\x00\x0anonprivate\x00\x00\x09"
    )
    assert amf0.decode(payload) == ["connect", 1.0, {"app": "live", "type": "nonprivate"}]


@pytest.mark.parametrize("value", VALUES[:-1], ids=lambda v: type(v).__name__)
def test_every_truncation_is_refused(value: object) -> None:
    encoded = amf0.encode("name", value)
    start = len(amf0.encode("name"))
    for end in range(start + 1, len(encoded)):
        with pytest.raises(ProtocolError):
            amf0.decode(encoded[:end])


def test_deep_nesting_is_refused() -> None:
    value: object = 1.0
    for _ in range(amf0.MAX_DEPTH):
        value = {"a": value}
    amf0.decode(amf0.encode(value))  # at the limit: fine
    with pytest.raises(ProtocolError, match="too deep"):
        amf0.decode(amf0.encode({"a": value}))
    # Hand-made: 10 000 nested strict-array openers, no recursion error.
    with pytest.raises(ProtocolError):
        amf0.decode(b"\x0a\x00\x00\x00\x01" * 10_000)


def test_too_many_elements_are_refused() -> None:
    with pytest.raises(ProtocolError, match="too many"):
        amf0.decode(amf0.encode(*([None] * (amf0.MAX_ELEMENTS + 1))))


@pytest.mark.parametrize(
    "payload",
    [
        b"\x0c\xff\xff\xff\xff" + b"x" * 100,  # a long string declaring 4 GiB
        b"\x0c\x00\x01\x00\x01" + b"x" * 65537,  # a long string over the string cap
        b"\x02\xff\xffabc",  # a string declaring more than it holds
        b"\x0a\xff\xff\xff\xff\x05\x05",  # a strict array declaring 4 G elements
        b"\x0a\x00\x00\x00\x05\x05\x05",  # ... or just more than it holds
        b"\x03\x00\x01a",  # an object cut after a property name
        b"\x03\x00\x01a\x00\x00\x00\x00\x00\x00\x00\x00\x00",  # an object with no end marker
        b"\x07\x00\x01",  # a reference: not supported
        b"\x11\x01",  # AMF3 switch: not supported
        b"\x0d",  # unsupported
        b"\xff",  # no such type
        b"\x02\x00\x02\xc3\x28",  # invalid UTF-8
    ],
)
def test_malformed_input_is_refused(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        amf0.decode(payload)


def test_the_ecma_array_count_is_not_trusted() -> None:
    # Encoders write wrong counts; the end marker is what ends the array.
    payload = b"\x08\xff\xff\xff\xff\x00\x01a\x00" + struct.pack(">d", 1.0) + b"\x00\x00\x09"
    assert amf0.decode(payload) == [{"a": 1.0}]


def test_unencodable_values_raise() -> None:
    with pytest.raises(TypeError):
        amf0.encode(object())
    with pytest.raises(ValueError):
        amf0.encode({"k" * 70_000: 1})
