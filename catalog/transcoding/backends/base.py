"""The transcoder interface: one source file in, a folder of HLS files out.

A local backend (ffmpeg) returns a TranscodeResult naming the files it wrote into
``out_dir``; the pipeline uploads them. A remote backend (MediaConvert) writes straight into
the attempt's storage prefix: it returns Submitted, and later (an event or a poll) reports a
RemoteStatus whose result names the files already under the prefix. The pipeline asks the
backend, never a backend's module, for the log tail and the master playlist's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Submitted:
    """A remote engine took the work and writes into the attempt's storage prefix itself.

    ``state`` (JSON-serialisable) is what the backend needs to find its job again; the
    pipeline keeps it on the job row and hands it back to ``status``.
    """

    state: dict[str, Any] = field(default_factory=dict)


class RemoteState(Enum):
    RUNNING = "running"
    COMPLETE = "complete"
    ERROR = "error"


@dataclass(frozen=True)
class RemoteStatus:
    """Where a remote job stands; ``result`` when complete, ``message`` for the owner if not."""

    state: RemoteState
    percent: float | None = None
    result: TranscodeResult | None = None
    message: str = ""
    log_tail: str = ""


@dataclass(frozen=True)
class Job:
    """What a backend is told about the attempt besides the local copy of the source."""

    source: Path  # a local file (a temporary copy when storage is remote)
    source_name: str  # the source's name in Django storage
    prefix: str  # where in storage the attempt's outputs go
    info: MediaInfo
    out_dir: Path  # a local folder for a backend that writes here and lets the pipeline upload
    reference: str = ""  # the transcode job's id, for a remote engine's records


class Transcoder(ABC):
    """Turn a probed local file into an HLS ladder with a poster and a seek sprite."""

    @abstractmethod
    def start(self, job: Job, on_progress: ProgressCallback) -> TranscodeResult | Submitted:
        """Do the work (a result of files in ``job.out_dir``) or submit it (Submitted).

        ``audio_bitrates`` asks an audio-only source for one AAC rendition per bitrate in
        the master playlist (music); empty means the usual single audio rendition.

        Raise TranscodeError on failure; whatever ``on_progress`` raises must stop the
        work and propagate.
        """

    def log_tail(self, work_dir: Path) -> str:
        """Return the end of what the work logged in ``work_dir`` (for operators)."""
        return ""

    def cancel(self, state: dict[str, Any]) -> None:
        """Stop a submitted job that ran out of time (best effort: logs what fails)."""
        raise NotImplementedError(f"{type(self).__name__} never submits work")

    def status(self, state: dict[str, Any], event: dict[str, Any] | None = None) -> RemoteStatus:
        """Return where a submitted job stands: from ``event`` if given, else by asking."""
        raise NotImplementedError(f"{type(self).__name__} never submits work")
