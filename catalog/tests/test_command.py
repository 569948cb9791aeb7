"""The one-pass ffmpeg command, the master playlist figures and the sprite map."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest

from catalog.transcoding.command import fps_expr, ladder_command, ladder_filter, scale_parents
from catalog.transcoding.ladder import plan_ladder
from catalog.transcoding.playlist import Segment, average_bitrate, peak_bitrate, write_master
from catalog.transcoding.playlist import Variant as V
from catalog.transcoding.thumbnails import plan_sprite, sprite_vtt
from conftest import FFMPEG

OUT = Path("/work/out")


def command(**overrides: object) -> list[str]:
    args: dict[str, object] = {
        "ffmpeg": "ffmpeg", "source": Path("/in.mp4"), "out_dir": OUT,
        "rungs": plan_ladder(1920, 1080), "fps": 30.0, "has_audio": True, "preset": "veryfast",
    }  # fmt: skip
    args.update(overrides)
    return ladder_command(**args)  # type: ignore[arg-type]


def test_one_input_decoded_once_for_every_rung_and_the_audio() -> None:
    assert command().count("-i") == 1  # the graph below splits the one decoded picture


def test_each_rung_is_scaled_from_the_rung_twice_its_size_else_the_top_one() -> None:
    # 1080 from the source; 720 from 1080; 480 from 1080 (no 960); 360 from 720; 240 from 480.
    assert scale_parents(plan_ladder(1920, 1080)) == [None, 0, 0, 1, 2]
    assert scale_parents(plan_ladder(640, 480)) == [None, 0, 0]  # 360 and 240 both from 480


@pytest.mark.media
def test_ffmpeg_renders_the_ladder_graph_at_every_size_and_the_output_rate(
    tmp_path: Path,
) -> None:
    rungs = plan_ladder(1920, 1080)
    # An anamorphic 60 fps source (1440x1080 shown as 16:9), as the probe reports it.
    source = "testsrc2=size=1440x1080:rate=60:duration=0.1,setsar=4/3"
    cmd = [FFMPEG, "-v", "error", "-f", "lavfi", "-i", source]
    cmd += ["-filter_complex", ladder_filter(rungs, 30.0)]
    for i in range(len(rungs)):
        cmd += ["-map", f"[v{i}]", "-c:v", "rawvideo", "-f", "nut", str(tmp_path / f"{i}.nut")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for i, rung in enumerate(rungs):
        with av.open(str(tmp_path / f"{i}.nut")) as container:
            frames = list(container.decode(video=0))
        assert {(f.width, f.height, f.format.name) for f in frames} == {
            (rung.width, rung.height, "yuv420p")
        }
        assert len(frames) == 3  # 0.1 s at 30 fps: six source frames, made constant at 30


def test_audio_only_needs_no_video_and_nothing_is_refused() -> None:
    cmd = command(rungs=[], fps=0.0)
    assert "-filter_complex" not in cmd and "-c:v" not in cmd
    with pytest.raises(ValueError):
        command(rungs=[], has_audio=False)


def test_frame_rates_are_exact_fractions() -> None:
    assert fps_expr(30000 / 1001) == "30000/1001"
    assert fps_expr(60000 / 1001) == "60000/1001"
    assert fps_expr(25.0) == "25"


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
