"""Choose a live session's renditions: the source copied when it can be, lower rungs encoded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.conf import settings

from catalog.transcoding.ladder import (
    AUDIO_BITRATE,
    LADDER_HEIGHTS,
    MAXRATE_FACTOR,
    Rung,
    even,
    for_frame_rate,
    make_rung,
    output_fps,
    plan_ladder,
)
from catalog.transcoding.playlist import AAC_LC
from live.packaging.playlists import audio_codec
from live.packaging.source import SourceError, SourceInfo

log = logging.getLogger(__name__)

# The source is copied only up to this rate: 12 Mbit/s is the most YouTube recommends for
# 1080p60 H.264 and twice what Twitch accepts, so a higher rate is a misconfigured encoder
# or 4K that most viewers' connections cannot play; such a stream is re-encoded instead.
COPY_MAX_BITRATE = 12_000_000
# Browsers' Media Source plays 8-bit 4:2:0 H.264 only (not High 10 or 4:2:2).
COPY_PIXEL_FORMATS = ("yuv420p", "yuvj420p", "")
# A re-encoded top rung is at most the VOD ladder's largest: 1440p or 4K at live speed
# would take more than a 2-core machine has.
TOP_MAX_SHORT_SIDE = max(LADDER_HEIGHTS)
KEYFRAME_SECONDS = 1.0  # the segment length: transcoded rungs put a keyframe every second
# Timestamps are whole milliseconds and 29.97 fps makes 1.001 s: only longer is warned of.
KEYFRAME_TOLERANCE = 0.1
AUDIO_CODEC = "aac"
AUDIO_NAME = "audio"


@dataclass(frozen=True)
class LiveRung:
    """One rendition; ``copy`` sends the source's own video, else libx264 at these rates."""

    name: str
    width: int
    height: int
    copy: bool
    video_bitrate: int  # the average: the target when encoded, the source's rate when copied
    maxrate: int
    bufsize: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    def as_rung(self) -> Rung:
        return Rung(self.width, self.height, self.video_bitrate, self.maxrate, self.bufsize)


@dataclass(frozen=True)
class Ladder:
    """The renditions of one run of ffmpeg; no rungs means an audio-only stream."""

    rungs: tuple[LiveRung, ...]
    fps: float
    has_audio: bool
    audio_copy: bool = True
    audio_codecs: str = AAC_LC  # the sound's entry in HLS CODECS

    @property
    def names(self) -> list[str]:
        """Return the rendition names: one per rung, or the audio rendition alone."""
        return [r.name for r in self.rungs] if self.rungs else [AUDIO_NAME]

    @property
    def copies_video(self) -> bool:
        return bool(self.rungs) and self.rungs[0].copy

    @property
    def audio_bitrate(self) -> int:
        return AUDIO_BITRATE if self.has_audio else 0


def copyable(source: SourceInfo) -> bool:
    """Tell whether the source's video can be sent as it is: H.264, 8-bit 4:2:0, sane rate."""
    return (
        source.has_video
        and source.video_codec == "h264"
        and source.pixel_format in COPY_PIXEL_FORMATS
        and 0 < source.bitrate <= COPY_MAX_BITRATE
    )


def _audio(source: SourceInfo) -> tuple[bool, str]:
    """Copy AAC as it is; encode any other sound (MP3, Opus...) to AAC-LC.

    The video is copied whatever the sound: an audio encode costs next to nothing.
    """
    if source.audio_codec == AUDIO_CODEC:
        return True, audio_codec(source.audio_profile)
    return False, AAC_LC


def _live(rung: Rung, *, copy: bool = False) -> LiveRung:
    return LiveRung(
        f"{rung.short_side}p", rung.width, rung.height, copy,
        rung.video_bitrate, rung.maxrate, rung.bufsize,
    )  # fmt: skip


def _copy_rung(source: SourceInfo) -> LiveRung:
    rate = source.bitrate
    rung = Rung(source.width, source.height, rate, round(rate * MAXRATE_FACTOR), 2 * rate)
    return _live(rung, copy=True)


def _top_encoded(source: SourceInfo, fps: float) -> Rung:
    """Encode the top rung at the source's size, or the VOD ladder's largest if above it."""
    if min(source.width, source.height) <= TOP_MAX_SHORT_SIDE:
        top = make_rung(even(source.width), even(source.height))
    else:
        top = plan_ladder(source.width, source.height)[0]
    return for_frame_rate([top], fps)[0]


def plan(source: SourceInfo, *, transcode: bool | None = None) -> Ladder:
    """Plan a session's ladder from its first run's source.

    The top rung is the source copied (see ``copyable``) or encoded at its size; lower rungs
    come from the VOD ladder, strictly below the top's short side, never upscaled.
    ``transcode=False`` (``settings.LIVE_TRANSCODE_LADDER``) keeps the top rung only.
    """
    if transcode is None:
        transcode = settings.LIVE_TRANSCODE_LADDER
    has_audio = source.has_audio
    audio_copy, audio_codecs = _audio(source)
    if not source.has_video:
        return Ladder((), 0.0, has_audio, audio_copy, audio_codecs)
    fps = output_fps(source.fps)
    top = _copy_rung(source) if copyable(source) else _live(_top_encoded(source, fps))
    rungs = [top]
    if transcode:
        lower = plan_ladder(source.width, source.height)
        rungs += [_live(r) for r in for_frame_rate(lower, fps) if r.short_side < top.short_side]
    return Ladder(tuple(rungs), fps, has_audio, audio_copy, audio_codecs)


def for_run(session: Ladder, source: SourceInfo) -> Ladder:
    """Fit the session's ladder to a reconnected source: same renditions, same names.

    The top rung is copied again only if the new source is copyable at the same size;
    otherwise it is encoded (fitted, with bars if the shape changed). A stream whose
    tracks changed (picture or sound gone or added) cannot continue the same renditions.
    """
    has_video = bool(session.rungs)
    if source.has_video != has_video or source.has_audio != session.has_audio:
        raise SourceError(
            "The stream came back with different tracks (picture or sound) than it "
            "started with; stop and start a new stream."
        )
    audio_copy, audio_codecs = _audio(source)
    if not has_video:
        return replace(session, audio_copy=audio_copy, audio_codecs=audio_codecs)
    top = session.rungs[0]
    same = (source.width, source.height) == (top.width, top.height)
    if copyable(source) and same:
        first = replace(_copy_rung(source), name=top.name)
    elif top.copy:
        log.info("live source changed; encoding the %s rung from now on", top.name)
        encoded = make_rung(even(top.width), even(top.height))
        first = replace(_live(for_frame_rate([encoded], session.fps)[0]), name=top.name)
    else:
        first = top
    rungs = (first, *session.rungs[1:])
    return replace(session, rungs=rungs, audio_copy=audio_copy, audio_codecs=audio_codecs)


def keyframe_warning(ladder: Ladder, interval: float | None) -> bool:
    """Tell whether the streamer should set a 1 s keyframe interval (only a copy follows it)."""
    if interval is None or not ladder.copies_video:
        return False
    return interval > KEYFRAME_SECONDS + KEYFRAME_TOLERANCE
