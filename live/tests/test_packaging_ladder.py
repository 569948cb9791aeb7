"""The live ladder, the ffmpeg command it becomes, and the playlists' text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import m3u8
import pytest

from catalog.transcoding.ladder import make_rung
from live.packaging import command, ladder
from live.packaging.ladder import COPY_MAX_BITRATE, for_run, keyframe_warning, plan
from live.packaging.playlists import Entry, media_playlist, target_duration, widest
from live.packaging.source import SourceError, SourceInfo

pytestmark = pytest.mark.database_free

OBS = SourceInfo(
    width=1280, height=720, fps=30.0, video_codec="h264", audio_codec="aac",
    bitrate=4_500_000, has_video=True, has_audio=True, keyframe_interval=1.0,
    pixel_format="yuv420p", audio_profile="LC",
)  # fmt: skip


def rungs(source: SourceInfo, **kwargs: bool) -> list[tuple[str, int, int, bool]]:
    return [(r.name, r.width, r.height, r.copy) for r in plan(source, **kwargs).rungs]


def test_a_720p_h264_stream_is_copied_with_the_lower_vod_rungs() -> None:
    assert rungs(OBS) == [
        ("720p", 1280, 720, True),
        ("480p", 852, 480, False),
        ("360p", 640, 360, False),
        ("240p", 426, 240, False),
    ]
    small = replace(OBS, width=640, height=360, bitrate=1_500_000)
    assert rungs(small) == [("360p", 640, 360, True), ("240p", 426, 240, False)]
    portrait = replace(OBS, width=720, height=1280)
    assert [r[:3] for r in rungs(portrait)][:2] == [("720p", 720, 1280), ("480p", 480, 852)]


def test_copy_only_when_the_ladder_is_off(settings) -> None:
    settings.LIVE_TRANSCODE_LADDER = False
    assert rungs(OBS) == [("720p", 1280, 720, True)]
    assert rungs(replace(OBS, video_codec="hevc")) == [("720p", 1280, 720, False)]


@pytest.mark.parametrize(
    "change",
    [
        {"bitrate": COPY_MAX_BITRATE + 1},  # more than viewers can take
        {"video_codec": "hevc"},
        {"pixel_format": "yuv420p10le"},  # High 10: browsers cannot decode it
        {"bitrate": 0},  # unknown
    ],
)
def test_the_top_rung_is_encoded_at_the_source_size_otherwise(change: dict[str, object]) -> None:
    planned = plan(replace(OBS, **change), transcode=True)  # type: ignore[arg-type]
    top = planned.rungs[0]
    assert (top.name, top.width, top.height, top.copy) == ("720p", 1280, 720, False)
    assert top.video_bitrate == make_rung(1280, 720).video_bitrate
    assert not planned.copies_video


def test_above_1080p_the_encoded_top_is_1080p() -> None:
    uhd = replace(OBS, width=3840, height=2160, video_codec="hevc")
    assert [r[:3] for r in rungs(uhd)][:2] == [("1080p", 1920, 1080), ("720p", 1280, 720)]


def test_sound() -> None:
    assert (plan(OBS).audio_copy, plan(OBS).audio_codecs) == (True, "mp4a.40.2")
    he = plan(replace(OBS, audio_profile="HE-AAC"))
    assert (he.audio_copy, he.audio_codecs) == (True, "mp4a.40.5")
    mp3 = plan(replace(OBS, audio_codec="mp3"))
    assert (mp3.audio_copy, mp3.audio_codecs, mp3.copies_video) == (False, "mp4a.40.2", True)
    radio = plan(replace(OBS, has_video=False, width=0, height=0, video_codec=""))
    assert (radio.rungs, radio.names) == ((), ["audio"])


def test_a_reconnect_keeps_the_renditions() -> None:
    session = plan(OBS)
    assert for_run(session, OBS) == session
    bigger = for_run(session, replace(OBS, width=1920, height=1080))  # new OBS settings
    assert [r.name for r in bigger.rungs] == session.names
    assert (bigger.rungs[0].width, bigger.rungs[0].height, bigger.rungs[0].copy) == (
        1280,
        720,
        False,
    )
    back = for_run(bigger, OBS)
    assert back.rungs[0].copy and back.rungs[1:] == session.rungs[1:]
    with pytest.raises(SourceError, match="different tracks"):
        for_run(session, replace(OBS, has_audio=False, audio_codec=""))


def test_keyframe_warning_only_when_the_copy_follows_long_keyframes() -> None:
    copied, encoded = plan(OBS), plan(replace(OBS, video_codec="hevc"))
    assert keyframe_warning(copied, 2.0) and keyframe_warning(copied, 4.0)
    assert not keyframe_warning(copied, 1.001)  # 29.97 fps, 30 frames
    assert not keyframe_warning(copied, None)
    assert not keyframe_warning(encoded, 4.0)  # encoded rungs make their own keyframes


def option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_command_for_a_copied_and_encoded_ladder(tmp_path: Path) -> None:
    planned = plan(replace(OBS, width=640, height=360))
    cmd = command.live_command(
        ffmpeg="ffmpeg", ladder=planned, out_dir=tmp_path, run="r2-abc123", offset=12.345
    )
    assert option(cmd, "-protocol_whitelist") == "pipe" and option(cmd, "-f") == "flv"
    assert option(cmd, "-i") == "pipe:0" and option(cmd, "-format_whitelist") == "flv"
    assert (option(cmd, "-c:v:0"), option(cmd, "-c:v:1"), option(cmd, "-c:a")) == (
        "copy",
        "libx264",
        "copy",
    )
    assert option(cmd, "-var_stream_map") == "v:0,a:0,name:360p v:1,a:1,name:240p"
    assert option(cmd, "-hls_fmp4_init_filename") == "%v_r2-abc123_init.mp4"
    assert option(cmd, "-hls_segment_filename") == str(tmp_path / "%v_r2-abc123_%05d.m4s")
    assert option(cmd, "-hls_time") == "1" and option(cmd, "-output_ts_offset") == "12.345"
    assert "temp_file" in option(cmd, "-hls_flags") and "delete_segments" not in cmd
    graph = option(cmd, "-filter_complex")
    assert graph.startswith("[0:V:0]fps=30,scale=426:240:force_original_aspect_ratio=decrease")
    assert option(cmd, "-force_key_frames:v:1") == "expr:gte(t,n_forced*1)"


def test_command_for_one_rendition_and_sound_to_encode(tmp_path: Path) -> None:
    radio = plan(
        replace(OBS, has_video=False, width=0, height=0, video_codec="", audio_codec="opus")
    )
    cmd = command.live_command(ffmpeg="ffmpeg", ladder=radio, out_dir=tmp_path, run="r1-aa")
    assert option(cmd, "-var_stream_map") == "a:0,name:audio"
    assert option(cmd, "-hls_fmp4_init_filename") == "audio_r1-aa_init.mp4"  # no %v for one
    assert option(cmd, "-c:a") == "aac" and "-filter_complex" not in cmd


def test_target_duration_and_codecs() -> None:
    assert target_duration([1.0, 0.99, 1.49]) == 1
    assert target_duration([1.0, 4.5]) == 5
    assert target_duration([]) == 1
    assert widest(["avc1.42c01e,mp4a.40.2", "avc1.64001f,mp4a.40.2", "avc1.4d401e"]) == (
        "avc1.64001f,mp4a.40.2"
    )


def test_playlists_text() -> None:
    t0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    entries = [
        Entry("a_0.m4s", 1.0, t0, "a_init.mp4"),
        Entry("a_1.m4s", 1.0, t0 + timedelta(seconds=1), "a_init.mp4"),
        Entry("b_0.m4s", 0.5, t0 + timedelta(seconds=9), "b_init.mp4", discontinuity=True),
    ]
    live = media_playlist(entries, target=1, media_sequence=7, discontinuity_sequence=2)
    parsed = m3u8.loads(live)
    assert (parsed.media_sequence, parsed.discontinuity_sequence, parsed.is_endlist) == (
        7,
        2,
        False,
    )
    assert [s.discontinuity for s in parsed.segments] == [False, False, True]
    assert [s.init_section.uri for s in parsed.segments] == ["a_init.mp4"] * 2 + ["b_init.mp4"]
    assert parsed.segments[0].program_date_time == t0
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:05.678Z" in live
    assert live.count("#EXT-X-MAP") == 2 and "#EXT-X-INDEPENDENT-SEGMENTS" in live
    vod = m3u8.loads(media_playlist(entries, target=1, vod=True))
    assert vod.playlist_type == "vod" and vod.is_endlist
    assert m3u8.loads(media_playlist(entries, target=1, ended=True)).is_endlist
    assert ladder.Ladder((), 0.0, True).names == ["audio"]
