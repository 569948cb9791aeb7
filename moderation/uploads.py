"""Uploaded videos and music: their pictures classified after transcoding, on the fast queue.

The poster (or a track's cover art) and frames sampled across the video (one every
MODERATION_FRAME_INTERVAL_SECONDS, at most MODERATION_MAX_FRAMES, spread over the whole
length) are classified; the worst score per label decides. ``hide`` holds the video: private,
its owner told why, until a moderator decides.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from catalog import services as catalog_services
from catalog import storage
from catalog.ids import new_public_id
from catalog.models import Video
from catalog.transcoding.command import input_args
from catalog.transcoding.process import Limits, run_ffmpeg
from moderation import flags, policy, targets
from moderation.backends import get_classifier
from moderation.backends.base import ClassifierUnavailable, Label

log = logging.getLogger(__name__)
KIND = "video"
FRAME_LIMITS = Limits(cpu_seconds=30)


def _describe(video_id: str) -> targets.Item | None:
    video = Video.objects.filter(pk=video_id).only("owner_id", "title").first()
    if video is None:
        return None
    return targets.Item(
        owner_id=video.owner_id, title=video.title, url=reverse("catalog:video", args=[video.pk])
    )


def _hide(video_id: str, reason: str) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is not None:
        catalog_services.video_hold(video=video, reason=reason)


def _restore(video_id: str) -> None:
    video = Video.objects.filter(pk=video_id).first()
    if video is not None:
        catalog_services.video_release(video=video)


TARGET = targets.Target(kind=KIND, describe=_describe, hide=_hide, restore=_restore)


def sample_times(duration: float) -> list[float]:
    """When to take frames: every interval seconds, spread wider on long videos."""
    limit = settings.MODERATION_MAX_FRAMES
    step = max(float(settings.MODERATION_FRAME_INTERVAL_SECONDS), duration / limit)
    count = min(limit, max(1, int(duration // step)))
    return [round(step / 2 + i * step, 3) for i in range(count)]


def extract_frames(source: Path, times: list[float], out_dir: Path) -> list[Path]:
    """One JPEG (480 px high at most) per time; ffmpeg seeks, so long videos cost little."""
    frames = []
    for index, at in enumerate(times):
        target = out_dir / f"frame-{index:03d}.jpg"
        args = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
            "-ss", f"{at:.3f}", *input_args(source), "-frames:v", "1",
            "-vf", "scale=-2:'min(480,ih)'", "-q:v", "4", str(target),
        ]  # fmt: skip
        run = run_ffmpeg(args, log_path=out_dir / "ffmpeg.log", limits=FRAME_LIMITS)
        # A frame past a broken spot is skipped; the others still count.
        if run.ok and target.exists() and target.stat().st_size:
            frames.append(target)
    return frames


def _pictures(video: Video, work: Path) -> list[bytes]:
    pictures = []
    if video.poster_path and default_storage.exists(video.poster_path):
        with default_storage.open(video.poster_path, "rb") as fh:
            pictures.append(fh.read())
    if not video.audio_only and video.source and video.duration:
        with storage.local_copy(video.source.name, dir=work) as source:
            for frame in extract_frames(source, sample_times(video.duration), work):
                pictures.append(frame.read_bytes())
    return pictures


def _worst(per_picture: list[list[Label]]) -> tuple[list[Label], int]:
    """The highest confidence per label over all pictures, and the picture that scored most."""
    best: dict[str, Label] = {}
    worst_index, worst_score = 0, -1.0
    for index, labels in enumerate(per_picture):
        for label in labels:
            if label.name not in best or label.confidence > best[label.name].confidence:
                best[label.name] = label
            if label.confidence > worst_score:
                worst_index, worst_score = index, label.confidence
    return sorted(best.values(), key=lambda x: -x.confidence), worst_index


def save_evidence(data: bytes, folder: str) -> str:
    """Keep the picture a flag was raised on (moderators see it beside the labels)."""
    return default_storage.save(f"moderation/{folder}/{new_public_id()}.jpg", ContentFile(data))


def classify_video(video_id: str) -> str:
    """Classify a published video's pictures and act on the policy (a django-q2 task)."""
    video = Video.objects.filter(pk=video_id, status=Video.Status.READY).first()
    if video is None:
        return "gone"
    with tempfile.TemporaryDirectory(prefix="onair-moderation-") as tmp:
        pictures = _pictures(video, Path(tmp))
    if not pictures:
        return "nothing to check"
    try:
        classifier = get_classifier()
        results = [classifier.classify_image(picture) for picture in pictures]
    except ClassifierUnavailable as exc:
        flags.flag_unclassified(kind=KIND, item_id=video.pk, problem=str(exc))
        return "unclassified"
    labels, worst = _worst(results)
    decision = policy.decide(labels)
    if not decision.acts:
        return "allowed"
    evidence = save_evidence(pictures[worst], "videos")
    flags.flag_from_model(
        kind=KIND, item_id=video.pk, labels=labels, decision=decision, evidence_image=evidence
    )
    return decision.action
