"""Videos, music tracks, their renditions, subtitles and the transcode jobs that make them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from catalog.ids import new_public_id
from catalog.subtitles import LANGUAGE_MAX_CHARS


def video_source_path(instance: Video, filename: str) -> str:
    """Keep the upload under the video's own prefix; the client's name is not trusted."""
    return f"videos/{instance.pk}/source/upload"


def subtitle_path(instance: Subtitle, filename: str) -> str:
    """Name subtitle files by video, language and a random suffix (immutable URLs)."""
    return f"videos/{instance.video_id}/subtitles/{instance.language}-{new_public_id()}.vtt"


class Video(models.Model):
    """An uploaded video (or audio file) and its published HLS output."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        UNLISTED = "unlisted", "Unlisted"
        PRIVATE = "private", "Private"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        UPLOAD = "upload", "Upload"
        REPLAY = "replay", "Live replay"  # a live session's packaged output (live.LiveSession)
        TRACK = "track", "Music track"  # an audio upload with a catalog.Track row (docs/music.md)

    id = models.CharField(primary_key=True, max_length=16, default=new_public_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPLOAD)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    source = models.FileField(upload_to=video_source_path, max_length=300, blank=True)
    source_size = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0)
    error = models.TextField(null=True, blank=True)

    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    audio_only = models.BooleanField(default=False)

    # Storage names of the published output (all under one immutable attempt prefix).
    output_prefix = models.CharField(max_length=300, blank=True)
    hls_path = models.CharField(max_length=300, blank=True)
    poster_path = models.CharField(max_length=300, blank=True)
    sprite_vtt_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["visibility", "status", "-created"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:video", args=[self.pk])


class Rendition(models.Model):
    """One rung of a video's HLS ladder."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    bitrate = models.PositiveIntegerField(help_text="Peak bits per second (HLS BANDWIDTH).")
    codecs = models.CharField(max_length=100)
    bytes = models.BigIntegerField(default=0)
    playlist_path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-height", "-bitrate"]

    def __str__(self) -> str:
        return f"{self.video_id} {self.height or 'audio'}p"


class Subtitle(models.Model):
    """A WebVTT subtitle track of a video, one per language."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(max_length=LANGUAGE_MAX_CHARS)  # the longest BCP 47 tag kept
    label = models.CharField(max_length=100)
    file = models.FileField(upload_to=subtitle_path, max_length=300)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["video", "language"], name="one_subtitle_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.video_id} {self.language}"


class Track(models.Model):
    """The music side of a video of kind ``track``: tags, loudness and tempo.

    A track *is* a video (an audio-only one) plus this row, rather than a model of its own:
    the upload path and size guard, the transcode job with its lease, the probe, storage,
    the media view, access rules, deletion and retry all work on videos and are reused as
    they are. Only what music adds lives here; the primary key is the video's, so a
    track's id is its video's id.
    """

    video = models.OneToOneField(
        Video, on_delete=models.CASCADE, primary_key=True, related_name="track"
    )
    artist = models.CharField(max_length=200, blank=True)
    album = models.CharField(max_length=200, blank=True)
    # The title was made from the file's name: a title tag found in the file replaces it.
    title_from_file = models.BooleanField(default=False)
    bpm = models.FloatField(null=True, blank=True, db_index=True)
    bpm_confidence = models.FloatField(null=True, blank=True)
    # Why ``bpm`` is null (silence, too short, no steady beat, analysis failed or timed out).
    bpm_note = models.CharField(max_length=300, blank=True)
    loudness = models.FloatField(null=True, blank=True, help_text="Integrated LUFS (EBU R128).")

    def __str__(self) -> str:
        return f"{self.artist} – {self.video_id}" if self.artist else str(self.video_id)


class TranscodeJob(models.Model):
    """One request to turn a video's source into HLS; holds the lease of its runner."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.CharField(primary_key=True, max_length=16, default=new_public_id, editable=False)
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0)
    attempt = models.PositiveIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The lease holder's process (see catalog/transcoding/holder.py): a worker starting on the
    # same machine takes back at once the jobs of a holder that no longer runs.
    lease_host = models.CharField(max_length=255, blank=True)
    lease_pid = models.PositiveIntegerField(null=True, blank=True)
    lease_pid_started = models.PositiveBigIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    log_tail = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"job {self.pk} for {self.video_id} ({self.status})"
