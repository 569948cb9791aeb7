"""The transcoder interface: one source file in, a folder of HLS files out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from catalog.errors import CatalogError
from catalog.transcoding.probe import MediaInfo
from catalog.transcoding.progress import ProgressCallback


class TranscodeError(CatalogError):
    """The transcode failed; ``str(error)`` is for the owner, ``log_tail`` for operators."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(message)
        self.log_tail = log_tail


@dataclass(frozen=True)
class RenditionOutput:
    """One rendition written to the output folder (names are relative to it)."""

    playlist: str
    bitrate: int  # peak bits/s, as the master playlist's BANDWIDTH
    codecs: str
    bytes: int
    width: int | None = None
    height: int | None = None
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranscodeResult:
    """Everything a finished transcode wrote; every name is relative to the output folder."""

    master: str
    renditions: list[RenditionOutput]
    poster: str | None = None
    sprite: str | None = None
    sprite_vtt: str | None = None
    log_tail: str = ""


class Transcoder(ABC):
    """Turn a probed local file into an HLS ladder with a poster and a seek sprite."""

    @abstractmethod
    def transcode(
        self,
        *,
        source: Path,
        info: MediaInfo,
        out_dir: Path,
        on_progress: ProgressCallback,
        audio_bitrates: tuple[int, ...] = (),
    ) -> TranscodeResult:
        """Write the outputs into ``out_dir``; call ``on_progress(percent)`` often.

        ``audio_bitrates`` asks an audio-only source for one AAC rendition per bitrate in
        the master playlist (music); empty means the usual single audio rendition.

        Raise TranscodeError on failure; whatever ``on_progress`` raises must stop the
        work and propagate.
        """
