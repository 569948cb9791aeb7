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


class PolicyRule(models.Model):
    """What to do when a classifier finds ``label`` with at least ``threshold`` confidence.

    Several rules may name one label (review from 0.5, end the stream from 0.9); the most
    severe action whose threshold is met wins. Editable by operators in the admin.
    """

    class Action(models.TextChoices):
        ALLOW = "allow", "Allow"
        REVIEW = "review", "Review (shown and flagged)"
        HIDE = "hide", "Hide (not shown, flagged)"
        END_STREAM = "end_stream", "End the stream (and hide)"
        BAN = "ban", "Ban the author (and hide, end the stream)"

    label = models.CharField(max_length=64, help_text="A label name, e.g. insult, explicit_nudity.")
    threshold = models.FloatField(help_text="The lowest confidence, from 0 to 1, that triggers.")
    action = models.CharField(max_length=12, choices=Action.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["label", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["label", "threshold"], name="policy_label_threshold"),
            models.CheckConstraint(
                condition=Q(threshold__gte=0, threshold__lte=1), name="policy_threshold_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ≥ {self.threshold:g}: {self.action}"


class BlockedTerm(models.Model):
    """A word or phrase refused in chat: site-wide (no channel) or in one channel's chat."""

    term = models.CharField(max_length=100)
    channel = models.ForeignKey(
        "live.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blocked_terms",
        help_text="Empty: the whole site.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["term", "channel"], name="blocked_term_unique"),
            models.UniqueConstraint(
                fields=["term"], condition=Q(channel__isnull=True), name="blocked_term_site_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.term


class Flag(models.Model):
    """Something a model or viewers flagged, waiting for (or past) a moderator's decision.

    The item is named by kind and id (a video, a live session, a channel, a chat message):
    apps above moderation register how to act on each kind (moderation.targets). ``owner`` is
    the person whose content it is; ``channel`` lets a streamer see flags on their channels.
    """

    class Source(models.TextChoices):
        MODEL = "model", "Classifier"
        REPORT = "report", "Viewer reports"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    item_kind = models.CharField(max_length=20)
    item_id = models.CharField(max_length=64)
    item_title = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="moderation_flags",
    )
    channel = models.ForeignKey(
        "live.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    labels = models.JSONField(default=list, blank=True)  # [{"name", "confidence", "detail"}]
    top_label = models.CharField(max_length=64, blank=True)
    score = models.FloatField(default=0)
    action = models.CharField(
        max_length=12, choices=PolicyRule.Action.choices, default=PolicyRule.Action.REVIEW
    )
    evidence_image = models.CharField(max_length=300, blank=True)  # a storage name
    evidence_text = models.TextField(blank=True, max_length=2000)
    reason = models.CharField(max_length=500, blank=True)  # what the owner is told
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "-created"]
        indexes = [
            models.Index(fields=["item_kind", "item_id"], name="flag_item"),
            models.Index(fields=["status", "-priority", "-created"], name="flag_queue"),
        ]
        constraints = [
            # One open report flag per item: more reports raise its priority instead.
            models.UniqueConstraint(
                fields=["item_kind", "item_id"],
                condition=Q(source="report", status="open"),
                name="flag_one_open_report_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.item_kind} {self.item_id} ({self.top_label})"


class Report(models.Model):
    """One viewer's report of an item; one per viewer and item, however often they click."""

    class Reason(models.TextChoices):
        SEXUAL = "sexual", "Sexual content or nudity"
        VIOLENCE = "violence", "Violence or threats"
        HATE = "hate", "Hate or harassment"
        SELF_HARM = "self_harm", "Self-harm"
        SPAM = "spam", "Spam or scam"
        DRUGS = "drugs", "Drugs, smoking"
        OTHER = "other", "Something else"

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="report_rows")
    item_kind = models.CharField(max_length=20)
    item_id = models.CharField(max_length=64)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["item_kind", "item_id", "reporter"], name="report_once_per_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reporter} reported {self.item_kind} {self.item_id}"


class Decision(models.Model):
    """The audit log: every action taken on a flag or a ban, by a person or automatically."""

    flag = models.ForeignKey(
        Flag, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    ban = models.ForeignKey(
        Ban, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: taken automatically by the policy.",
    )
    note = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        who = self.actor or "policy"
        return f"{self.action} by {who}"
