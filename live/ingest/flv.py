"""FLV from RTMP media: the byte stream ``ffmpeg -f flv -i pipe:0`` reads, and tag inspection.

An RTMP audio, video or data message is an FLV tag body already; a tag adds an 11-byte
header and the 4-byte size of the previous tag. Encoders send metadata as
``@setDataFrame("onMetaData", {...})``, which tells a server to keep the frame; in a file
ffmpeg's FLV muxer writes it as ``onMetaData`` alone, so the wrapper name is stripped.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Any

from . import amf0
from .chunks import AGGREGATE, AUDIO, DATA_AMF0, DATA_AMF3, VIDEO, Message
from .errors import ProtocolError

SET_DATA_FRAME = amf0.encode("@setDataFrame")
ON_METADATA = "onMetaData"
TAG_HEADER_BYTES = 11
_PREVIOUS_SIZE = struct.Struct(">I")


class TagKind(enum.IntEnum):
    AUDIO = 8
    VIDEO = 9
    SCRIPT = 18


class VideoFrame(enum.IntEnum):
    KEY = 1
    INTER = 2
    DISPOSABLE_INTER = 3
    GENERATED_KEY = 4
    INFO = 5  # a command frame, not a picture


_MEDIA = {AUDIO: TagKind.AUDIO, VIDEO: TagKind.VIDEO}  # a dict: calling the enum is slow

AVC = 7  # the classic codec id for H.264
AAC = 10  # the sound format of AAC
SEQUENCE_HEADER = 0  # AVC/AAC packet type 0: decoder configuration, not a frame


@dataclass(frozen=True, slots=True)
class FlvTag:
    """One FLV tag: audio, video or script data, at a timestamp in milliseconds."""

    kind: TagKind
    timestamp_ms: int
    payload: bytes

    def to_bytes(self) -> bytes:
        """Return the tag as it appears in an FLV file, followed by its PreviousTagSize."""
        size = len(self.payload)
        timestamp = self.timestamp_ms & 0xFFFFFFFF
        header = struct.pack(
            ">B3s3sB3s",
            int(self.kind),
            size.to_bytes(3, "big"),
            (timestamp & 0xFFFFFF).to_bytes(3, "big"),
            timestamp >> 24,  # the upper byte comes after the lower 24 bits in FLV
            b"\0\0\0",
        )
        return header + self.payload + _PREVIOUS_SIZE.pack(TAG_HEADER_BYTES + size)


def file_header(*, audio: bool = True, video: bool = True) -> bytes:
    """Return the FLV file header and the first PreviousTagSize (zero)."""
    flags = (4 if audio else 0) | (1 if video else 0)
    return b"FLV\x01" + bytes((flags,)) + b"\0\0\0\x09" + b"\0\0\0\0"


def tags_from_message(message: Message) -> list[FlvTag]:
    """Return the FLV tags an RTMP media or data message carries (none for other messages)."""
    kind = message.type_id
    payload = message.payload
    if kind in _MEDIA:
        return [FlvTag(_MEDIA[kind], message.timestamp, payload)] if payload else []
    if kind == DATA_AMF3 and payload[:1] == b"\0":
        kind, payload = DATA_AMF0, payload[1:]  # AMF0 in an AMF3 envelope
    if kind == DATA_AMF0:
        if payload.startswith(SET_DATA_FRAME):
            payload = payload[len(SET_DATA_FRAME) :]
        return [FlvTag(TagKind.SCRIPT, message.timestamp, payload)] if payload else []
    if kind == AGGREGATE:
        return split_aggregate(message)
    return []


def split_aggregate(message: Message) -> list[FlvTag]:
    """Split an aggregate message (FLV tags back to back) into tags on the message's clock."""
    data = message.payload
    tags: list[FlvTag] = []
    pos = 0
    base: int | None = None
    while pos < len(data):
        if pos + TAG_HEADER_BYTES > len(data):
            raise ProtocolError("aggregate message cut short")
        kind = data[pos]
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        stamp = int.from_bytes(data[pos + 4 : pos + 7], "big") | data[pos + 7] << 24
        end = pos + TAG_HEADER_BYTES + size
        if end + 4 > len(data) or kind not in (AUDIO, VIDEO, DATA_AMF0):
            raise ProtocolError("malformed aggregate message")
        base = stamp if base is None else base
        # The first sub-tag's time is the message's; the others keep their offsets from it.
        timestamp = (message.timestamp + stamp - base) & 0xFFFFFFFF
        if size:
            tags.append(FlvTag(TagKind(kind), timestamp, data[pos + TAG_HEADER_BYTES : end]))
        pos = end + 4
    return tags


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the first bytes of a video tag say: frame type, codec and packet type."""

    frame_type: int
    codec: int | str  # 7 for H.264, or a FourCC ("hvc1", "av01") in Enhanced RTMP
    packet_type: int | None  # AVC packet type (0 config, 1 frame, 2 end) or Enhanced RTMP's

    @property
    def is_keyframe(self) -> bool:
        return self.frame_type == VideoFrame.KEY and not self.is_config

    @property
    def is_config(self) -> bool:
        """Decoder configuration (sequence header), carries no picture."""
        return self.packet_type == SEQUENCE_HEADER

    @property
    def is_picture(self) -> bool:
        # Classic AVC: 1 is a frame; Enhanced RTMP: 1 and 3 (CodedFramesX) are; None: no type.
        return self.frame_type != VideoFrame.INFO and self.packet_type in (None, 1, 3)


def video_info(payload: bytes) -> VideoInfo:
    """Read a video tag body's frame type, codec id and packet type."""
    if not payload:
        raise ProtocolError("empty video tag")
    first = payload[0]
    if first & 0x80:  # Enhanced RTMP: the low nibble is the packet type, a FourCC follows
        codec = payload[1:5].decode("latin-1")
        return VideoInfo((first >> 4) & 0x07, codec, first & 0x0F)
    codec_id = first & 0x0F
    packet_type = payload[1] if codec_id in (AVC, 12) and len(payload) > 1 else None
    return VideoInfo(first >> 4, codec_id, packet_type)


def sound_format(payload: bytes) -> int:
    """Return an audio tag body's sound format (10 is AAC)."""
    if not payload:
        raise ProtocolError("empty audio tag")
    return payload[0] >> 4


def is_audio_config(payload: bytes) -> bool:
    """Tell whether an audio tag is AAC's AudioSpecificConfig rather than sound."""
    return len(payload) > 1 and payload[0] >> 4 == AAC and payload[1] == SEQUENCE_HEADER


def script_data(tag: FlvTag) -> tuple[str, Any] | None:
    """Return a script tag's name and first argument (onMetaData's properties), if it has them."""
    try:
        values = amf0.decode(tag.payload)
    except ProtocolError:
        return None
    if len(values) < 2 or not isinstance(values[0], str):
        return None
    return values[0], values[1]
