"""The RTMP server with real encoders: ffmpeg publishes, is refused, is dropped."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import av
import pytest

from live.ingest import flv, messages
from live.ingest.chunks import AUDIO, VIDEO, Message
from live.ingest.server import Limits

from .rtmp import BOUND, GOOD_KEY, WRONG_KEY, RawClient, ffmpeg_publisher, finish, running_server

pytestmark = [pytest.mark.database_free, pytest.mark.anyio, pytest.mark.media]

SECONDS = 3


async def test_ffmpeg_publishes_a_stream_that_plays_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_server() as (server, hub):
        async with ffmpeg_publisher(server.port, seconds=SECONDS) as process:
            code, stderr = await finish(process, timeout=SECONDS + 20)
        assert code == 0, stderr[-2000:]
        [recorder] = hub.publishers
        assert await recorder.wait_for_end() == (True, "unpublished")
        assert recorder.request.app == "live"
        assert recorder.request.stream_key == GOOD_KEY
        assert recorder.request.peer == "127.0.0.1"
        assert recorder.tags[0].kind == flv.TagKind.SCRIPT
        assert flv.script_data(recorder.tags[0])[0] == "onMetaData"  # type: ignore[index]
        snapshot = recorder.connection.stats.snapshot()
    assert "rtmp 127.0.0.1: publishing" in caplog.text
    assert GOOD_KEY not in caplog.text

    with av.open(str(recorder.write_flv(tmp_path / "recorded.flv"))) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 640, 360)
        assert audio.codec_context.name == "aac"
        assert container.duration is not None
        assert container.duration / av.time_base == pytest.approx(SECONDS, abs=0.2)
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 30 * SECONDS
    assert snapshot["declared_fps"] == 30
    assert snapshot["keyframe_interval_s"] == 1.0  # -g 30 at 30 fps
    assert snapshot["frames"] == frames
    assert snapshot["dropped_frames"] == 0
    assert (snapshot["width"], snapshot["height"]) == (640, 360)


async def test_a_wrong_key_is_refused_before_any_media(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_server() as (server, hub):
        async with ffmpeg_publisher(server.port, WRONG_KEY, seconds=SECONDS) as process:
            code, stderr = await finish(process, timeout=BOUND)
            exited = time.monotonic()
        assert code != 0
        assert "Server error: Unknown stream key." in stderr
        assert [r.stream_key for r in hub.requests] == [WRONG_KEY]
        assert hub.publishers == []
        assert exited - hub.refused_at[0] < 1.0
        assert not server.connections
    assert "refused (NetStream.Publish.BadName)" in caplog.text
    assert WRONG_KEY not in caplog.text


async def test_an_authorize_failure_refuses_without_details(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_server() as (server, hub):
        hub.failure = RuntimeError("database is locked at /secret/path")
        async with ffmpeg_publisher(server.port, seconds=SECONDS) as process:
            code, stderr = await finish(process, timeout=BOUND)
    assert code != 0
    assert "Server error: Publishing is unavailable; try again later." in stderr
    assert "secret" not in stderr
    assert "authorization failed" in caplog.text  # logged for us, with the traceback
    assert GOOD_KEY not in caplog.text


async def test_closing_the_connection_stops_ffmpeg() -> None:
    async with running_server() as (server, hub):
        async with ffmpeg_publisher(server.port, seconds=60) as process:
            recorder = await hub.first_publisher()
            await recorder.wait_for_tags(10)
            await recorder.connection.close("Stream key rotated.")
            assert recorder.ends == [(False, "Stream key rotated.")]
            code, stderr = await finish(process, timeout=BOUND)
        assert code != 0
        assert "Server error: Stream key rotated." in stderr
        assert not server.connections


async def test_closing_the_server_drops_every_connection() -> None:
    async with running_server() as (server, hub):
        async with ffmpeg_publisher(server.port, seconds=60) as process:
            recorder = await hub.first_publisher()
            await recorder.wait_for_tags(10)
            idle = await RawClient.open(server.port)
            await server.close()
            assert recorder.ends == [(False, "The server is shutting down.")]
            await idle.closed_within(BOUND)
            code, stderr = await finish(process, timeout=BOUND)
        assert code != 0
        assert "Server error: The server is shutting down." in stderr


async def test_publish_before_connect_is_refused() -> None:
    async with running_server() as (server, hub):
        client = await RawClient.open(server.port)
        await client.handshake()
        client.command("publish", 3, None, GOOD_KEY, "live", stream_id=1)
        status = await client.expect_status()
        assert (status["level"], status["description"]) == ("error", "Connect before publishing.")
        await client.closed_within(1.0)
        assert hub.requests == []


async def test_a_second_publish_is_refused_and_ends_the_first() -> None:
    async with running_server() as (server, hub):
        client = await RawClient.open(server.port)
        await client.connect()
        client.command("publish", 3, None, GOOD_KEY, "live", stream_id=1)
        assert (await client.expect_status())["code"] == "NetStream.Publish.Start"
        client.command("publish", 4, None, GOOD_KEY, "live", stream_id=1)
        status = await client.expect_status()
        assert (status["level"], status["description"]) == ("error", "One publish per connection.")
        await client.closed_within(1.0)
        [recorder] = hub.publishers
        assert await recorder.wait_for_end() == (False, "refused (NetStream.Publish.BadName)")


async def test_play_is_refused() -> None:
    async with running_server() as (server, hub):
        client = await RawClient.open(server.port)
        await client.connect()
        client.command("play", 3, None, GOOD_KEY, stream_id=1)
        status = await client.expect_status()
        assert (status["level"], status["code"]) == ("error", "NetStream.Play.Failed")
        await client.closed_within(1.0)
        assert hub.requests == []


async def test_media_before_publish_start_never_reaches_the_publisher() -> None:
    async with running_server() as (server, hub):
        client = await RawClient.open(server.port)
        await client.connect()
        early = Message(VIDEO, 1, 0, b"\x17\x01early")
        client.send(early, 6)
        # The same write as publish: sent before the client could know it was accepted.
        publish = messages.command("publish", 3, None, GOOD_KEY, "live", stream_id=1)
        client.writer.write(client.out.encode(publish, 8) + client.out.encode(early, 6))
        assert (await client.expect_status())["code"] == "NetStream.Publish.Start"
        client.send(Message(AUDIO, 1, 40, b"\xaf\x01after"), 4)
        client.send(Message(AUDIO, 2, 40, b"\xaf\x01other stream"), 4)
        client.send(Message(VIDEO, 1, 80, b"\x27\x01after"), 6)
        [recorder] = hub.publishers
        await recorder.wait_for_tags(2)
        assert [(t.kind, t.payload) for t in recorder.tags] == [
            (flv.TagKind.AUDIO, b"\xaf\x01after"),
            (flv.TagKind.VIDEO, b"\x27\x01after"),
        ]
        client.command("FCUnpublish", 5, None, GOOD_KEY)
        assert await recorder.wait_for_end() == (True, "unpublished")
        client.close()


async def test_acknowledges_as_the_peer_window_requires() -> None:
    async with running_server() as (server, _):
        client = await RawClient.open(server.port)
        await client.connect()
        client.send(messages.window_ack_size(10_000), messages.CONTROL_CSID)
        client.command("publish", 3, None, GOOD_KEY, "live", stream_id=1)
        assert (await client.expect_status())["code"] == "NetStream.Publish.Start"
        client.send(Message(VIDEO, 1, 0, bytes(12_000)), 6)
        while (message := await client.receive()).type_id != messages.ACKNOWLEDGEMENT:
            pass
        assert int.from_bytes(message.payload) > 12_000 + 3073  # media, commands, handshake
        client.send(messages.user_control(messages.PING_REQUEST, 1234), messages.CONTROL_CSID)
        while (message := await client.receive()).type_id != messages.USER_CONTROL:
            pass
        assert message.payload == messages.user_control(messages.PING_RESPONSE, 1234).payload
        client.close()


async def test_connections_beyond_the_total_are_refused_at_accept() -> None:
    async with running_server(Limits(max_connections=2)) as (server, _):
        first = await RawClient.open(server.port, source="127.0.0.2")
        second = await RawClient.open(server.port, source="127.0.0.3")
        await first.handshake()  # both accepted and served
        await second.handshake()
        third = await RawClient.open(server.port, source="127.0.0.4")
        assert await third.closed_within(1.0) < 1.0
        first.close()
        second.close()
