"""The review queue at /admin/moderation/flag/: site moderators decide, streamers look.

Flags come newest and most pressing first (priority: the policy's action and score, plus ten
per distinct reporter), with the evidence picture or message beside the model's labels and
one-click uphold, dismiss, ban and end-stream actions. Site moderators (the ``moderators``
group, superusers) see every flag; a streamer sees the flags on their own channels, read-only.
Evidence pictures are served by the admin itself (only to whoever may view the flag), never
from a public URL.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from moderation import flags
from moderation.models import Decision, Flag, Report
from moderation.roles import is_site_moderator


def _evidence_url(flag: Flag) -> str:
    return reverse("admin:moderation_flag_evidence", args=[flag.pk])


class ReportInline(admin.TabularInline[Report, Flag]):
    model = Report
    fields = ("reporter", "reason", "note", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionInline(admin.TabularInline[Decision, Flag]):
    model = Decision
    fields = ("created", "action", "actor", "note", "ban")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "decisions (audit log)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin[Flag]):
    list_display = (
        "evidence",
        "item",
        "top_label",
        "score_percent",
        "source",
        "reports",
        "action",
        "status",
        "created",
    )
    list_display_links = ("item",)
    list_filter = ("status", "source", "top_label", "action", "item_kind")
    list_select_related = ("owner", "channel")
    search_fields = ("item_title", "item_id", "evidence_text", "owner__username")
    date_hierarchy = "created"
    actions = ["uphold", "dismiss", "ban_owner", "end_stream"]
    inlines = [ReportInline, DecisionInline]
    fields = (
        "evidence_large",
        "item",
        "owner",
        "channel",
        "source",
        "labels_table",
        "reason",
        "action",
        "status",
        "priority",
        "reports",
        "created",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields

    # --- who sees what ---

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        rows = super().get_queryset(request)
        if is_site_moderator(request.user):
            return rows
        return rows.filter(channel__owner=request.user.pk)  # a streamer: their channels only

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and is_site_moderator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # flags come from classifiers and reports

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decided, never erased: the record stays

    # --- columns ---

    @admin.display(description="evidence")
    def evidence(self, flag: Flag) -> str:
        if flag.evidence_image:
            return format_html(
                '<img src="{}" alt="Evidence picture" width="120" loading="lazy">',
                _evidence_url(flag),
            )
        return flag.evidence_text[:140]

    @admin.display(description="evidence")
    def evidence_large(self, flag: Flag) -> str:
        if flag.evidence_image:
            return format_html(
                '<img src="{}" alt="Evidence picture" width="480">', _evidence_url(flag)
            )
        return flag.evidence_text or "—"

    @admin.display(description="item", ordering="item_title")
    def item(self, flag: Flag) -> str:
        return f"{flag.item_kind.replace('_', ' ')}: {flag.item_title or flag.item_id}"

    @admin.display(description="score", ordering="score")
    def score_percent(self, flag: Flag) -> str:
        return f"{flag.score:.0%}"

    @admin.display(description="labels")
    def labels_table(self, flag: Flag) -> str:
        rows = sorted(flag.labels, key=lambda label: -float(label.get("confidence", 0)))
        return (
            format_html_join(
                "",
                "<div>{} — {} {}</div>",
                (
                    (r.get("name"), f"{float(r.get('confidence', 0)):.0%}", r.get("detail", ""))
                    for r in rows
                ),
            )
            or "—"
        )

    # --- the evidence picture, served to those who may view the flag ---

    def get_urls(self) -> list[URLPattern]:
        evidence = path(
            "<int:flag_id>/evidence/",
            self.admin_site.admin_view(self.evidence_view),
            name="moderation_flag_evidence",
        )
        return [evidence, *super().get_urls()]

    def evidence_view(self, request: HttpRequest, flag_id: int) -> FileResponse:
        flag = self.get_queryset(request).filter(pk=flag_id).first()
        if flag is None or not flag.evidence_image or not self.has_view_permission(request, flag):
            raise Http404("No such evidence.")
        try:
            file = default_storage.open(flag.evidence_image, "rb")
        except FileNotFoundError:
            raise Http404("The evidence file is gone.") from None
        response = FileResponse(file, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response

    # --- one-click decisions ---

    def _each(self, request: HttpRequest, queryset: QuerySet[Flag], decide: Any, done: str) -> None:
        count = 0
        for flag in queryset:
            try:
                decide(flag=flag, actor=request.user)
            except flags.ModerationError as exc:
                self.message_user(request, f"{flag}: {exc}", messages.WARNING)
                continue
            count += 1
        self.message_user(request, f"{done} {count} flag(s).")

    @admin.action(
        description="Uphold: the item breaks the rules (keep it hidden)", permissions=["change"]
    )
    def uphold(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._each(request, queryset, flags.flag_uphold, "Upheld")

    @admin.action(
        description="Dismiss: nothing wrong (show the item again)", permissions=["change"]
    )
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._each(request, queryset, flags.flag_dismiss, "Dismissed")

    @admin.action(description="Ban the owner from the whole site", permissions=["change"])
    def ban_owner(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._each(request, queryset, flags.flag_ban, "Banned the owners of")

    @admin.action(description="End the live stream", permissions=["change"])
    def end_stream(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._each(request, queryset, flags.flag_end_stream, "Ended the streams of")
