"""Build the one ffmpeg command that turns a run's FLV stream into low-latency HLS."""

from __future__ import annotations

from pathlib import Path

from catalog.transcoding.command import FILTER_THREADS, SCALER_FLAGS, fps_expr, scale_parents
from live.packaging.ladder import KEYFRAME_SECONDS, Ladder, LiveRung

SEGMENT_SECONDS = 1
# ffmpeg's own playlists list this many segments. It deletes nothing (the uploader removes
# each file once it is in storage), so this only bounds how far the uploader may fall
# behind (a minute) before a segment drops out of the list it reads.
LOCAL_WINDOW = 60
FFMPEG_MASTER = "master.m3u8"  # ffmpeg's; ours is written by the uploader with measured figures
PRESET = "veryfast"
# ffmpeg's own stream analysis reads this much before writing anything; the stream is
# already known (source.probe) and the probe buffer arrives at once, so keep it short.
ANALYZE_MICROSECONDS = 2_000_000
AUDIO_ENCODE = ["aac", "-b:a", "128k", "-ac", "2"]


def input_args() -> list[str]:
    """Read FLV from stdin and nothing else (no file, no network, no other demuxer)."""
    return [
        "-protocol_whitelist", "pipe", "-f", "flv", "-format_whitelist", "flv",
        "-analyzeduration", str(ANALYZE_MICROSECONDS), "-i", "pipe:0",
    ]  # fmt: skip


def _fitted(rung: LiveRung) -> str:
    """Scale into the rung's size keeping the aspect, with bars if a reconnect changed it."""
    w, h = rung.width, rung.height
    return (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2"
        f":flags={SCALER_FLAGS},pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )


def ladder_filter(encoded: list[LiveRung], fps: float) -> str:
    """Decode once at a constant rate, then scale each encoded rung from a larger one.

    Label ``[e{i}]`` is the i-th encoded rung. The parents follow the VOD ladder
    (``scale_parents``: 2:1 steps where there are any).
    """
    parents = scale_parents([r.as_rung() for r in encoded])
    parts = []
    for i, rung in enumerate(encoded):
        parent = parents[i]
        if parent is None:
            chain = f"[0:V:0]fps={fps_expr(fps)},{_fitted(rung)},format=yuv420p"
        else:
            chain = f"[c{parent}_{i}]scale={rung.width}:{rung.height}:flags={SCALER_FLAGS},setsar=1"
        outputs = [f"[e{i}]"] + [f"[c{i}_{k}]" for k, p in enumerate(parents) if p == i]
        split = f",split={len(outputs)}" if len(outputs) > 1 else ""
        parts.append(f"{chain}{split}{''.join(outputs)}")
    return ";".join(parts)


def _video_args(ladder: Ladder) -> list[str]:
    gop = str(max(1, round(ladder.fps * KEYFRAME_SECONDS)))
    args: list[str] = []
    for i, rung in enumerate(ladder.rungs):
        if rung.copy:
            args += [f"-c:v:{i}", "copy"]
            continue
        profile = "high" if rung.short_side > 360 else "main"
        args += [
            f"-c:v:{i}", "libx264", f"-profile:v:{i}", profile,
            f"-b:v:{i}", str(rung.video_bitrate), f"-maxrate:v:{i}", str(rung.maxrate),
            f"-bufsize:v:{i}", str(rung.bufsize),
            # A keyframe every second on the clock, whatever the frame rate, so that every
            # encoded rung's 1 s segments line up.
            f"-force_key_frames:v:{i}", f"expr:gte(t,n_forced*{KEYFRAME_SECONDS:g})",
        ]  # fmt: skip
    if any(not r.copy for r in ladder.rungs):
        # zerolatency: no B-frames and no look-ahead, so a frame leaves the encoder at once.
        args += ["-preset", PRESET, "-tune", "zerolatency", "-g", gop, "-keyint_min", gop]
        args += ["-sc_threshold", "0"]
    return args


def stream_map(ladder: Ladder) -> str:
    """Give each rendition its video and its own copy of the sound (muxed: one playlist)."""
    if not ladder.rungs:
        return "a:0,name:" + ladder.names[0]
    audio = ",a:{i}" if ladder.has_audio else ""
    return " ".join(
        f"v:{i}{audio.format(i=i)},name:{rung.name}" for i, rung in enumerate(ladder.rungs)
    )


def init_name(ladder: Ladder, run: str) -> str:
    """Name init segments per rendition and run; ffmpeg keeps %v as is for one variant."""
    names = ladder.names
    return f"%v_{run}_init.mp4" if len(names) > 1 else f"{names[0]}_{run}_init.mp4"


def live_command(
    *, ffmpeg: str, ladder: Ladder, out_dir: Path, run: str, offset: float = 0.0
) -> list[str]:
    """Return the ffmpeg arguments for one run: FLV on stdin, fMP4 HLS into ``out_dir``.

    Every file name carries ``run``, which is unique per run of the session (and the
    session's files sit under its own prefix), so a name is never written twice.
    ``offset`` is the session's media time so far: a reconnect's timestamps continue from
    there, so the replay's timeline only moves forward and plays in any player, not only
    in those that reset their clock at each EXT-X-DISCONTINUITY (ffmpeg's does not).
    """
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "warning", "-nostats", "-y", *input_args()]
    encoded = [r for r in ladder.rungs if not r.copy]
    if encoded:
        cmd += ["-filter_complex_threads", str(FILTER_THREADS)]
        cmd += ["-filter_complex", ladder_filter(encoded, ladder.fps)]
    label = iter(range(len(encoded)))
    for rung in ladder.rungs:
        cmd += ["-map", "0:V:0" if rung.copy else f"[e{next(label)}]"]
    for _ in ladder.rungs or [None]:
        if ladder.has_audio:
            cmd += ["-map", "0:a:0"]
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1"]
    cmd += _video_args(ladder)
    if ladder.has_audio:
        cmd += ["-c:a", "copy"] if ladder.audio_copy else ["-c:a", *AUDIO_ENCODE]
    cmd += [
        # Shift what is written, not what is read: the encoders and the fps filter keep
        # counting from zero, and every rendition moves by the same amount.
        "-output_ts_offset", f"{offset:.3f}",
        "-f", "hls",
        "-hls_time", str(SEGMENT_SECONDS),
        "-hls_list_size", str(LOCAL_WINDOW),
        "-hls_segment_type", "fmp4",
        # Each fragment's decode time (tfdt) is its real timestamp; without this the mp4
        # muxer starts them at zero and moves the offset into an edit list, which
        # players of fragmented MP4 ignore.
        "-hls_segment_options", "movflags=+frag_discont",
        # temp_file: segments and playlists are written aside and renamed, so a playlist
        # names only complete segments and is never read half-written.
        "-hls_flags", "independent_segments+program_date_time+temp_file",
        "-hls_fmp4_init_filename", init_name(ladder, run),
        "-hls_segment_filename", str(out_dir / f"%v_{run}_%05d.m4s"),
        "-master_pl_name", FFMPEG_MASTER,
        "-var_stream_map", stream_map(ladder),
        str(out_dir / "%v.m3u8"),
    ]  # fmt: skip
    return cmd
