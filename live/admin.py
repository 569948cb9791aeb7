"""Admin of live channels, sessions and moderators, for streamers and operators.

A streamer (staff in the ``streamers`` group, live/streamers.py) sees and changes only their
own rows (accounts/admin_owned.py); a superuser sees all. Writes go through the services, so
the admin creates channels with a key, checks images, and deletes files as the pages do. The
stream key is never shown here, not even in a message (messages may be logged): the ingest
settings link to the owner page, where the owner reveals it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.admin_owned import OwnedAdmin
from accounts.models import User
from live import details, images, limits, selectors, services
from live.backends import get_backend
from live.errors import InvalidChannel, LiveError
from live.forms import ImageField, ModeratorForm, TagsField, user_for_username
from live.models import Channel, ChannelModerator, LiveSession


class ChannelAdminForm(forms.ModelForm[Channel]):
    """The model's text fields, plus tags as text and images checked by live/images.py."""

    tags_text = TagsField(label="Tags")
    avatar_upload = ImageField("avatar", label="New avatar")
    remove_avatar = forms.BooleanField(required=False, label="Remove the avatar")
    offline_image_upload = ImageField("offline_image", label="New offline image")
    remove_offline_image = forms.BooleanField(required=False, label="Remove the offline image")

    requester: User  # set by ChannelAdmin.get_form

    class Meta:
        model = Channel
        fields = ("slug", "title", "description", "replay_visibility")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and "tags_text" in self.fields:
            self.initial["tags_text"] = self.instance.tags

    def clean_slug(self) -> str:
        try:
            return services.check_slug(self.cleaned_data["slug"])
        except InvalidChannel as error:
            raise forms.ValidationError(str(error)) from None

    def clean_title(self) -> str:
        try:
            return details.clean_title(self.cleaned_data["title"])
        except InvalidChannel as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        limit = settings.LIVE_CHANNELS_PER_USER
        owner = self.requester
        # (Not ``instance.pk``: ids are made by a default, so a new channel has one already.)
        adding = self.instance._state.adding and not owner.is_superuser
        if adding and Channel.objects.filter(owner=owner).count() >= limit:
            raise forms.ValidationError(
                f"You already have {limit} channels, the most one account may have."
            )
        return data

    def changes(self) -> dict[str, Any]:
        """Return channel_update's arguments for what the form changed."""
        data = self.cleaned_data
        changes: dict[str, Any] = {
            name: data[name]
            for name in ("title", "description", "replay_visibility")
            if name in data
        }
        if "tags_text" in data:
            changes["tags"] = data["tags_text"]
        for name in services.IMAGE_FIELDS:
            upload = data.get(f"{name}_upload")
            if isinstance(upload, images.CheckedImage):
                changes[name] = upload
            elif data.get(f"remove_{name}"):
                changes[name] = None
        return changes


class OperatorChannelAdminForm(ChannelAdminForm):
    """An operator's new channel: the streaming service too (the site's default otherwise)."""

    streaming_backend = forms.ChoiceField(
        choices=[("", "The site's default (LIVE_BACKEND)"), *Channel.Backend.choices],
        required=False,
        label="Streaming service",
    )

    def clean_streaming_backend(self) -> str:
        value = str(self.cleaned_data.get("streaming_backend") or "")
        if value == Channel.Backend.IVS and not settings.IVS_REGION:
            raise forms.ValidationError("Amazon IVS is not configured here (IVS_REGION).")
        return value


@admin.register(Channel)
class ChannelAdmin(OwnedAdmin[Channel]):
    form = ChannelAdminForm
    list_display = ("title", "slug", "owner", "is_live", "backend", "provisioning", "created")
    list_filter = ("is_live", "backend", "provisioning")
    search_fields = ("slug", "title")
    list_select_related = ("owner",)
    date_hierarchy = "created"
    actions = ("rotate_key", "end_live_session", "show_ingest_settings", "provision")
    fieldsets = (
        (None, {"fields": ("slug", "title", "description", "tags_text", "replay_visibility")}),
        (
            "Images",
            {
                "fields": (
                    "avatar",
                    "avatar_upload",
                    "remove_avatar",
                    "offline_image",
                    "offline_image_upload",
                    "remove_offline_image",
                )
            },
        ),
        (
            "Streaming",
            {"fields": ("ingest_settings", "is_live", "current_session", "key_rotated_at")},
        ),
        (
            "About",
            {"fields": ("owner", "backend", "provisioning", "provisioning_detail", "created")},
        ),
    )
    # Never the key, its hash or the backend's own ids: this page may be screen-shared.
    readonly_fields = (
        "owner", "backend", "created", "is_live", "current_session", "key_rotated_at",
        "ingest_settings", "avatar", "offline_image", "provisioning", "provisioning_detail",
    )  # fmt: skip

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and request.user.is_superuser:  # an operator picks the backend
            return [*fieldsets, ("Streaming service", {"fields": ("streaming_backend",)})]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = tuple(super().get_readonly_fields(request, obj))
        return (*fixed, "slug") if obj is not None else fixed  # the address is fixed once made

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None and request.user.is_superuser:
            kwargs["form"] = OperatorChannelAdminForm
        form = super().get_form(request, obj, change, **kwargs)
        form.requester = request.user  # type: ignore[attr-defined]
        return form

    @admin.display(description="Ingest settings")
    def ingest_settings(self, channel: Channel) -> SafeString | str:
        if channel._state.adding:
            return "Shown once the channel is saved."
        url = get_backend(channel.backend).ingest_url(channel)
        page = reverse("live:my_channel", args=[channel.slug])
        return format_html(
            "Server: <code>{}</code><br>Stream key: never shown here; the owner reveals it on "
            '<a href="{}">the channel\'s stream page</a>.',
            url,
            page,
        )

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        changes = form.changes()
        if change:
            services.channel_update(channel=Channel.objects.get(pk=obj.pk), **changes)
            obj.refresh_from_db()
            return
        assert isinstance(request.user, User)
        created = services.channel_create(
            owner=request.user,
            slug=form.cleaned_data["slug"],
            title=changes.pop("title"),
            description=changes.pop("description", ""),
            tags=changes.pop("tags", []),
            backend_name=form.cleaned_data.get("streaming_backend") or None,
        )
        if changes:
            services.channel_update(channel=created, **changes)
        created.refresh_from_db()
        obj.__dict__.update(created.__dict__)  # the admin logs and redirects to ``obj``

    def delete_model(self, request: HttpRequest, obj: Channel) -> None:
        services.channel_delete(channel=obj)  # images too, after the commit

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            try:
                services.channel_delete(channel=channel)
            except LiveError as error:
                self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Rotate the stream key", permissions=["change"])
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            reservation = limits.attempt(limits.KEY_ROTATIONS, request.user.pk)
            refusal = limits.refusal(reservation)
            if refusal:
                self.message_user(request, refusal[1], messages.ERROR)
                return
            try:
                services.stream_key_rotate(channel=channel)
            except LiveError as error:
                self.message_user(request, f"{channel.title}: {error}", messages.ERROR)
                continue
            page = reverse("live:my_channel", args=[channel.slug])
            # The new key is not in the message: messages may end up in logs.
            self.message_user(
                request,
                format_html(
                    "Key of “{}” rotated; the old one no longer works. The owner reveals the "
                    'new one on <a href="{}">the channel\'s stream page</a>.',
                    channel.title,
                    page,
                ),
                messages.SUCCESS,
            )

    @admin.action(description="End the live session", permissions=["change"])
    def end_live_session(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            own = channel.owner_id == request.user.pk
            reason = (
                LiveSession.EndReason.ENDED_BY_OWNER
                if own
                else LiveSession.EndReason.ENDED_BY_STAFF
            )
            try:
                services.session_request_end(channel=channel, reason=reason)
            except LiveError as error:
                self.message_user(request, f"{channel.title}: {error}", messages.WARNING)
            else:
                self.message_user(request, f"Ending the stream of “{channel.title}”.")

    def has_provision_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)  # IVS resources cost the operator money

    @admin.action(
        description="Approve / provision at the streaming service", permissions=["provision"]
    )
    def provision(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            if channel.provisioning == Channel.Provisioning.READY:
                self.message_user(request, f"“{channel.title}” is provisioned already.")
                continue
            services.channel_provision(channel=channel)
            if channel.provisioning == Channel.Provisioning.READY:
                self.message_user(request, f"“{channel.title}” is provisioned.", messages.SUCCESS)
            else:
                detail = channel.provisioning_detail or channel.get_provisioning_display()
                self.message_user(request, f"“{channel.title}”: {detail}", messages.ERROR)

    @admin.action(description="Show ingest settings", permissions=["view"])
    def show_ingest_settings(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        rows = (
            (
                c.title,
                get_backend(c.backend).ingest_url(c),
                reverse("live:my_channel", args=[c.slug]),
            )
            for c in queryset
        )
        self.message_user(
            request,
            format_html_join(
                " ",
                '“{}”: server <code>{}</code>, key on <a href="{}">its stream page</a>.',
                rows,
            ),
        )


@admin.register(LiveSession)
class LiveSessionAdmin(OwnedAdmin[LiveSession]):
    """Sessions are written by the ingest: read-only here; ended ones may be deleted."""

    owner_lookup = "channel__owner"
    list_display = ("channel", "status", "started", "ended", "end_reason", "peak_viewers", "replay")
    list_filter = ("status", "end_reason")
    list_select_related = ("channel", "replay")
    date_hierarchy = "started"
    search_fields = ("channel__slug", "channel__title")
    FIELDS = (
        "channel", "status", "started", "ended", "end_reason", "end_detail", "peak_viewers",
        "replay", "health",
    )  # fmt: skip
    # How the ingest holds a session: for operators, not streamers.
    OPERATOR_FIELDS = ("output_prefix", "hls_path", "lease_host", "lease_pid", "lease_expires_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.FIELDS, *self.OPERATOR_FIELDS) if self.sees_all(request) else self.FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != LiveSession.Status.ENDED:
            return False  # the ingest still holds it
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LiveSession]) -> None:
        queryset.filter(status=LiveSession.Status.ENDED).delete()


class ModeratorAdminForm(forms.ModelForm[ChannelModerator]):
    """The channel (one's own) and the moderator's username."""

    username = ModeratorForm.base_fields["username"]

    class Meta:
        model = ChannelModerator
        fields = ("channel",)

    def clean_username(self) -> User:
        return user_for_username(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel, user = data.get("channel"), data.get("username")
        if channel is not None and user is not None:
            if user.pk == channel.owner_id:
                self.add_error("username", "The owner already moderates their own channel.")
            elif selectors.moderators(channel=channel).filter(user=user).exists():
                self.add_error("username", f"{user.username} already moderates this channel.")
        return data


@admin.register(ChannelModerator)
class ChannelModeratorAdmin(OwnedAdmin[ChannelModerator]):
    """Moderators are appointed and removed; there is nothing to edit in between."""

    form = ModeratorAdminForm
    owner_lookup = "channel__owner"
    owned_choices = {"channel": "owner"}
    list_display = ("user", "channel", "created")
    list_select_related = ("user", "channel")
    search_fields = ("user__username", "channel__slug")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("channel", "user", "created") if obj is not None else ("channel", "username")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("channel", "user", "created") if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ChannelModerator, form: Any, change: bool
    ) -> None:
        added = services.moderator_add(
            channel=form.cleaned_data["channel"], user=form.cleaned_data["username"]
        )
        obj.__dict__.update(added.__dict__)

    def delete_model(self, request: HttpRequest, obj: ChannelModerator) -> None:
        services.moderator_remove(channel=obj.channel, user=obj.user)


# Chat messages have their own module; importing it registers them.
from live import admin_chat  # noqa: E402, F401
