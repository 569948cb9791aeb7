"""Build MediaConvert's CreateJob settings from the ladder decision the ffmpeg backend follows.

One CMAF output group (fMP4 segments with HLS playlists): a video output per rung at the
rung's size and bitrates (capped VBR: average, peak and buffer as ffmpeg gets them), 2 s
closed GOPs so every rung's segments line up, 6 s segments, the audio as its own output (CMAF
keeps audio and video apart). Two frame-capture groups: the poster a tenth in, and the seek
thumbnails the sprite is tiled from (thumbnails.plan_sprite: same interval and size).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from catalog.transcoding.ladder import AUDIO_BITRATE, Rung
from catalog.transcoding.probe import MediaInfo
from catalog.transcoding.thumbnails import KEYFRAME_SECONDS, POSTER_AT, SpritePlan

MASTER_BASENAME = "master"  # MediaConvert writes master.m3u8 and master_<rung>.m3u8
POSTER_BASENAME = "poster"  # poster.0000000.jpg (at 0 s), poster.0000001.jpg (a tenth in)
THUMB_BASENAME = "thumb"  # thumb.0000000.jpg, … one per sprite cell
SEGMENT_SECONDS = 6
AUDIO_SELECTOR = "Audio Selector 1"
POSTER_MAX_SHORT_SIDE = 720


def frame_rate(fps: float) -> tuple[int, int]:
    """Return fps as MediaConvert's numerator and denominator (29.97 → 30000/1001)."""
    rate = Fraction(fps).limit_denominator(1001)
    return rate.numerator, rate.denominator


def _video_output(rung: Rung, fps: float) -> dict[str, Any]:
    numerator, denominator = frame_rate(fps)
    h264 = {
        "RateControlMode": "VBR",
        "Bitrate": rung.video_bitrate,
        "MaxBitrate": rung.maxrate,
        "HrdBufferSize": rung.bufsize,
        "GopSize": float(KEYFRAME_SECONDS),
        "GopSizeUnits": "SECONDS",
        "GopClosedCadence": 1,
        "SceneChangeDetect": "TRANSITION_DETECTION",  # keyframes stay on the 2 s grid
        "FramerateControl": "SPECIFIED",
        "FramerateNumerator": numerator,
        "FramerateDenominator": denominator,
        "CodecProfile": "HIGH",
        "CodecLevel": "AUTO",
        "QualityTuningLevel": "SINGLE_PASS_HQ",
    }
    return {
        "NameModifier": f"_{rung.name}",
        "ContainerSettings": {"Container": "CMFC"},
        "VideoDescription": {
            "Width": rung.width,
            "Height": rung.height,
            "ScalingBehavior": "DEFAULT",
            "CodecSettings": {"Codec": "H_264", "H264Settings": h264},
        },
    }


def _audio_output() -> dict[str, Any]:
    aac = {"Bitrate": AUDIO_BITRATE, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48000}
    return {
        "NameModifier": "_audio",
        "ContainerSettings": {"Container": "CMFC"},
        "AudioDescriptions": [
            {
                "AudioSourceName": AUDIO_SELECTOR,
                "CodecSettings": {"Codec": "AAC", "AacSettings": aac},
            }
        ],
    }


def _capture_group(
    name: str, destination: str, *, width: int, height: int, every: int, count: int
) -> dict[str, Any]:
    """A frame-capture group: ``count`` JPEGs, one every ``every`` seconds from the start."""
    capture = {
        "FramerateNumerator": 1,
        "FramerateDenominator": max(1, every),
        "MaxCaptures": max(1, count),
        "Quality": 80,
    }
    return {
        "Name": name,
        "OutputGroupSettings": {
            "Type": "FILE_GROUP_SETTINGS",
            "FileGroupSettings": {"Destination": destination},
        },
        "Outputs": [
            {
                "ContainerSettings": {"Container": "RAW"},
                "VideoDescription": {
                    "Width": width,
                    "Height": height,
                    "CodecSettings": {
                        "Codec": "FRAME_CAPTURE",
                        "FrameCaptureSettings": capture,
                    },
                },
            }
        ],
    }


def job_settings(
    *, source_url: str, destination: str, info: MediaInfo, rungs: list[Rung], fps: float,
    sprite: SpritePlan | None,
) -> dict[str, Any]:  # fmt: skip
    """Return CreateJob's ``Settings``; ``destination`` is the output folder's s3:// URL/."""
    job_input: dict[str, Any] = {"FileInput": source_url, "TimecodeSource": "ZEROBASED"}
    if info.has_audio:
        job_input["AudioSelectors"] = {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}}
    if info.has_video:
        job_input["VideoSelector"] = {"Rotate": "AUTO"}  # honour rotation metadata
    outputs = [_video_output(rung, fps) for rung in rungs]
    if info.has_audio:
        outputs.append(_audio_output())
    cmaf = {
        "Destination": destination + MASTER_BASENAME,
        "SegmentLength": SEGMENT_SECONDS,
        "FragmentLength": KEYFRAME_SECONDS,
        "SegmentControl": "SEGMENTED_FILES",  # uniquely named, immutable segment files
        "WriteHlsManifest": "ENABLED",
        "WriteDashManifest": "DISABLED",
        "ManifestDurationFormat": "INTEGER",
        "StreamInfResolution": "INCLUDE",
        "CodecSpecification": "RFC_6381",
    }
    groups: list[dict[str, Any]] = [
        {
            "Name": "HLS",
            "OutputGroupSettings": {"Type": "CMAF_GROUP_SETTINGS", "CmafGroupSettings": cmaf},
            "Outputs": outputs,
        }
    ]
    if rungs:
        fitting = [r for r in rungs if r.short_side <= POSTER_MAX_SHORT_SIDE] or rungs
        poster_at = max(1, round(info.duration * POSTER_AT))
        groups.append(
            _capture_group(
                "Poster",
                destination + POSTER_BASENAME,
                width=fitting[0].width,
                height=fitting[0].height,
                every=poster_at,
                count=2,
            )
        )
    if sprite is not None:
        groups.append(
            _capture_group(
                "Thumbnails",
                destination + THUMB_BASENAME,
                width=sprite.thumb_width,
                height=sprite.thumb_height,
                every=round(sprite.interval),
                count=sprite.count,
            )
        )
    return {"Inputs": [job_input], "OutputGroups": groups}
