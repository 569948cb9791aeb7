"""Measure the HLS output and write the master playlist with exact BANDWIDTH and CODECS."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

AAC_LC = "mp4a.40.2"


@dataclass(frozen=True)
class Segment:
    """One media segment of a media playlist."""

    uri: str
    duration: float
    size: int


@dataclass(frozen=True)
class MediaPlaylist:
    """A media playlist as written to disk, with the sizes of its files."""

    name: str
    init: str | None
    segments: tuple[Segment, ...]
    target_duration: float

    @property
    def files(self) -> list[str]:
        """Return every file the playlist needs, init segment first."""
        return ([self.init] if self.init else []) + [s.uri for s in self.segments]

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.segments)


@dataclass(frozen=True)
class Variant:
    """One ``EXT-X-STREAM-INF`` entry of the master playlist."""

    uri: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    resolution: tuple[int, int] | None = None
    frame_rate: float | None = None


def read_media_playlist(path: Path) -> MediaPlaylist:
    """Parse a media playlist written by ffmpeg and measure its files on disk."""
    init = None
    target = 0.0
    segments: list[Segment] = []
    duration: float | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MAP:"):
            init = line.split('URI="', 1)[1].split('"', 1)[0]
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            target = float(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            size = (path.parent / line).stat().st_size
            segments.append(Segment(line, duration, size))
            duration = None
    return MediaPlaylist(path.name, init, tuple(segments), target)


def peak_bitrate(segments: tuple[Segment, ...] | list[Segment], target: float) -> int:
    """Return the HLS peak: the highest rate of contiguous segments lasting 0.5–1.5 × target."""
    total_bytes = sum(s.size for s in segments)
    total_time = sum(s.duration for s in segments)
    peak = 0.0
    for start in range(len(segments)):
        size = 0
        time = 0.0
        for seg in segments[start:]:
            size += seg.size
            time += seg.duration
            if time > 1.5 * target:
                break
            if time >= 0.5 * target:
                peak = max(peak, size * 8 / time)
    if peak == 0 and total_time > 0:  # shorter than half a target duration
        peak = total_bytes * 8 / total_time
    return math.ceil(peak)


def average_bitrate(segments: tuple[Segment, ...] | list[Segment]) -> int:
    """Return the average rate over the whole playlist."""
    total_time = sum(s.duration for s in segments)
    return math.ceil(sum(s.size for s in segments) * 8 / total_time) if total_time else 0


def avc_codec(init_segment: Path) -> str:
    """Read the RFC 6381 codec string (avc1.PPCCLL) from the init segment's avcC box."""
    data = init_segment.read_bytes()
    at = data.find(b"avcC")
    if at < 0 or len(data) < at + 8:
        raise ValueError(f"{init_segment.name} has no H.264 configuration")
    profile, compat, level = data[at + 5], data[at + 6], data[at + 7]
    return f"avc1.{profile:02x}{compat:02x}{level:02x}"


def write_master(
    path: Path, variants: list[Variant], *, audio_uri: str | None = None, channels: int = 2
) -> None:
    """Write the master playlist; audio, when given, is one group shared by every variant."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio_uri:
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",LANGUAGE="und",'
            f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="{channels}",URI="{audio_uri}"'
        )
    for v in variants:
        attrs = [f"BANDWIDTH={v.bandwidth}", f"AVERAGE-BANDWIDTH={v.average_bandwidth}"]
        if v.resolution:
            attrs.append(f"RESOLUTION={v.resolution[0]}x{v.resolution[1]}")
        if v.frame_rate:
            attrs.append(f"FRAME-RATE={v.frame_rate:.3f}")
        attrs.append(f'CODECS="{v.codecs}"')
        if audio_uri:
            attrs.append('AUDIO="audio"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.uri]
    path.write_text("\n".join(lines) + "\n")
