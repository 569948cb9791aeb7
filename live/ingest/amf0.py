"""Decode and encode AMF0, the serialization of RTMP commands and metadata, with hard caps."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError

NUMBER, BOOLEAN, STRING, OBJECT, NULL, UNDEFINED_MARKER = 0x00, 0x01, 0x02, 0x03, 0x05, 0x06
ECMA_ARRAY, OBJECT_END, STRICT_ARRAY, DATE, LONG_STRING = 0x08, 0x09, 0x0A, 0x0B, 0x0C

MAX_DEPTH = 16  # commands and onMetaData nest two or three levels
MAX_ELEMENTS = 4096  # values in one decode, all levels together
MAX_STRING_BYTES = 64 * 1024  # longer strings have no business in a publish session

_DOUBLE = struct.Struct(">d")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_DATE = struct.Struct(">dh")


class Undefined:
    """AMF0's ``undefined``, kept apart from ``null`` (None) so that values round-trip."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = Undefined()


class EcmaArray(dict[str, Any]):
    """An associative array: a dict that encodes as an ECMA array (onMetaData uses one)."""


@dataclass(frozen=True)
class Date:
    """An AMF0 date: milliseconds since the Unix epoch, and a time zone (always 0 in practice)."""

    milliseconds: float
    timezone: int = 0


class _Decoder:
    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = memoryview(data)
        self.pos = 0
        self.elements = 0

    def take(self, n: int) -> memoryview:
        end = self.pos + n
        if end > len(self.data):
            raise ProtocolError("AMF0 value cut short")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def text(self, n: int) -> str:
        if n > MAX_STRING_BYTES:
            raise ProtocolError("AMF0 string over the size limit")
        try:
            return str(self.take(n), "utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("AMF0 string is not UTF-8") from None

    def key(self) -> str:
        return self.text(_U16.unpack(self.take(2))[0])

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError("AMF0 nesting too deep")
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise ProtocolError("AMF0 has too many elements")
        marker = self.take(1)[0]
        if marker == NUMBER:
            return _DOUBLE.unpack(self.take(8))[0]
        if marker == BOOLEAN:
            return self.take(1)[0] != 0
        if marker == STRING:
            return self.key()
        if marker == LONG_STRING:
            return self.text(_U32.unpack(self.take(4))[0])
        if marker == NULL:
            return None
        if marker == UNDEFINED_MARKER:
            return UNDEFINED
        if marker == OBJECT:
            return self.properties({}, depth)
        if marker == ECMA_ARRAY:
            self.take(
                4
            )  # the declared count is a hint that encoders get wrong; the end marker rules
            return self.properties(EcmaArray(), depth)
        if marker == STRICT_ARRAY:
            count = _U32.unpack(self.take(4))[0]
            # Each element takes at least one byte: a count beyond what is left is a lie.
            if count > len(self.data) - self.pos or count > MAX_ELEMENTS:
                raise ProtocolError("AMF0 array declares more elements than it holds")
            return [self.value(depth + 1) for _ in range(count)]
        if marker == DATE:
            milliseconds, timezone = _DATE.unpack(self.take(10))
            return Date(milliseconds, timezone)
        raise ProtocolError(f"AMF0 type {marker:#04x} not supported")

    def properties(self, target: dict[str, Any], depth: int) -> dict[str, Any]:
        while True:
            name = self.key()
            if not name and self.pos < len(self.data) and self.data[self.pos] == OBJECT_END:
                self.pos += 1
                return target
            target[name] = self.value(depth + 1)


def decode(data: bytes | bytearray | memoryview) -> list[Any]:
    """Decode every AMF0 value in ``data``; raise ProtocolError on anything malformed."""
    decoder = _Decoder(data)
    values = []
    while decoder.pos < len(decoder.data):
        values.append(decoder.value())
    return values


def _string(value: str, out: bytearray, *, marker: bool) -> None:
    raw = value.encode()
    if len(raw) <= 0xFFFF:
        if marker:
            out.append(STRING)
        out += _U16.pack(len(raw))
    elif marker:
        out.append(LONG_STRING)
        out += _U32.pack(len(raw))
    else:
        raise ValueError("AMF0 property names are at most 65535 bytes")
    out += raw


def _encode(value: Any, out: bytearray) -> None:
    if isinstance(value, bool):
        out += bytes((BOOLEAN, value))
    elif isinstance(value, int | float):
        out.append(NUMBER)
        out += _DOUBLE.pack(value)
    elif isinstance(value, str):
        _string(value, out, marker=True)
    elif value is None:
        out.append(NULL)
    elif value is UNDEFINED:
        out.append(UNDEFINED_MARKER)
    elif isinstance(value, dict):
        if isinstance(value, EcmaArray):
            out.append(ECMA_ARRAY)
            out += _U32.pack(len(value))
        else:
            out.append(OBJECT)
        for name, item in value.items():
            _string(name, out, marker=False)
            _encode(item, out)
        out += b"\x00\x00\x09"
    elif isinstance(value, list | tuple):
        out.append(STRICT_ARRAY)
        out += _U32.pack(len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, Date):
        out.append(DATE)
        out += _DATE.pack(value.milliseconds, value.timezone)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as AMF0")


def encode(*values: Any) -> bytes:
    """Encode ``values`` one after the other as AMF0."""
    out = bytearray()
    for value in values:
        _encode(value, out)
    return bytes(out)
