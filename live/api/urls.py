"""The channels API (DESIGN.md, public contract)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from config import body_limits
from live import images
from live.api import chat, ivs_chat
from live.api.views import ChannelViewSet

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="api-channel")

CHANNEL = "channels/<str:slug>/"
urlpatterns = [
    *router.urls,
    path(f"{CHANNEL}chat/", chat.ChatHistoryView.as_view(), name="api-chat"),
    path(
        f"{CHANNEL}chat/<str:message_id>/",
        chat.ChatMessageView.as_view(),
        name="api-chat-message",
    ),
    path(f"{CHANNEL}chat-ticket/", chat.ChatTicketView.as_view(), name="api-chat-ticket"),
    path(f"{CHANNEL}chat-token/", ivs_chat.ChatTokenView.as_view(), name="api-chat-token"),
    path(f"{CHANNEL}bans/", chat.BansView.as_view(), name="api-bans"),
    path(f"{CHANNEL}bans/<str:ban_id>/", chat.BanView.as_view(), name="api-ban"),
    path("videos/<str:video_id>/chat/", chat.ReplayChatView.as_view(), name="api-replay-chat"),
]

# A PATCH may carry the avatar and the offline image; every other route keeps the default.
body_limits.accept(images.BODY_LIMIT, "api-channel-detail", methods=("PATCH",))
