"""Admin of chat messages: a streamer reads their channels' chats and deletes what breaks the
rules; operators read every chat. Text is shown as text (the admin escapes it), and deleting
goes through the chat's service, so the message leaves every open screen too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_owned import OwnedAdmin
from live.chat import roles
from live.chat import services as chat_services
from live.chat.errors import ChatNotFound, ChatRefused
from live.models import ChatMessage

SHORT_TEXT_CHARS = 80


@admin.register(ChatMessage)
class ChatMessageAdmin(OwnedAdmin[ChatMessage]):
    """Read-only rows; the one action deletes from the chat (the row stays, marked deleted)."""

    owner_lookup = "channel__owner"
    list_display = ("short_text", "author", "channel", "created", "offset", "deleted")
    list_filter = ("deleted",)
    list_select_related = ("author", "channel")
    date_hierarchy = "created"
    search_fields = ("text", "author__username")
    fields = ("channel", "session", "author", "text", "created", "offset", "deleted", "deleted_at")
    readonly_fields = fields
    actions = ["delete_from_chat"]

    @admin.display(description="text")
    def short_text(self, message: ChatMessage) -> str:
        text = message.text
        return text if len(text) <= SHORT_TEXT_CHARS else f"{text[:SHORT_TEXT_CHARS]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record stays; "delete from the chat" hides it everywhere

    @admin.action(description="Delete from the chat (for every viewer)", permissions=["view"])
    def delete_from_chat(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        deleted = refused = 0
        for message in queryset.select_related("channel").filter(deleted=False):
            actor = roles.role_of(request.user, message.channel)
            try:
                chat_services.message_delete(
                    channel=message.channel, actor=actor, message_id=message.pk
                )
                deleted += 1
            except (ChatRefused, ChatNotFound):
                refused += 1
        if deleted:
            self.message_user(request, f"Deleted {deleted} message(s) from the chat.")
        if refused:
            self.message_user(
                request,
                f"{refused} message(s) were not yours to delete (you moderate their channel "
                "neither as its owner nor as staff).",
                messages.WARNING,
            )
