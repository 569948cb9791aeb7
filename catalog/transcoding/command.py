"""Build the one-pass ffmpeg command that renders the whole HLS ladder."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from catalog.transcoding.formats import MEDIA_FORMATS
from catalog.transcoding.ladder import AUDIO_BITRATE, Rung, gop_frames

SCALER_FLAGS = "bicubic"
FILTER_THREADS = 2  # cascaded scalers on 2 filter threads: fastest measured (STACK-NOTES)
SEGMENT_SECONDS = 6
MASTER_PLAYLIST = "master.m3u8"
AUDIO_NAME = "audio"


def fps_expr(fps: float) -> str:
    """Write a frame rate as ffmpeg's exact fraction (29.97 -> 30000/1001)."""
    frac = Fraction(fps).limit_denominator(1001)
    return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


def input_args(source: Path, demuxer: str = "", *, nested: tuple[str, ...] = ()) -> list[str]:
    """Read ``source`` as a local file, with the demuxer the probe found and no other.

    ffmpeg's own probe could pick another format than PyAV's did (the builds differ: only
    ffmpeg's reads DASH), and a playlist format would open the files it names. ``nested``
    are the demuxers ``demuxer`` itself opens (fMP4 segments of an HLS playlist).
    """
    allowed = ",".join((demuxer, *nested)) if demuxer else ",".join(MEDIA_FORMATS)
    pin = ["-f", demuxer] if demuxer else []
    return ["-protocol_whitelist", "file", *pin, "-format_whitelist", allowed, "-i", str(source)]


def scale_filter(rung: Rung) -> str:
    """Scale to the rung's exact size with the shared scaler, square pixels."""
    return f"scale={rung.width}:{rung.height}:flags={SCALER_FLAGS},setsar=1"


def scale_parents(rungs: list[Rung]) -> list[int | None]:
    """Pick each rung's input: the rung exactly twice its size if any, else the top rung.

    A clean 2:1 step (720 -> 360) keeps the detail that a 4:3 step (480 -> 360) blurs:
    measured 0.85 dB PSNR lost at 360p through 480, 0.16 dB through 720. A rung with no
    2:1 parent is scaled from the top rung (the source's size or the largest rung), as a
    separate encode would: 480p through 720 lost 0.52 dB, from 1080 nothing, at no
    measurable cost in speed (docs/benchmarks.md).
    """
    parents: list[int | None] = [None]
    for i in range(1, len(rungs)):
        short = rungs[i].short_side
        double = [j for j in range(i) if rungs[j].short_side == 2 * short]
        parents.append(double[0] if double else 0)
    return parents


def ladder_filter(rungs: list[Rung], fps: float) -> str:
    """Decode once, make the rate constant, then scale each rung from a larger rung."""
    parents = scale_parents(rungs)
    parts = []
    for i, rung in enumerate(rungs):
        parent = parents[i]
        if parent is None:
            chain = f"[0:V:0]fps={fps_expr(fps)},{scale_filter(rung)},format=yuv420p"
        else:
            chain = f"[c{parent}_{i}]{scale_filter(rung)}"
        outputs = [f"[v{i}]"] + [f"[c{i}_{k}]" for k, p in enumerate(parents) if p == i]
        split = f",split={len(outputs)}" if len(outputs) > 1 else ""
        parts.append(f"{chain}{split}{''.join(outputs)}")
    return ";".join(parts)


def _video_args(rungs: list[Rung], fps: float, preset: str) -> list[str]:
    gop = str(gop_frames(fps))
    args = ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p"]
    args += ["-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-flags", "+cgop"]
    for i, rung in enumerate(rungs):
        profile = "high" if min(rung.width, rung.height) > 360 else "main"
        args += [
            f"-profile:v:{i}", profile,
            f"-b:v:{i}", str(rung.video_bitrate),
            f"-maxrate:v:{i}", str(rung.maxrate),
            f"-bufsize:v:{i}", str(rung.bufsize),
        ]  # fmt: skip
    return args


def audio_names(audio_bitrates: tuple[int, ...]) -> list[str]:
    """Name the audio-only renditions: ``audio`` alone, or one per bitrate (``audio_160k``)."""
    if len(audio_bitrates) <= 1:
        return [AUDIO_NAME]
    return [f"{AUDIO_NAME}_{bitrate // 1000}k" for bitrate in audio_bitrates]


def stream_map(rungs: list[Rung], has_audio: bool, audio_bitrates: tuple[int, ...] = ()) -> str:
    """Map outputs to HLS variants; audio is one shared group, encoded once.

    An audio-only ladder (``audio_bitrates``, no rungs) is one variant per bitrate.
    """
    if not rungs and len(audio_bitrates) > 1:
        names = audio_names(audio_bitrates)
        return " ".join(f"a:{i},name:{name}" for i, name in enumerate(names))
    group = ",agroup:audio" if has_audio else ""
    variants = [f"v:{i}{group},name:{rung.name}" for i, rung in enumerate(rungs)]
    if has_audio:
        variants.append(
            f"a:0{group},name:{AUDIO_NAME},default:yes" if rungs else f"a:0,name:{AUDIO_NAME}"
        )
    return " ".join(variants)


def init_name(rungs: list[Rung], has_audio: bool, audio_outputs: int = 1) -> str:
    """Name init segments per variant; ffmpeg leaves %v as it is when there is one variant."""
    count = len(rungs) + (audio_outputs if has_audio else 0)
    if count > 1:
        return "%v_init.mp4"
    return f"{rungs[0].name if rungs else AUDIO_NAME}_init.mp4"


def ladder_command(
    *,
    ffmpeg: str,
    source: Path,
    out_dir: Path,
    rungs: list[Rung],
    fps: float,
    has_audio: bool,
    preset: str,
    progress: bool = True,
    demuxer: str = "",
    audio_bitrates: tuple[int, ...] = (),
) -> list[str]:
    """Return the ffmpeg arguments that decode ``source`` once and write every rung as HLS.

    With no rungs (an audio-only file) the output is one AAC rendition, or one per bitrate
    of ``audio_bitrates`` (music: a rendition for poor networks beside the main one), all
    from one decode. ``demuxer`` is the format the probe found (``MediaInfo.demuxer``).
    """
    if not rungs and not has_audio:
        raise ValueError("nothing to encode: no video rungs and no audio")
    ladder = audio_bitrates if not rungs and len(audio_bitrates) > 1 else ()
    single = audio_bitrates[0] if audio_bitrates and not ladder else AUDIO_BITRATE
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "warning", "-y"]
    if progress:
        cmd += ["-progress", "pipe:1", "-nostats"]
    cmd += input_args(source, demuxer)
    if rungs:
        cmd += ["-filter_complex_threads", str(FILTER_THREADS)]
        cmd += ["-filter_complex", ladder_filter(rungs, fps)]
        for i in range(len(rungs)):
            cmd += ["-map", f"[v{i}]"]
    if has_audio:
        cmd += ["-map", "0:a:0"] * max(1, len(ladder))
    # Strip the source's metadata: phone videos carry GPS positions and device names.
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1"]
    if rungs:
        cmd += _video_args(rungs, fps, preset)
    if ladder:
        cmd += ["-c:a", "aac", "-ac", "2"]
        for i, bitrate in enumerate(ladder):
            cmd += [f"-b:a:{i}", str(bitrate)]
    elif has_audio:
        cmd += ["-c:a", "aac", "-b:a", str(single), "-ac", "2"]
    cmd += [
        "-f", "hls",
        "-hls_time", str(SEGMENT_SECONDS),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", init_name(rungs, has_audio, max(1, len(ladder))),
        "-hls_segment_filename", str(out_dir / "%v_%05d.m4s"),
        "-master_pl_name", MASTER_PLAYLIST,
        "-var_stream_map", stream_map(rungs, has_audio, ladder),
        str(out_dir / "%v.m3u8"),
    ]  # fmt: skip
    return cmd
