"""Integration: real clips through the whole pipeline, checked as a player would see them."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import av
import m3u8
import pytest
from django.conf import settings

from accounts.models import User
from catalog.models import Rendition, TranscodeJob, Video
from catalog.tests.conftest import create_video, run_transcode
from catalog.transcoding.progress import ProgressParser
from conftest import FFMPEG

pytestmark = [pytest.mark.media, pytest.mark.django_db]

Clips = Callable[..., Path]


def local(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def transcoded(user: User, path: Path) -> Video:
    video = run_transcode(create_video(user, path))
    assert video.status == Video.Status.READY, video.error
    return video


def play(playlist: Path) -> float:
    """Decode a playlist with ffmpeg as an HLS client; return the seconds it decoded.

    ``-map 0`` decodes every variant of a master: ffmpeg's HLS reader complains about the
    variants it skips (it stops reading them mid-segment), which says nothing of the files.
    """
    cmd = [FFMPEG, "-v", "error", "-nostats", "-progress", "pipe:1", "-i", str(playlist)]
    cmd += ["-map", "0", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    parser = ProgressParser(0)
    for line in done.stdout.splitlines():
        parser.feed(line)
    assert parser.state.ended
    return parser.state.out_time


def joined(playlist: Path) -> av.container.InputContainer:
    """Open a rendition's init segment and media segments as one fragmented MP4."""
    media = m3u8.load(str(playlist))
    assert media.segment_map, "fMP4 renditions need an EXT-X-MAP init segment"
    parts = [media.segment_map[0].uri, *(s.uri for s in media.segments)]
    data = b"".join((playlist.parent / part).read_bytes() for part in parts)
    return av.open(io.BytesIO(data), "r")


def video_frames(playlist: Path) -> tuple[tuple[int, int], list[float], list[float]]:
    """Return (size, frame times, keyframe times) of a rendition."""
    with joined(playlist) as container:
        stream = container.streams.video[0]
        times, keys = [], []
        size = (0, 0)
        for frame in container.decode(stream):
            size = (frame.width, frame.height)
            times.append(float(frame.time))
            if frame.key_frame:
                keys.append(round(float(frame.time), 3))
        return size, times, keys


def master(video: Video) -> m3u8.M3U8:
    return m3u8.load(str(local(video.hls_path)))


def sizes(video: Video) -> list[tuple[int | None, int | None]]:
    return [(r.width, r.height) for r in video.renditions.all()]


def test_the_standard_clip_becomes_ready(ready_video: Video) -> None:
    video = ready_video
    assert (video.progress, video.error, video.audio_only) == (100, None, False)
    assert video.duration == pytest.approx(2.0, abs=0.05)
    assert (video.width, video.height) == (640, 360)
    assert sizes(video) == [(640, 360), (426, 240)]
    job = video.jobs.get()
    assert (job.status, job.attempt, job.progress) == (TranscodeJob.Status.DONE, 1, 100)
    assert job.lease_expires_at is None
    assert video.output_prefix.startswith(f"videos/{video.pk}/hls/1-")
    work = Path(settings.TRANSCODE_WORK_DIR)
    assert not work.exists() or not any(work.iterdir())


def test_master_playlist_and_every_rendition_plays(ready_video: Video) -> None:
    playlist = master(ready_video)
    assert playlist.is_variant and len(playlist.playlists) == 2
    renditions = {r.playlist_path.rsplit("/", 1)[1]: r for r in ready_video.renditions.all()}
    for variant in playlist.playlists:
        info = variant.stream_info
        rendition: Rendition = renditions[variant.uri]
        assert info.resolution == (rendition.width, rendition.height)
        assert info.bandwidth == rendition.bitrate and info.bandwidth > 100_000
        assert info.average_bandwidth <= info.bandwidth
        assert re.fullmatch(r"avc1\.(4d|64|42)[0-9a-f]{4},mp4a\.40\.2", info.codecs)
        assert info.codecs == rendition.codecs
        assert info.audio == "audio" and info.frame_rate == 30
        path = local(ready_video.output_prefix) / variant.uri
        assert play(path) == pytest.approx(2.0, abs=0.15)
    [audio] = playlist.media
    assert (audio.type, audio.group_id, audio.default) == ("AUDIO", "audio", "YES")
    assert play(local(ready_video.output_prefix) / audio.uri) == pytest.approx(2.0, abs=0.15)
    assert play(local(ready_video.hls_path)) == pytest.approx(2.0, abs=0.15)


def test_segments_are_fmp4_with_an_init_segment(ready_video: Video) -> None:
    out = local(ready_video.output_prefix)
    for rendition in ready_video.renditions.all():
        media = m3u8.load(str(local(rendition.playlist_path)))
        assert media.playlist_type == "vod" and media.is_endlist
        assert media.target_duration <= 6
        init = out / media.segment_map[0].uri
        assert init.read_bytes()[4:8] == b"ftyp"
        for segment in media.segments:
            assert (out / segment.uri).read_bytes()[4:8] in (b"moof", b"styp")
        names = [media.segment_map[0].uri, *(s.uri for s in media.segments)]
        assert sum((out / n).stat().st_size for n in names) < rendition.bytes


def test_poster_sprite_and_thumbnail_map(ready_video: Video) -> None:
    with av.open(str(local(ready_video.poster_path))) as poster:
        frame = next(poster.decode(video=0))
        assert (frame.width, frame.height) == (640, 360)
    vtt = local(ready_video.sprite_vtt_path).read_text()
    assert vtt.startswith("WEBVTT")
    cells = re.findall(r"^(sprite\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$", vtt, re.M)
    assert cells and cells[0] == ("sprite.jpg", "0", "0", "160", "90")
    sprite = local(ready_video.output_prefix) / "sprite.jpg"
    with av.open(str(sprite)) as image:
        frame = next(image.decode(video=0))
        assert frame.width >= max(int(c[1]) + int(c[3]) for c in cells)
        assert frame.height >= max(int(c[2]) + int(c[4]) for c in cells)


def test_keyframes_every_two_seconds_aligned_across_rungs_at_60fps(
    user: User, clip_factory: Clips
) -> None:
    video = transcoded(user, clip_factory("fast-5s.mp4", rate=60, seconds=5, audio=False))
    assert master(video).playlists[0].stream_info.frame_rate == 60
    keyframes = []
    for rendition in video.renditions.all():
        size, times, keys = video_frames(local(rendition.playlist_path))
        assert size == (rendition.width, rendition.height)
        assert len(times) == pytest.approx(300, abs=2)
        keyframes.append(keys)
    assert keyframes[0] == keyframes[1] == [0.0, 2.0, 4.0]


def test_six_second_segments_and_no_metadata_of_the_phone(user: User, clip_factory: Clips) -> None:
    where = ("-metadata", "location=+48.8584+002.2945/", "-metadata", "make=PhoneCo")
    video = transcoded(user, clip_factory("located-13s.mp4", *where, size="320x180", seconds=13))
    out = local(video.output_prefix)
    [audio] = master(video).media
    for playlist in [*(local(r.playlist_path) for r in video.renditions.all()), out / audio.uri]:
        media = m3u8.load(str(playlist))
        assert [round(s.duration) for s in media.segments] == [6, 6, 1], playlist.name
        with joined(playlist) as container:
            tags = " ".join(f"{k}={v}" for k, v in container.metadata.items()).lower()
        assert "48.8584" not in tags and "phoneco" not in tags, tags


def test_portrait_video(user: User, clip_factory: Clips) -> None:
    video = transcoded(user, clip_factory("portrait.mp4", size="360x640"))
    assert (video.width, video.height) == (360, 640)
    assert sizes(video) == [(360, 640), (240, 426)]
    assert master(video).playlists[0].stream_info.resolution == (360, 640)


def psnr(rendition: Path, source: Path, width: int, height: int) -> float:
    """Compare a rendition with ffmpeg's own (auto-rotated) decode of the source."""
    graph = f"[1:v]scale={width}:{height}[ref];[0:v][ref]psnr"
    cmd = [FFMPEG, "-i", str(rendition), "-i", str(source), "-lavfi", graph, "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    match = re.search(r"PSNR .*average:([\d.]+|inf)", done.stderr)
    assert match, done.stderr[-2000:]
    return float(match.group(1))


def test_rotated_phone_video_is_turned_upright(user: User, media_file) -> None:
    source = media_file("rotated.mp4")  # stored 640x360 with 90° rotation metadata
    video = transcoded(user, source)
    assert (video.width, video.height) == (360, 640)
    assert sizes(video) == [(360, 640), (240, 426)]
    top = local(video.renditions.all()[0].playlist_path)
    assert video_frames(top)[0] == (360, 640)
    # The picture itself is rotated, not squeezed: it matches the upright source.
    assert psnr(top, source, 360, 640) > 25


def test_variable_frame_rate_becomes_constant(user: User, clip_factory: Clips) -> None:
    source = clip_factory("vfr.mp4", "-vf", "select='not(eq(mod(n\\,3)\\,0))'", "-fps_mode", "vfr")
    video = transcoded(user, source)
    rate = master(video).playlists[0].stream_info.frame_rate
    assert rate == 20
    _, times, _ = video_frames(local(video.renditions.all()[0].playlist_path))
    steps = {round(b - a, 4) for a, b in itertools.pairwise(times)}
    assert steps == {round(1 / rate, 4)}


def test_video_without_audio(user: User, clip_factory: Clips) -> None:
    video = transcoded(user, clip_factory("silent.mp4", audio=False))
    playlist = master(video)
    assert not playlist.media
    assert all(p.stream_info.audio is None for p in playlist.playlists)
    assert all(re.fullmatch(r"avc1\.[0-9a-f]{6}", r.codecs) for r in video.renditions.all())
    assert play(local(video.hls_path)) == pytest.approx(2.0, abs=0.15)


def test_audio_only_file(user: User, media_file) -> None:
    video = transcoded(user, media_file("sine.m4a"))
    assert video.audio_only and (video.width, video.height) == (None, None)
    assert video.duration == pytest.approx(2.0, abs=0.1)
    [rendition] = video.renditions.all()
    assert (rendition.width, rendition.height, rendition.codecs) == (None, None, "mp4a.40.2")
    [variant] = master(video).playlists
    assert variant.stream_info.resolution is None and variant.stream_info.codecs == "mp4a.40.2"
    assert play(local(video.hls_path)) == pytest.approx(2.0, abs=0.15)
    assert video.sprite_vtt_path == ""
    with av.open(str(local(video.poster_path))) as poster:  # the waveform picture
        frame = next(poster.decode(video=0))
        assert (frame.width, frame.height) == (1280, 720)


def test_audio_with_cover_art_uses_the_cover_as_poster(user: User, media_file) -> None:
    video = transcoded(user, media_file("cover.mp3"))
    assert video.audio_only
    with av.open(str(local(video.poster_path))) as poster:
        frame = next(poster.decode(video=0))
        assert (frame.width, frame.height) == (300, 300)


def test_superseded_outputs_are_deleted_after_publishing(
    user: User, clip: Path, django_capture_on_commit_callbacks
) -> None:
    video = create_video(user, clip)
    stale = f"videos/{video.pk}/hls/0-deadbeef/360p_00000.m4s"
    local(stale).parent.mkdir(parents=True)
    local(stale).write_bytes(b"left by a worker that died")
    with django_capture_on_commit_callbacks(execute=True):
        video = run_transcode(video)
    hls = local(f"videos/{video.pk}/hls")
    assert [p.name for p in hls.iterdir()] == [video.output_prefix.rsplit("/", 1)[1]]
