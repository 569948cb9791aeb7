"""FLV tags from RTMP messages, tag inspection, and the stream health figures."""

from __future__ import annotations

import json

import pytest

from live.ingest import amf0, flv
from live.ingest.chunks import AGGREGATE, AUDIO, COMMAND_AMF0, DATA_AMF0, DATA_AMF3, VIDEO, Message
from live.ingest.errors import ProtocolError
from live.ingest.flv import FlvTag, TagKind
from live.ingest.stats import StreamStats

pytestmark = pytest.mark.database_free

METADATA = amf0.EcmaArray(width=640.0, height=360.0, framerate=30.0, videocodecid=7.0)


def test_tag_bytes_follow_the_flv_layout() -> None:
    tag = FlvTag(TagKind.VIDEO, 0x12345678, b"\x17\x01abc")
    raw = tag.to_bytes()
    assert raw[0] == 9
    assert raw[1:4] == (5).to_bytes(3, "big")
    assert raw[4:7] == bytes.fromhex("345678") and raw[7] == 0x12  # lower 24 bits, then upper 8
    assert raw[8:11] == bytes(3)  # stream id
    assert raw[11:16] == b"\x17\x01abc"
    assert raw[16:] == (11 + 5).to_bytes(4, "big")


def test_file_header() -> None:
    assert flv.file_header() == b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"
    assert flv.file_header(audio=False)[4] == 1


def test_set_data_frame_becomes_on_metadata() -> None:
    payload = amf0.encode("@setDataFrame", "onMetaData", METADATA)
    [tag] = flv.tags_from_message(Message(DATA_AMF0, 1, 0, payload))
    assert tag.kind == TagKind.SCRIPT
    assert tag.payload == amf0.encode("onMetaData", METADATA)  # what ffmpeg's muxer writes
    assert flv.script_data(tag) == ("onMetaData", METADATA)
    [wrapped] = flv.tags_from_message(Message(DATA_AMF3, 1, 0, b"\0" + payload))
    assert wrapped == tag


def test_media_passes_through_and_the_rest_is_not_media() -> None:
    assert flv.tags_from_message(Message(AUDIO, 1, 7, b"\xaf\x01x")) == [
        FlvTag(TagKind.AUDIO, 7, b"\xaf\x01x")
    ]
    assert flv.tags_from_message(Message(VIDEO, 1, 7, b"")) == []  # empty: nothing to play
    assert flv.tags_from_message(Message(COMMAND_AMF0, 0, 0, amf0.encode("x", 1.0))) == []


def sub_tag(kind: int, timestamp: int, body: bytes) -> bytes:
    return FlvTag(TagKind(kind), timestamp, body).to_bytes()


def test_an_aggregate_message_splits_into_tags_on_the_message_clock() -> None:
    payload = sub_tag(VIDEO, 500, b"\x17\x01v") + sub_tag(AUDIO, 520, b"\xaf\x01a")
    tags = flv.tags_from_message(Message(AGGREGATE, 1, 1000, payload))
    assert tags == [
        FlvTag(TagKind.VIDEO, 1000, b"\x17\x01v"),
        FlvTag(TagKind.AUDIO, 1020, b"\xaf\x01a"),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        sub_tag(VIDEO, 0, b"abc")[:-1],  # its PreviousTagSize cut
        sub_tag(VIDEO, 0, b"abc")[:5],
        bytes((20,)) + sub_tag(VIDEO, 0, b"abc")[1:],  # not a media tag type
    ],
)
def test_a_malformed_aggregate_is_refused(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        flv.tags_from_message(Message(AGGREGATE, 1, 0, payload))


@pytest.mark.parametrize(
    ("payload", "keyframe", "config", "picture", "codec"),
    [
        (b"\x17\x00\x00\x00\x00\x01", False, True, False, 7),  # AVC sequence header
        (b"\x17\x01\x00\x00\x00", True, False, True, 7),  # AVC keyframe
        (b"\x27\x01\x00\x00\x00", False, False, True, 7),  # AVC inter frame
        (b"\x27\x02", False, False, False, 7),  # AVC end of sequence
        (b"\x90hvc1", False, True, False, "hvc1"),  # Enhanced RTMP: sequence start
        (b"\x91hvc1\x00\x00\x00", True, False, True, "hvc1"),  # Enhanced RTMP: keyframe
        (b"\xa3av01", False, False, True, "av01"),  # Enhanced RTMP: inter, CodedFramesX
        (b"\x52", False, False, False, 2),  # a command frame (type 5)
    ],
)
def test_video_info(
    payload: bytes, keyframe: bool, config: bool, picture: bool, codec: object
) -> None:
    info = flv.video_info(payload)
    assert (info.is_keyframe, info.is_config, info.is_picture, info.codec) == (
        keyframe,
        config,
        picture,
        codec,
    )


def test_audio_inspection() -> None:
    assert flv.sound_format(b"\xaf\x01") == flv.AAC
    assert flv.is_audio_config(b"\xaf\x00\x12\x10")
    assert not flv.is_audio_config(b"\xaf\x01\x21")
    assert flv.sound_format(b"\x2f") == 2  # MP3
    with pytest.raises(ProtocolError):
        flv.sound_format(b"")
    with pytest.raises(ProtocolError):
        flv.video_info(b"")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stream(stats: StreamStats, clock: Clock, *, seconds: int, skip_every: int = 0) -> None:
    """Feed 30 fps video with a keyframe every 2 s and 16 kB/s of audio, in real time."""
    stats.add(FlvTag(TagKind.SCRIPT, 0, amf0.encode("onMetaData", METADATA)))
    stats.add(FlvTag(TagKind.VIDEO, 0, b"\x17\x00config"))
    for frame in range(30 * seconds):
        clock.now = 100.0 + frame / 30
        if skip_every and frame % skip_every == skip_every // 2:
            continue  # the encoder dropped it
        kind = 0x10 if frame % 60 == 0 else 0x20
        stats.add(
            FlvTag(TagKind.VIDEO, round(frame * 1000 / 30), bytes((kind | 7, 1)) + bytes(998))
        )
        if frame % 3 == 0:
            stats.add(FlvTag(TagKind.AUDIO, round(frame * 1000 / 30), b"\xaf\x01" + bytes(1598)))


def test_stats_measure_a_steady_stream() -> None:
    clock = Clock()
    stats = StreamStats(window=5.0, clock=clock)
    stream(stats, clock, seconds=10)
    snapshot = stats.snapshot()
    assert snapshot["fps"] == pytest.approx(30, abs=0.5)
    # 30 kB/s of video and 16 kB/s of audio: 368 kbit/s.
    assert snapshot["bitrate_kbps"] == pytest.approx(368, rel=0.02)
    assert snapshot["keyframe_interval_s"] == 2.0
    assert snapshot["dropped_frames"] == 0
    assert (snapshot["declared_fps"], snapshot["width"], snapshot["height"]) == (30, 640, 360)
    assert snapshot["frames"] == 300
    json.dumps(snapshot)  # plain numbers only


def test_stats_count_dropped_frames_and_forget_old_data() -> None:
    clock = Clock()
    stats = StreamStats(window=5.0, clock=clock)
    stream(stats, clock, seconds=10, skip_every=10)  # one frame in ten lost
    assert stats.snapshot()["dropped_frames"] == 30
    assert stats.snapshot()["fps"] == pytest.approx(27, abs=0.5)
    clock.now += 6  # the encoder stalls: nothing in the window any more
    snapshot = stats.snapshot()
    assert (snapshot["fps"], snapshot["bitrate_kbps"]) == (0, 0)


def test_stats_before_any_data() -> None:
    snapshot = StreamStats().snapshot()
    assert snapshot["bitrate_kbps"] == 0 and snapshot["keyframe_interval_s"] is None
    assert snapshot["dropped_frames"] == 0 and snapshot["declared_fps"] is None
