"""The embedded transcoder: ffmpeg from the imageio-ffmpeg wheel, one pass for the ladder."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
from django.conf import settings

from catalog.transcoding import thumbnails
from catalog.transcoding.backends.base import (
    RenditionOutput,
    TranscodeError,
    Transcoder,
    TranscodeResult,
)
from catalog.transcoding.command import (
    AUDIO_NAME,
    MASTER_PLAYLIST,
    audio_names,
    ladder_command,
)
from catalog.transcoding.ladder import Rung, for_frame_rate, output_fps, plan_ladder
from catalog.transcoding.playlist import (
    AAC_LC,
    MediaPlaylist,
    Variant,
    avc_codec,
    average_bitrate,
    peak_bitrate,
    read_media_playlist,
    write_master,
)
from catalog.transcoding.probe import MediaInfo
from catalog.transcoding.process import FFmpegRun, Limits, run_ffmpeg
from catalog.transcoding.progress import ProgressCallback

LADDER_SHARE = 90.0  # percent of the progress bar the ladder pass takes
POSTER_MAX_SHORT_SIDE = 720
FAILED = "The video could not be converted; the file may be damaged or in an unusual format."
KILLED = "Converting the video stopped unexpectedly. Please try again."
MISSING = "Converting the video did not produce a complete result. Please try again."
CPU_LIMITED = (
    "Converting the video took far more computing time than a file of its length should, "
    "so it was stopped. The file may be damaged or unusually built."
)


def ffmpeg_limits(duration: float, units: float = 1.0) -> Limits:
    """Size one run's limits: CPU time grows with the media's length and the work per second.

    ``units`` counts the streams encoded (rungs, the decoder, audio), each weighted by the
    frame rate; the settings' defaults leave an honest file several times what it needs.
    """
    cpu = settings.TRANSCODE_CPU_SECONDS + duration * units * settings.TRANSCODE_CPU_PER_SECOND
    return Limits(cpu_seconds=int(cpu), memory_bytes=settings.TRANSCODE_MEMORY_MB * 1024**2)


def _check(run: FFmpegRun) -> None:
    """Raise the failure the owner should read if the ladder run did not end well."""
    if run.cpu_limited:
        raise TranscodeError(CPU_LIMITED, run.log_tail)
    if not run.ok:
        raise TranscodeError(KILLED if run.returncode < 0 else FAILED, run.log_tail)


def ffmpeg_exe() -> str:
    """Return the ffmpeg binary shipped in the imageio-ffmpeg wheel."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


class FFmpegTranscoder(Transcoder):
    """Transcode locally with ffmpeg."""

    def __init__(self, ffmpeg: str | None = None, preset: str | None = None) -> None:
        self.ffmpeg = ffmpeg or ffmpeg_exe()
        self.preset = preset or settings.TRANSCODE_PRESET

    def transcode(
        self,
        *,
        source: Path,
        info: MediaInfo,
        out_dir: Path,
        on_progress: ProgressCallback,
        audio_bitrates: tuple[int, ...] = (),
    ) -> TranscodeResult:
        """Render the ladder in one pass, then the poster and the sprite."""
        out_dir.mkdir(parents=True, exist_ok=True)
        log_path = out_dir.parent / "ffmpeg.log"
        fps = 0.0
        if info.has_video:
            fps = output_fps(info.fps, frames=info.video_frames, duration=info.duration)
        rungs = for_frame_rate(plan_ladder(info.width, info.height), fps) if info.has_video else []
        cmd = ladder_command(
            ffmpeg=self.ffmpeg, source=source, out_dir=out_dir, rungs=rungs, fps=fps,
            has_audio=info.has_audio, preset=self.preset, demuxer=info.demuxer,
            audio_bitrates=audio_bitrates,
        )  # fmt: skip
        run = run_ffmpeg(
            cmd, log_path=log_path, duration=info.duration,
            on_progress=lambda percent: on_progress(percent * LADDER_SHARE / 100),
            limits=ffmpeg_limits(
                info.duration, (1 + len(rungs) + len(audio_bitrates)) * max(1.0, fps / 30)
            ),
        )  # fmt: skip
        _check(run)
        if rungs or len(audio_bitrates) < 2:
            renditions = self._write_master(out_dir, rungs, fps, info.has_audio, run.log_tail)
        else:
            renditions = self._write_audio_master(out_dir, audio_bitrates, run.log_tail)
        at_thumbs = lambda _percent: on_progress(LADDER_SHARE)  # noqa: E731
        poster = self._poster(source, info, rungs, out_dir, log_path, at_thumbs)
        sprite, vtt = (None, None)
        if rungs:
            sprite, vtt = self._sprite(info, rungs[-1], out_dir, log_path, at_thumbs)
        return TranscodeResult(
            master=MASTER_PLAYLIST, renditions=renditions, poster=poster, sprite=sprite,
            sprite_vtt=vtt, log_tail=run.log_tail,
        )  # fmt: skip

    def _playlist(self, out_dir: Path, name: str, log_tail: str) -> MediaPlaylist:
        path = out_dir / f"{name}.m3u8"
        if not path.exists():
            raise TranscodeError(MISSING, log_tail)
        try:
            playlist = read_media_playlist(path)
        except (OSError, ValueError, IndexError) as exc:
            raise TranscodeError(MISSING, f"{log_tail}\n{exc}") from exc
        if not playlist.segments or not playlist.init:
            raise TranscodeError(MISSING, log_tail)
        return playlist

    def _write_master(
        self, out_dir: Path, rungs: list[Rung], fps: float, has_audio: bool, log_tail: str
    ) -> list[RenditionOutput]:
        """Measure every rendition and replace ffmpeg's master with exact figures."""
        audio = self._playlist(out_dir, AUDIO_NAME, log_tail) if has_audio else None
        audio_peak = peak_bitrate(audio.segments, audio.target_duration) if audio else 0
        audio_avg = average_bitrate(audio.segments) if audio else 0
        outputs: list[RenditionOutput] = []
        variants: list[Variant] = []
        for rung in rungs:
            playlist = self._playlist(out_dir, rung.name, log_tail)
            assert playlist.init is not None
            try:
                codecs = avc_codec(out_dir / playlist.init)
            except (OSError, ValueError) as exc:
                raise TranscodeError(MISSING, f"{log_tail}\n{exc}") from exc
            if audio:
                codecs += f",{AAC_LC}"
            peak = peak_bitrate(playlist.segments, playlist.target_duration) + audio_peak
            average = average_bitrate(playlist.segments) + audio_avg
            variants.append(
                Variant(playlist.name, peak, average, codecs, (rung.width, rung.height), fps)
            )
            outputs.append(self._output(out_dir, playlist, peak, codecs, rung))
        if audio and not rungs:
            variants.append(Variant(audio.name, audio_peak, audio_avg, AAC_LC))
            outputs.append(self._output(out_dir, audio, audio_peak, AAC_LC, None))
        write_master(
            out_dir / MASTER_PLAYLIST, variants, audio_uri=audio.name if audio and rungs else None
        )
        return outputs

    def _write_audio_master(
        self, out_dir: Path, audio_bitrates: tuple[int, ...], log_tail: str
    ) -> list[RenditionOutput]:
        """Measure each audio-only rendition and list them, highest first, in the master."""
        outputs: list[RenditionOutput] = []
        variants: list[Variant] = []
        for name in audio_names(audio_bitrates):
            playlist = self._playlist(out_dir, name, log_tail)
            peak = peak_bitrate(playlist.segments, playlist.target_duration)
            average = average_bitrate(playlist.segments)
            variants.append(Variant(playlist.name, peak, average, AAC_LC))
            outputs.append(self._output(out_dir, playlist, peak, AAC_LC, None))
        write_master(out_dir / MASTER_PLAYLIST, variants)
        return outputs

    @staticmethod
    def _output(
        out_dir: Path, playlist: MediaPlaylist, peak: int, codecs: str, rung: Rung | None
    ) -> RenditionOutput:
        files = (playlist.name, *playlist.files)
        size = sum((out_dir / name).stat().st_size for name in files)
        return RenditionOutput(
            playlist=playlist.name, bitrate=peak, codecs=codecs, bytes=size,
            width=rung.width if rung else None, height=rung.height if rung else None,
            files=files,
        )  # fmt: skip

    def _run_image(
        self, cmd: list[str], out: Path, log_path: Path, progress: ProgressCallback,
        duration: float,
    ) -> bool:  # fmt: skip
        limits = ffmpeg_limits(duration)
        run = run_ffmpeg(cmd, log_path=log_path, on_progress=progress, limits=limits)
        if run.cpu_limited:  # another attempt would burn as much: stop here
            raise TranscodeError(CPU_LIMITED, run.log_tail)
        return run.ok and out.exists() and out.stat().st_size > 0

    def _poster(
        self, source: Path, info: MediaInfo, rungs: list[Rung], out_dir: Path, log_path: Path,
        progress: ProgressCallback,
    ) -> str:  # fmt: skip
        """Write poster.jpg: a frame a tenth in, or the cover art or waveform of a sound."""
        out = out_dir / "poster.jpg"
        ff, fmt = self.ffmpeg, info.demuxer
        if rungs:
            fitting = [r for r in rungs if min(r.width, r.height) <= POSTER_MAX_SHORT_SIDE]
            w, h = (fitting or rungs)[0].width, (fitting or rungs)[0].height
            attempts = [
                thumbnails.poster_command(ff, source, info.duration, w, h, out, fmt),
                thumbnails.poster_command(ff, source, 0.0, w, h, out, fmt),
            ]
        else:
            attempts = [thumbnails.waveform_command(ff, source, out, fmt)]
            if info.has_cover:
                attempts.insert(0, thumbnails.cover_command(ff, source, out, fmt))
        for cmd in attempts:
            if self._run_image(cmd, out, log_path, progress, info.duration):
                return out.name
        raise TranscodeError("The poster image could not be made from this file.", "")

    def _sprite(
        self, info: MediaInfo, lowest: Rung, out_dir: Path, log_path: Path,
        progress: ProgressCallback,
    ) -> tuple[str, str]:  # fmt: skip
        """Write sprite.jpg and sprite.vtt from the lowest rendition (cheapest to decode)."""
        plan = thumbnails.plan_sprite(info.duration, lowest.width, lowest.height)
        image = out_dir / "sprite.jpg"
        cmd = thumbnails.sprite_command(self.ffmpeg, out_dir / f"{lowest.name}.m3u8", plan, image)
        if not self._run_image(cmd, image, log_path, progress, info.duration):
            raise TranscodeError("The seek preview images could not be made.", "")
        vtt = out_dir / "sprite.vtt"
        vtt.write_text(thumbnails.sprite_vtt(plan, info.duration, image.name))
        return image.name, vtt.name
