"""Probing with PyAV: what a file holds, and every way an upload is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from catalog.transcoding import probe as probe_module
from catalog.transcoding.ladder import plan_ladder
from catalog.transcoding.probe import MediaInfo, ProbeError, probe

pytestmark = pytest.mark.media

Clips = Callable[..., Path]
Files = Callable[[str], Path]


def refusal(path: Path) -> str:
    with pytest.raises(ProbeError) as caught:
        probe(path)
    message = str(caught.value)
    assert message.endswith(".") and "Traceback" not in message and "av." not in message
    return message


def test_the_standard_clip(clip: Path) -> None:
    info = probe(clip)
    assert info.video_frames > 0  # counted only as far as needed: see test_sparse_video.py
    assert replace(info, video_frames=0) == MediaInfo(
        duration=pytest.approx(2.0, abs=0.05),  # type: ignore[arg-type]
        has_video=True,
        has_audio=True,
        width=640,
        height=360,
        fps=30.0,
        has_cover=False,
        demuxer="mov",
    )
    assert not info.audio_only


def test_extension_is_not_trusted(clip: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "holiday.txt"
    renamed.write_bytes(clip.read_bytes())
    assert probe(renamed).width == 640


def test_rotation_metadata_swaps_the_displayed_size(media_file: Files) -> None:
    info = probe(media_file("rotated.mp4"))
    assert (info.width, info.height) == (360, 640)
    assert [(r.width, r.height) for r in plan_ladder(info.width, info.height)] == [
        (360, 640), (240, 426),
    ]  # fmt: skip


def test_portrait_60fps_and_variable_rate(clip_factory: Clips) -> None:
    portrait = probe(clip_factory("portrait.mp4", size="360x640"))
    assert (portrait.width, portrait.height) == (360, 640)
    assert probe(clip_factory("fast.mp4", rate=60)).fps == 60.0
    vfr = probe(clip_factory("vfr.mp4", *VFR_ARGS, audio=False))
    assert 15 < vfr.fps < 25  # two frames in three kept: the average rate, about 20


VFR_ARGS = ("-vf", "select='not(eq(mod(n\\,3)\\,0))'", "-fps_mode", "vfr")


def test_audio_only_and_cover_art(media_file: Files) -> None:
    song = probe(media_file("sine.m4a"))
    assert song.audio_only and song.has_audio and (song.width, song.height) == (0, 0)
    covered = probe(media_file("cover.mp3"))
    assert covered.audio_only and covered.has_cover  # the picture is not a video


def test_zero_bytes(media_file: Files) -> None:
    assert refusal(media_file("zero.mp4")) == "The file is empty (0 bytes)."


def test_not_media(media_file: Files) -> None:
    assert "not a video or audio file" in refusal(media_file("text.mp4"))


def test_a_picture_is_not_a_video(media_file: Files) -> None:
    assert refusal(media_file("picture.png")) == "This file is a picture, not a video."


def test_truncated_mp4_without_its_index(media_file: Files) -> None:
    assert "incomplete or damaged" in refusal(media_file("cut-moov.mp4"))


def test_truncated_mp4_with_its_index_first(media_file: Files) -> None:
    # The index promises 4 s; the bytes stop at about 2 s. Opening works, the end does not.
    assert "incomplete" in refusal(media_file("cut-faststart.mp4"))


def test_unsupported_codec(media_file: Files) -> None:
    assert "not supported" in refusal(media_file("avs2.ts"))


def test_no_video_or_sound(media_file: Files) -> None:
    assert refusal(media_file("subtitles-only.mkv")) == "The file has no video or sound in it."


def test_missing_file(tmp_path: Path) -> None:
    assert refusal(tmp_path / "gone.mp4") == "The uploaded file is missing."


def test_longer_than_the_limit(clip: Path, settings) -> None:
    settings.MEDIA_MAX_DURATION_SECONDS = 1
    assert refusal(clip) == "The file is 2 s long; the longest allowed is 1 s."


def test_frame_larger_than_the_limit(clip: Path, settings) -> None:
    settings.MEDIA_MAX_DIMENSION = 320
    assert "640×360 pixels; the largest allowed is 320" in refusal(clip)


def test_an_oversized_frame_is_refused_before_any_decoding(
    clip: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 16k×16k frame takes gigabytes to decode: the declared size must stop it first.
    def decode(*args: object) -> None:
        pytest.fail("a frame was decoded before the frame size was checked")

    monkeypatch.setattr(probe_module, "_read_start", decode)
    settings.MEDIA_MAX_DIMENSION = 320
    assert refusal(clip) == (
        "The picture is 640×360 pixels; the largest allowed is 320 pixels on each side."
    )


def test_the_decoder_refuses_frames_over_the_limit(
    clip: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were a stream to declare no size, the decoder itself must refuse a frame too large.
    monkeypatch.setattr(probe_module, "_refuse_oversized", lambda ctx: None)
    settings.MEDIA_MAX_DIMENSION = 320
    assert refusal(clip) == "The file is damaged: its first frames cannot be decoded."
    settings.MEDIA_MAX_DIMENSION = 640
    assert probe(clip).width == 640  # a frame at the limit is decoded as usual


def test_absurdly_small_frame(clip_factory: Clips) -> None:
    assert "only 8×8 pixels" in refusal(clip_factory("8x8.mp4", size="8x8", audio=False))
