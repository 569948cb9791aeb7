"""Streamer channels, their live sessions and moderators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from catalog.ids import new_public_id
from catalog.models import Video

SLUG_MIN_CHARS = 3
SLUG_MAX_CHARS = 40
CHAT_MAX_CHARS = 500  # as IVS Chat


def channel_image_path(instance: Channel, filename: str) -> str:
    """Name channel images by channel and a random suffix (immutable URLs, client name unused)."""
    return f"channels/{instance.pk}/images/{new_public_id()}"


SLOW_MODE_CHOICES = [
    (0, "Off"),
    (3, "3 seconds"),
    (10, "10 seconds"),
    (30, "30 seconds"),
    (60, "1 minute"),
    (120, "2 minutes"),
]


class Channel(models.Model):
    """A streamer's channel: where they go live and where their replays are listed."""

    class Backend(models.TextChoices):
        LOCAL = "local", "Built-in ingest"
        IVS = "ivs", "Amazon IVS"

    class Provisioning(models.TextChoices):
        """Whether the backend's resources (an IVS channel, key, chat room) exist yet."""

        READY = "ready", "Ready"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting an operator's approval"
        PROVISIONING = "provisioning", "Being provisioned"
        FAILED = "failed", "Provisioning failed"

    id = models.CharField(primary_key=True, max_length=16, default=new_public_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels"
    )
    slug = models.SlugField(max_length=SLUG_MAX_CHARS, unique=True)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2000)
    tags = models.JSONField(default=list, blank=True)
    avatar = models.ImageField(upload_to=channel_image_path, max_length=300, blank=True)
    offline_image = models.ImageField(upload_to=channel_image_path, max_length=300, blank=True)
    backend = models.CharField(max_length=10, choices=Backend.choices, default=Backend.LOCAL)
    replay_visibility = models.CharField(
        max_length=10, choices=Video.Visibility.choices, default=Video.Visibility.PUBLIC
    )
    is_live = models.BooleanField(default=False, db_index=True)
    current_session = models.ForeignKey(
        "LiveSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The stream key, encrypted (live/keys.py), and its keyed hash for the ingest's lookup.
    stream_key_encrypted = models.TextField(editable=False)
    stream_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Backend-side ids (an IVS channel's ARN) and the latest live thumbnail's storage name.
    backend_ref = models.CharField(max_length=300, blank=True, editable=False)
    provisioning = models.CharField(
        max_length=20, choices=Provisioning.choices, default=Provisioning.READY, editable=False
    )
    provisioning_detail = models.TextField(blank=True, editable=False)  # why it failed
    provisioning_started = models.DateTimeField(null=True, blank=True, editable=False)
    # What else the backend created: for IVS the ingest endpoint, playback URL, chat room ARN
    # and a recording configuration it owns (live/backends/ivs.py).
    backend_data = models.JSONField(default=dict, blank=True, editable=False)
    thumbnail_path = models.CharField(max_length=300, blank=True, editable=False)
    # Seconds a chatter waits between two messages (0: off); the owner and moderators do not.
    chat_slow_mode_seconds = models.PositiveSmallIntegerField(
        "chat slow mode", choices=SLOW_MODE_CHOICES, default=0
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-is_live", "-created"]
        # Every streamer is staff (they sign in to the admin), so "staff" cannot mean "may end
        # anyone's stream": operators and platform moderators get this permission instead.
        permissions = [("end_any_session", "Can end any channel's live session")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("live:channel", args=[self.slug])


class LiveSession(models.Model):
    """One broadcast on a channel, from the first media byte to its end; becomes a replay."""

    class Status(models.TextChoices):
        LIVE = "live", "Live"
        RECONNECTING = "reconnecting", "Waiting for the encoder to reconnect"
        ENDED = "ended", "Ended"

    class EndReason(models.TextChoices):
        UNPUBLISHED = "unpublished", "The encoder stopped streaming"
        DROPPED = "dropped", "The connection dropped and did not come back"
        STALLED = "stalled", "The encoder stopped sending media"
        KEY_ROTATED = "key_rotated", "The stream key was rotated"
        ENDED_BY_OWNER = "ended_by_owner", "Ended by the streamer"
        ENDED_BY_STAFF = "ended_by_staff", "Ended by a moderator"
        BANNED = "banned", "The streamer is banned"
        MODERATION = "moderation", "Ended by moderation (the picture broke the rules)"
        PACKAGER_FAILED = "packager_failed", "Packaging failed"
        INGEST_RESTARTED = "ingest_restarted", "The ingest server restarted"

    id = models.CharField(primary_key=True, max_length=16, default=new_public_id, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sessions")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.LIVE, db_index=True
    )
    started = models.DateTimeField(auto_now_add=True, db_index=True)
    ended = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    end_detail = models.TextField(blank=True)
    peak_viewers = models.PositiveIntegerField(default=0)
    replay = models.OneToOneField(
        Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="live_session"
    )
    # Storage: every file of the session lives under output_prefix; hls_path is the live
    # master playlist (the replay gets its own, written once when the session ends).
    output_prefix = models.CharField(max_length=300, blank=True)
    hls_path = models.CharField(max_length=300, blank=True)
    # Which ingest process holds the session (host, pid and its start time): a restarted
    # ingest ends the sessions of a holder that no longer runs (catalog/transcoding/holder.py).
    lease_host = models.CharField(max_length=255, blank=True)
    lease_pid = models.PositiveIntegerField(null=True, blank=True)
    lease_pid_started = models.PositiveBigIntegerField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The backend's id of the stream (an IVS stream id), to match its later events.
    backend_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # How many of the recording's thumbnails went to moderation while live (IVS sessions).
    thumbnails_seen = models.PositiveIntegerField(default=0)
    # Incoming stream health (bitrate, frame rate, keyframe interval, dropped frames).
    health = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started"]
        get_latest_by = "started"

    def __str__(self) -> str:
        return f"{self.channel.slug} {self.started:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> float | None:
        """Return the session's length in seconds once it has ended."""
        if self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()


class ChannelModerator(models.Model):
    """A user the owner trusts with their channel's chat (powers: the chat issue)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="moderators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderated_channels"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "user"], name="one_moderator_row")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.channel.slug}"


class LiveEvent(models.Model):
    """A bus message on its way to other processes (embedded mode only: live/bus/relay.py).

    Append-only: ``send`` adds a row, each process's relay reads the rows after the last it
    saw, and rows older than a few minutes are deleted.
    """

    id = models.BigAutoField(primary_key=True)
    group = models.CharField(max_length=100)
    payload = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.group} #{self.pk}"


class ViewerPresence(models.Model):
    """How many of a channel's live-page sockets one process holds (live/presence.py).

    Each process rewrites its rows every few seconds; the viewer count is the sum over rows
    updated recently, so the counts of a process that died expire by themselves.
    """

    process = models.CharField(max_length=100)
    channel_id = models.CharField(max_length=16)  # no foreign key: a stale row harms nothing
    count = models.PositiveIntegerField()
    updated = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel_id", "process"], name="one_presence_row")
        ]
        indexes = [models.Index(fields=["channel_id", "updated"], name="presence_fresh")]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.count} on {self.process}"


class ChatMessage(models.Model):
    """One message in a channel's chat, kept for the history and the replay.

    ``text`` is what the author typed, verbatim: pages show it as text, never as markup.
    ``offset`` places it on the replay's timeline (seconds from the replay's start); messages
    outside a session have neither a session nor an offset. Deleted messages stay as rows (the
    moderation record) but are never shown again.
    """

    id = models.CharField(primary_key=True, max_length=16, default=new_public_id, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="chat_messages")
    session = models.ForeignKey(
        LiveSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_messages"
    )
    text = models.TextField(max_length=CHAT_MAX_CHARS)
    created = models.DateTimeField(default=timezone.now)
    offset = models.FloatField(null=True, blank=True)
    deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["channel", "-created"], name="chat_channel_recent"),
            models.Index(fields=["session", "offset"], name="chat_session_offset"),
            models.Index(fields=["author", "-created"], name="chat_author_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.channel.slug}: {self.text[:40]}"


class ChatTicket(models.Model):
    """A single-use pass into a channel's chat for a client without a browser's Origin.

    Only a digest is stored: a leaked table lets nobody in. It is deleted when used.
    """

    digest = models.CharField(primary_key=True, max_length=64)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"ticket for {self.user} on {self.channel.slug}"
