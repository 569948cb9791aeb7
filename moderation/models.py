"""Bans: who may no longer chat (or stream), where, and until when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Ban(models.Model):
    """A user barred from one channel's chat, or from the whole site, for a while or for good.

    A timeout is a ban with an ``until``. A site ban also stops the user streaming. Lifting
    a ban keeps its row (``lifted_at``): the moderation record stays whole.
    """

    class Scope(models.TextChoices):
        CHANNEL = "channel", "This channel"
        SITE = "site", "The whole site"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bans"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.CHANNEL)
    channel = models.ForeignKey(
        "live.Channel", on_delete=models.CASCADE, null=True, blank=True, related_name="bans"
    )
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: permanent.")
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bans_issued",
    )
    created = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        permissions = [("ban_site_wide", "Can ban users from the whole site")]
        indexes = [models.Index(fields=["user", "scope"], name="ban_user_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="channel", channel__isnull=False)
                | Q(scope="site", channel__isnull=True),
                name="ban_scope_matches_channel",
            )
        ]

    def __str__(self) -> str:
        where = self.channel.slug if self.channel_id else "site"  # type: ignore[union-attr]
        return f"{self.user} banned from {where}"
