"""Admin of bans, for site moderators (the ``moderators`` group) and superusers.

Bans are records: made here (through the service, so the user's sockets close at once and a
banned streamer's stream ends), then only lifted, never edited or deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from moderation import services
from moderation.models import Ban
from moderation.roles import SITE_BAN_PERMISSION


class BanForm(forms.ModelForm[Ban]):
    requester: Any  # set by BanAdmin.get_form

    class Meta:
        model = Ban
        fields = ("user", "scope", "channel", "until", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope, channel, until = data.get("scope"), data.get("channel"), data.get("until")
        if scope == Ban.Scope.CHANNEL and channel is None:
            self.add_error("channel", "A channel ban names its channel.")
        if scope == Ban.Scope.SITE:
            if channel is not None:
                self.add_error("channel", "A site ban is for every channel: leave this empty.")
            if not self.requester.has_perm(SITE_BAN_PERMISSION):
                self.add_error("scope", "Only site moderators can ban from the whole site.")
        if until is not None and until <= timezone.now():
            self.add_error("until", "That time has passed: leave it empty for a ban for good.")
        return data


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin[Ban]):
    form = BanForm
    list_display = (
        "user",
        "scope",
        "channel",
        "until",
        "in_force",
        "reason",
        "created_by",
        "created",
    )
    list_filter = ("scope",)
    list_select_related = ("user", "channel", "created_by")
    search_fields = ("user__username", "reason", "channel__slug")
    raw_id_fields = ("user", "channel")
    date_hierarchy = "created"
    actions = ["lift"]

    @admin.display(boolean=True, description="in force")
    def in_force(self, ban: Ban) -> bool:
        return ban.lifted_at is None and (ban.until is None or ban.until > timezone.now())

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.requester = request.user  # type: ignore[attr-defined]
        return form

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (
            "user",
            "scope",
            "channel",
            "until",
            "reason",
            "created_by",
            "created",
            "lifted_at",
            "lifted_by",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # lifted, not deleted: the record stays

    def save_model(self, request: HttpRequest, obj: Ban, form: Any, change: bool) -> None:
        if change:
            return  # nothing on a ban is editable; lifting is an action
        ban = services.ban_create(
            user=obj.user,
            channel_id=obj.channel_id if obj.scope == Ban.Scope.CHANNEL else None,
            until=obj.until,
            reason=obj.reason,
            created_by=request.user,  # type: ignore[arg-type]
        )
        obj.pk, obj.created, obj.created_by = ban.pk, ban.created, ban.created_by

    @admin.action(description="Lift the selected bans", permissions=["change"])
    def lift(self, request: HttpRequest, queryset: QuerySet[Ban]) -> None:
        lifted = 0
        for ban in queryset.filter(lifted_at__isnull=True):
            services.ban_lift(ban=ban, lifted_by=request.user)  # type: ignore[arg-type]
            lifted += 1
        self.message_user(request, f"Lifted {lifted} ban(s).")


# The review queue, the policy and the blocked terms register their admins on import.
from moderation import admin_flags, admin_policy  # noqa: E402, F401
