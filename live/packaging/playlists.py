"""Write media playlists: the live sliding window and the replay's complete list."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.transcoding.playlist import AAC_LC

AAC_PROFILES = {"LC": AAC_LC, "HE-AAC": "mp4a.40.5", "HE-AACv2": "mp4a.40.29"}


@dataclass(frozen=True)
class Entry:
    """One segment as a playlist names it; ``uri`` relative to the playlist."""

    uri: str
    duration: float
    started: datetime  # the wall time of its first frame (EXT-X-PROGRAM-DATE-TIME)
    init: str  # relative URI of its init segment (EXT-X-MAP)
    discontinuity: bool = False  # a new run (or a gap) starts here


def date_time(moment: datetime) -> str:
    """Write a program date time as HLS wants it: ISO 8601 with milliseconds and a zone."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def target_duration(durations: Sequence[float]) -> int:
    """Return EXT-X-TARGETDURATION: every EXTINF, rounded to the nearest integer, fits in it."""
    return max((math.floor(d + 0.5) for d in durations), default=1) or 1


def media_playlist(
    entries: Sequence[Entry],
    *,
    target: int,
    media_sequence: int = 0,
    discontinuity_sequence: int = 0,
    vod: bool = False,
    ended: bool = False,
) -> str:
    """Render a media playlist; ``vod`` makes it the replay's (typed VOD, with ENDLIST)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}"]
    if vod:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}")
    if discontinuity_sequence:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}")
    lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    init = None
    for i, entry in enumerate(entries):
        if entry.discontinuity and i > 0:
            lines.append("#EXT-X-DISCONTINUITY")
        if entry.init != init:
            lines.append(f'#EXT-X-MAP:URI="{entry.init}"')
            init = entry.init
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{date_time(entry.started)}")
        lines += [f"#EXTINF:{entry.duration:.6f},", entry.uri]
    if vod or ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def audio_codec(profile: str) -> str:
    """Return the HLS CODECS entry of AAC with PyAV's profile name (LC when unknown)."""
    return AAC_PROFILES.get(profile, AAC_LC)


def widest(codecs: Sequence[str]) -> str:
    """Pick the CODECS value that covers every run's: the highest H.264 profile and level."""

    def key(value: str) -> tuple[int, int]:
        video = value.split(",", 1)[0]
        if not video.startswith("avc1.") or len(video) != 11:
            return (0, 0)
        return int(video[5:7], 16), int(video[9:11], 16)

    return max(codecs, key=key)
