"""The one-pass ffmpeg command, the master playlist figures and the sprite map."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.transcoding.command import (
    FILTER_THREADS,
    SCALER_FLAGS,
    fps_expr,
    ladder_command,
    ladder_filter,
)
from catalog.transcoding.ladder import plan_ladder
from catalog.transcoding.playlist import Segment, average_bitrate, peak_bitrate, write_master
from catalog.transcoding.playlist import Variant as V
from catalog.transcoding.thumbnails import plan_sprite, sprite_vtt

OUT = Path("/work/out")


def command(**overrides: object) -> list[str]:
    args: dict[str, object] = {
        "ffmpeg": "ffmpeg", "source": Path("/in.mp4"), "out_dir": OUT,
        "rungs": plan_ladder(1920, 1080), "fps": 30.0, "has_audio": True, "preset": "veryfast",
    }  # fmt: skip
    args.update(overrides)
    return ladder_command(**args)  # type: ignore[arg-type]


def option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_one_input_decoded_once_with_cascaded_scalers() -> None:
    cmd = command()
    assert cmd.count("-i") == 1
    graph = option(cmd, "-filter_complex")
    assert option(cmd, "-filter_complex_threads") == str(FILTER_THREADS) == "2"
    chains = graph.split(";")
    assert chains[0].startswith("[0:V:0]fps=30,scale=1920:1080")
    # Each lower rung is scaled from a larger rung, not from the source: from the rung
    # exactly twice its size where there is one (720 -> 360, 480 -> 240), else the one above.
    assert [chain.split("]")[0] for chain in chains[1:]] == ["[c0_1", "[c1_2", "[c1_3", "[c2_4"]
    assert chains[1].endswith("split=3[v1][c1_2][c1_3]")
    assert chains[4].endswith("[v4]") and "split" not in chains[4]
    assert graph.count("scale=") == 5 == graph.count(f"flags={SCALER_FLAGS}")
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "-map"] == [
        "[v0]", "[v1]", "[v2]", "[v3]", "[v4]", "0:a:0",
    ]  # fmt: skip


def test_h264_aac_with_aligned_two_second_keyframes() -> None:
    cmd = command(fps=60.0)
    assert option(cmd, "-c:v") == "libx264" and option(cmd, "-c:a") == "aac"
    assert option(cmd, "-pix_fmt") == "yuv420p"
    assert option(cmd, "-g") == option(cmd, "-keyint_min") == "120"
    assert option(cmd, "-sc_threshold") == "0"
    assert option(cmd, "-profile:v:0") == "high" and option(cmd, "-profile:v:4") == "main"
    assert option(cmd, "-b:v:1") == str(plan_ladder(1920, 1080)[1].video_bitrate)


def test_fmp4_hls_with_six_second_segments_and_unique_names() -> None:
    cmd = command()
    assert option(cmd, "-f") == "hls"
    assert option(cmd, "-hls_segment_type") == "fmp4"
    assert option(cmd, "-hls_time") == "6"
    assert option(cmd, "-hls_playlist_type") == "vod"
    assert option(cmd, "-master_pl_name") == "master.m3u8"
    assert option(cmd, "-hls_segment_filename") == str(OUT / "%v_%05d.m4s")
    assert option(cmd, "-hls_fmp4_init_filename") == "%v_init.mp4"
    assert cmd[-1] == str(OUT / "%v.m3u8")
    assert option(cmd, "-var_stream_map") == (
        "v:0,agroup:audio,name:1080p v:1,agroup:audio,name:720p v:2,agroup:audio,name:480p "
        "v:3,agroup:audio,name:360p v:4,agroup:audio,name:240p "
        "a:0,agroup:audio,name:audio,default:yes"
    )
    assert option(cmd, "-progress") == "pipe:1" and "-nostats" in cmd
    assert option(cmd, "-map_metadata") == "-1"  # no GPS positions from phones


def test_video_without_audio() -> None:
    cmd = command(rungs=plan_ladder(640, 360), has_audio=False)
    assert "0:a:0" not in cmd and "-c:a" not in cmd
    assert option(cmd, "-var_stream_map") == "v:0,name:360p v:1,name:240p"


def test_audio_only_is_one_aac_rendition() -> None:
    cmd = command(rungs=[], fps=0.0)
    assert "-filter_complex" not in cmd and "-c:v" not in cmd
    assert option(cmd, "-var_stream_map") == "a:0,name:audio"
    # ffmpeg does not expand %v in the init name when there is a single variant.
    assert option(cmd, "-hls_fmp4_init_filename") == "audio_init.mp4"
    with pytest.raises(ValueError):
        command(rungs=[], has_audio=False)


def test_progress_can_be_left_out() -> None:
    assert "-progress" not in command(progress=False)


def test_frame_rates_are_exact_fractions() -> None:
    assert fps_expr(30000 / 1001) == "30000/1001"
    assert fps_expr(25.0) == "25"
    assert "fps=60000/1001," in ladder_filter(plan_ladder(640, 360), 60000 / 1001)


def seg(seconds: float, kbits: float) -> Segment:
    return Segment("s.m4s", seconds, int(kbits * 1000 / 8 * seconds))


def test_peak_bitrate_is_the_busiest_window_not_the_average() -> None:
    segments = [seg(6, 800), seg(6, 2000), seg(6, 800), seg(2, 500)]
    assert peak_bitrate(segments, 6) == 2_000_000
    assert average_bitrate(segments) == 1_130_000


def test_peak_of_a_clip_shorter_than_half_a_segment() -> None:
    assert peak_bitrate([seg(2, 900)], 6) == 900_000


def test_master_playlist_lines(tmp_path: Path) -> None:
    path = tmp_path / "master.m3u8"
    variants = [V("360p.m3u8", 900_000, 800_000, "avc1.64001e,mp4a.40.2", (640, 360), 30.0)]
    write_master(path, variants, audio_uri="audio.m3u8")
    text = path.read_text()
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"' in text and 'URI="audio.m3u8"' in text
    assert (
        "#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,"
        'FRAME-RATE=30.000,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"\n360p.m3u8\n'
    ) in text


def test_sprite_has_at_most_a_hundred_thumbnails_on_keyframes() -> None:
    short = plan_sprite(9, 426, 240)
    assert (short.interval, short.count, short.columns, short.rows) == (2, 5, 5, 1)
    assert (short.thumb_width, short.thumb_height) == (160, 90)
    hour = plan_sprite(3600, 426, 240)
    assert hour.count <= 100 and hour.interval % 2 == 0
    assert (hour.interval, hour.count, hour.rows) == (36, 100, 10)
    portrait = plan_sprite(10, 240, 426)
    assert (portrait.thumb_width, portrait.thumb_height) == (90, 160)


def test_sprite_vtt_cues_point_into_the_grid() -> None:
    plan = plan_sprite(25, 640, 360)
    vtt = sprite_vtt(plan, 25, "sprite.jpg")
    assert vtt.startswith("WEBVTT\n")
    cues = [block.splitlines() for block in vtt.split("\n\n")[1:] if block.strip()]
    assert len(cues) == plan.count == 13
    assert cues[0] == ["00:00:00.000 --> 00:00:02.000", "sprite.jpg#xywh=0,0,160,90"]
    assert cues[10] == ["00:00:20.000 --> 00:00:22.000", "sprite.jpg#xywh=0,90,160,90"]
    assert cues[-1] == ["00:00:24.000 --> 00:00:25.000", "sprite.jpg#xywh=320,90,160,90"]
