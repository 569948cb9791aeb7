"""The messages the server sends: protocol control, user control and AMF0 commands."""

from __future__ import annotations

import struct
from typing import Any

from . import amf0
from .chunks import (
    ACKNOWLEDGEMENT,
    COMMAND_AMF0,
    SET_CHUNK_SIZE,
    SET_PEER_BANDWIDTH,
    USER_CONTROL,
    WINDOW_ACK_SIZE,
    Message,
)
from .errors import ProtocolError

CONTROL_CSID = 2  # the chunk stream the specification reserves for control messages
COMMAND_CSID = 3
STREAM_CSID = 5  # onStatus on a media stream

STREAM_BEGIN, PING_REQUEST, PING_RESPONSE = 0, 6, 7
DYNAMIC = 2  # Set Peer Bandwidth's limit type

_U32 = struct.Struct(">I")


def _control(type_id: int, payload: bytes) -> Message:
    return Message(type_id, 0, 0, payload)


def set_chunk_size(size: int) -> Message:
    return _control(SET_CHUNK_SIZE, _U32.pack(size))


def window_ack_size(size: int) -> Message:
    return _control(WINDOW_ACK_SIZE, _U32.pack(size))


def set_peer_bandwidth(size: int) -> Message:
    return _control(SET_PEER_BANDWIDTH, _U32.pack(size) + bytes((DYNAMIC,)))


def acknowledgement(sequence: int) -> Message:
    return _control(ACKNOWLEDGEMENT, _U32.pack(sequence & 0xFFFFFFFF))


def user_control(event: int, value: int) -> Message:
    return _control(USER_CONTROL, struct.pack(">HI", event, value & 0xFFFFFFFF))


def pong(message: Message) -> Message | None:
    """Return the answer to a ping request (a user control message), else None."""
    payload = message.payload
    if message.type_id != USER_CONTROL or len(payload) < 6:
        return None
    if int.from_bytes(payload[:2], "big") != PING_REQUEST:
        return None
    return user_control(PING_RESPONSE, int.from_bytes(payload[2:6], "big"))


def command(name: str, transaction_id: float, *args: Any, stream_id: int = 0) -> Message:
    """Return an AMF0 command message (``_result``, ``_error``, ``onStatus``...)."""
    return Message(COMMAND_AMF0, stream_id, 0, amf0.encode(name, transaction_id, *args))


def on_status(level: str, code: str, description: str, *, stream_id: int) -> Message:
    """Return NetStream's ``onStatus`` with the info object encoders read (and print)."""
    info = {"level": level, "code": code, "description": description}
    return command("onStatus", 0, None, info, stream_id=stream_id)


def connect_result(transaction_id: float) -> Message:
    """Return ``_result`` for ``connect``: the server's properties and a success status."""
    properties = {"fmsVer": "FMS/3,0,1,123", "capabilities": 31.0}
    info = {
        "level": "status",
        "code": "NetConnection.Connect.Success",
        "description": "Connection succeeded.",
        "objectEncoding": 0.0,
    }
    return command("_result", transaction_id, properties, info)


def parse_command(payload: bytes, *, amf3: bool) -> tuple[str, float, list[Any]]:
    """Return a command's name, transaction id and remaining values (object, arguments)."""
    if amf3:
        # An AMF3 command message starts with a format byte; 0 means the rest is AMF0.
        if payload[:1] != b"\0":
            raise ProtocolError("AMF3 commands are not supported")
        payload = payload[1:]
    values = amf0.decode(payload)
    if len(values) < 2 or not isinstance(values[0], str) or not isinstance(values[1], float):
        raise ProtocolError("command without a name and transaction id")
    return values[0], values[1], values[2:]
