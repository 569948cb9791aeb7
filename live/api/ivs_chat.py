"""``POST /api/channels/{slug}/chat-token/``: a token for the channel's IVS Chat room.

For clients using the IVS chat SDK on a channel streamed through Amazon IVS. Viewers may
send messages; the owner, the channel's moderators and site staff may also delete messages
and disconnect users. Banned users are refused with the ban's reason and end.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api_errors import ErrorSerializer
from config.ratelimit import Limited
from live import limits, selectors
from live.chat.services import ban_notice
from live.ivs import chat
from moderation import selectors as ban_selectors


class ChatTokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Pass to the IVS chat SDK's ChatRoom.")
    token_expires = serializers.DateTimeField(help_text="Connect before this.")
    session_expires = serializers.DateTimeField(help_text="The connection ends at this time.")
    capabilities = serializers.ListField(child=serializers.CharField())
    region = serializers.CharField(help_text="The IVS Chat region the SDK connects to.")


class BannedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    reason = serializers.CharField(help_text="The moderator's reason (may be empty).")
    until = serializers.DateTimeField(allow_null=True, help_text="null: for good.")


class ChatTokenView(APIView):
    @extend_schema(
        summary="Get a token for the channel's IVS Chat room",
        request=None,
        responses={
            201: ChatTokenSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(BannedSerializer, description="Banned from this chat."),
            404: OpenApiResponse(ErrorSerializer, description="No such channel."),
            409: OpenApiResponse(ErrorSerializer, description="The channel has no IVS room."),
            429: OpenApiResponse(ErrorSerializer, description="Too many tokens; wait."),
            503: OpenApiResponse(ErrorSerializer, description="IVS Chat refused."),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Return a token for the IVS chat SDK (capabilities by the user's role)."""
        channel = selectors.channel_get(slug=slug)
        if channel is None:
            raise exceptions.NotFound("No such channel.")
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        assert isinstance(request.user, User)
        ban = ban_selectors.ban_in_force(user_id=request.user.pk, channel_id=channel.pk)
        if ban is not None:
            body = {"detail": ban_notice(ban), "reason": ban.reason, "until": ban.until}
            return Response(BannedSerializer(body).data, status=status.HTTP_403_FORBIDDEN)
        chat.room_of(channel)  # 409 before counting against the limit
        refused = limits.refusal(limits.attempt(limits.CHAT_TICKETS, request.user.pk))
        if refused:
            raise Limited(*refused)
        token = chat.token_create(channel=channel, user=request.user)
        body = {**token.__dict__, "region": chat.region()}
        response = Response(ChatTokenSerializer(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response
