"""The music track's part of a transcode job: an audio ladder, then tags, loudness, tempo."""

from __future__ import annotations

from pathlib import Path

from catalog.music.analysis import MusicFacts, analyse
from catalog.transcoding import jobs
from catalog.transcoding.backends import get_transcoder
from catalog.transcoding.backends.base import TranscodeResult
from catalog.transcoding.backends.ffmpeg import ffmpeg_exe
from catalog.transcoding.probe import MediaInfo, ProbeError

# AAC 160 kb/s (the seed's music preset) and 64 kb/s for poor networks, one master playlist.
BITRATES = (160_000, 64_000)
TRANSCODE_SHARE = 70.0  # percent of the progress bar; the analysis takes up to 90
ANALYSIS_END = 90.0
NOT_AUDIO = "This file has moving pictures: upload it as a video, not as a music track."
NO_SOUND = "This file has no sound in it, so it cannot be a music track."


def transcode(
    source: Path, info: MediaInfo, out_dir: Path, heartbeat: jobs.Heartbeat
) -> tuple[TranscodeResult, MusicFacts]:
    """Transcode an audio file to the music ladder and analyse it; refuse anything else."""
    if info.has_video:
        raise ProbeError(NOT_AUDIO)
    if not info.has_audio:
        raise ProbeError(NO_SOUND)
    result = get_transcoder().transcode(
        source=source,
        info=info,
        out_dir=out_dir,
        on_progress=lambda percent: heartbeat(percent * TRANSCODE_SHARE / 100),
        audio_bitrates=BITRATES,
    )
    heartbeat(TRANSCODE_SHARE)
    facts = analyse(
        ffmpeg=ffmpeg_exe(), source=source, info=info, work=out_dir.parent, on_progress=heartbeat
    )
    heartbeat(ANALYSIS_END)
    return result, facts
