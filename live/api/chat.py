"""The chat API: history, tickets for apps' sockets, deleting messages, bans, a replay's chat.

- ``GET /api/channels/{slug}/chat/`` (``?session=``): shown messages, newest first, paged.
- ``DELETE /api/channels/{slug}/chat/{id}/``: delete a message (owner, moderators, staff).
- ``POST /api/channels/{slug}/chat-ticket/``: a single-use ticket for ``/ws/chat/{slug}/``.
- ``GET|POST /api/channels/{slug}/bans/``, ``DELETE …/bans/{id}/``: bans in force; ban or time
  out a user; lift a ban (owner, moderators, staff; site bans by site moderators).
- ``GET /api/videos/{id}/chat/?from=``: a replay's chat in replay order, from a second on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors as catalog_selectors
from catalog.ids import looks_like_id
from config.api_errors import ErrorSerializer
from config.api_schema import StrictInputSerializer
from config.ratelimit import Limited
from live import limits, selectors
from live.chat import roles, services, tickets
from live.chat import selectors as chat_selectors
from live.chat.frames import TIMEOUT_MINUTES, USERNAME_MAX_CHARS
from live.models import Channel, ChatMessage, LiveSession
from moderation import selectors as ban_selectors
from moderation.models import Ban
from moderation.services import REASON_MAX_CHARS

NO_CHANNEL = "No such channel."
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such channel (or message, ban).")
NOT_MODERATOR = OpenApiResponse(
    ErrorSerializer, description="Not the channel's owner, a moderator or staff."
)
REPLAY_PAGE = 200  # messages per page of a replay's chat: a few minutes of a busy stream


def _channel(slug: str) -> Channel:
    channel = selectors.channel_get(slug=slug)
    if channel is None:
        raise exceptions.NotFound(NO_CHANNEL)
    return channel


def _moderator(request: Request, channel: Channel) -> roles.Role:
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated()
    role = roles.role_of(request.user, channel)
    if not role.moderates:
        raise exceptions.PermissionDenied("Only the channel's owner and moderators can do that.")
    return role


class AuthorSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    badges = serializers.ListField(
        child=serializers.ChoiceField(choices=[roles.OWNER, roles.MODERATOR, roles.STAFF])
    )


class ChatMessageSerializer(serializers.Serializer[Any]):
    """A chat message as the socket sends it, plus its session."""

    id = serializers.CharField()
    text = serializers.CharField(help_text="Exactly as typed: show it as text, never as HTML.")
    author = AuthorSerializer()
    created = serializers.DateTimeField()
    offset = serializers.FloatField(
        allow_null=True, help_text="Seconds from the start of the session's replay."
    )
    session = serializers.CharField(allow_null=True)


def _messages(channel: Channel | None, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    by_channel: dict[str, list[ChatMessage]] = {}
    for message in messages:
        by_channel.setdefault(message.channel_id, []).append(message)
    shaped: dict[str, dict[str, Any]] = {}
    for group in by_channel.values():
        owner = channel or group[0].channel
        for message, frame in zip(group, chat_selectors.as_frames(owner, group), strict=True):
            shaped[message.pk] = {**frame, "session": message.session_id}
    return list(ChatMessageSerializer([shaped[m.pk] for m in messages], many=True).data)


SESSION = OpenApiParameter(
    "session", OpenApiTypes.STR, description="Only the messages of this live session."
)


class ChatHistoryView(generics.ListAPIView):
    """The channel's chat history, newest first."""

    serializer_class = ChatMessageSerializer

    @extend_schema(
        summary="Read a channel's chat history",
        parameters=[SESSION],
        responses={200: ChatMessageSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        channel = _channel(slug)
        messages = chat_selectors.visible_messages(channel=channel)
        session = request.query_params.get("session")
        if session is not None:
            known = looks_like_id(session)
            if not known or not LiveSession.objects.filter(pk=session, channel=channel).exists():
                raise exceptions.NotFound("This channel has no such session.")
            messages = messages.filter(session_id=session)
        page = self.paginate_queryset(messages) or []
        return self.get_paginated_response(_messages(channel, list(page)))


class ChatMessageView(APIView):
    @extend_schema(
        summary="Delete a chat message",
        responses={204: None, 401: NOT_MODERATOR, 403: NOT_MODERATOR, 404: NOT_FOUND},
    )
    def delete(self, request: Request, slug: str, message_id: str) -> Response:
        """Delete a message from the chat, its history and its replay, for everyone."""
        channel = _channel(slug)
        actor = _moderator(request, channel)
        if not looks_like_id(message_id):
            raise exceptions.NotFound("That message is not in this chat.")
        services.message_delete(channel=channel, actor=actor, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketSerializer(serializers.Serializer[Any]):
    ticket = serializers.CharField(help_text="Works once, for TICKET_SECONDS, on this channel.")
    expires = serializers.DateTimeField()
    socket_path = serializers.CharField(help_text="Connect here (with the ticket appended).")


class ChatTicketView(APIView):
    @extend_schema(
        summary="Get a ticket to chat from an app",
        request=None,
        responses={
            201: TicketSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(ErrorSerializer, description="Banned from this chat."),
            404: NOT_FOUND,
            429: OpenApiResponse(ErrorSerializer, description="Too many tickets; wait."),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Return a single-use ticket: connect to ``/ws/chat/{slug}/?ticket=…`` within a minute
        (clients without a browser's Origin; no long-lived token ever sits in a URL)."""
        channel = _channel(slug)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        refusal = services.refusal_to_join(user_id=request.user.pk, channel_id=channel.pk)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        refused = limits.refusal(limits.attempt(limits.CHAT_TICKETS, request.user.pk))
        if refused:
            raise Limited(*refused)
        ticket, expires = tickets.ticket_issue(channel=channel, user=request.user)
        path = f"/ws/chat/{channel.slug}/?ticket={ticket}"
        body = {"ticket": ticket, "expires": expires, "socket_path": path}
        response = Response(TicketSerializer(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class BanSerializer(serializers.ModelSerializer[Ban]):
    username = serializers.CharField(source="user.username")
    created_by = serializers.CharField(source="created_by.username", allow_null=True)

    class Meta:
        model = Ban
        fields = ["id", "username", "scope", "until", "reason", "created_by", "created"]
        read_only_fields = fields


@extend_schema_field({"type": "integer", "enum": list(TIMEOUT_MINUTES), "nullable": True})
class TimeoutMinutesField(serializers.IntegerField):
    """An integer of a few allowed values (a ChoiceField would take the string "10" too)."""


class BanCreateSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=USERNAME_MAX_CHARS)
    minutes = TimeoutMinutesField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A timeout of 1, 10 or 60 minutes; null or absent: a ban for good.",
    )
    scope = serializers.ChoiceField(
        choices=[Ban.Scope.CHANNEL, Ban.Scope.SITE],
        default=Ban.Scope.CHANNEL,
        help_text="site: from the whole site (site moderators only).",
    )
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, required=False, allow_blank=True)

    def validate_minutes(self, value: int | None) -> int | None:
        if value is not None and value not in TIMEOUT_MINUTES:
            raise serializers.ValidationError("A timeout lasts 1, 10 or 60 minutes.")
        return value


class BansView(generics.ListAPIView):
    serializer_class = BanSerializer
    parser_classes = [JSONParser]  # a form cannot say "minutes": null (a ban for good)

    @extend_schema(
        summary="List a channel's bans in force",
        responses={200: BanSerializer(many=True), 401: NOT_MODERATOR, 403: NOT_MODERATOR},
    )
    def get(self, request: Request, slug: str) -> Response:
        channel = _channel(slug)
        _moderator(request, channel)
        page = self.paginate_queryset(ban_selectors.channel_bans(channel_id=channel.pk)) or []
        return self.get_paginated_response(BanSerializer(page, many=True).data)

    @extend_schema(
        summary="Ban or time out a user",
        request=BanCreateSerializer,
        responses={
            201: BanSerializer,
            401: NOT_MODERATOR,
            403: NOT_MODERATOR,
            404: OpenApiResponse(ErrorSerializer, description="No such channel or user."),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Ban a user from the channel's chat (or time them out); their sockets close now."""
        channel = _channel(slug)
        actor = _moderator(request, channel)
        form = BanCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        ban = services.user_ban(
            channel=channel,
            actor=actor,
            username=data["username"],
            minutes=data["minutes"],
            site=data["scope"] == Ban.Scope.SITE,
            reason=data.get("reason", ""),
        )
        return Response(BanSerializer(ban).data, status=status.HTTP_201_CREATED)


class BanView(APIView):
    @extend_schema(
        summary="Lift a ban",
        responses={204: None, 401: NOT_MODERATOR, 403: NOT_MODERATOR, 404: NOT_FOUND},
    )
    def delete(self, request: Request, slug: str, ban_id: str) -> Response:
        channel = _channel(slug)
        actor = _moderator(request, channel)
        ban = ban_selectors.ban_get(ban_id=ban_id, channel_id=channel.pk)
        if ban is None:
            raise exceptions.NotFound("This channel has no such ban in force.")
        services.ban_lift(channel=channel, actor=actor, ban=ban)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReplayChatSerializer(serializers.Serializer[Any]):
    results = ChatMessageSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="The URL of the messages after these, or null."
    )


FROM = OpenApiParameter(
    "from", OpenApiTypes.DOUBLE, description="Seconds into the replay (default 0)."
)
AFTER = OpenApiParameter(
    "after", OpenApiTypes.STR, description="The id of the last message read (from ``next``)."
)


class ReplayChatView(APIView):
    @extend_schema(
        summary="Read a replay's chat, in replay order",
        parameters=[FROM, AFTER],
        responses={200: ReplayChatSerializer, 400: ErrorSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, video_id: str) -> Response:
        """The messages of the replay's session from ``from`` seconds on, oldest first: a page
        at most, and ``next`` for the rest."""
        video = catalog_selectors.video_get_visible(user=request.user, video_id=video_id)
        session = (
            LiveSession.objects.filter(replay_id=video.pk).only("pk").first() if video else None
        )
        if session is None:
            raise exceptions.NotFound("No such replay.")
        try:
            start = float(request.query_params.get("from", "0"))
        except ValueError:
            raise exceptions.ValidationError({"from": ["A number of seconds."]}) from None
        if not 0 <= start < 1e7:  # NaN fails too
            raise exceptions.ValidationError({"from": ["A number of seconds."]})
        after = request.query_params.get("after") or None
        if after is not None and not looks_like_id(after):
            raise exceptions.ValidationError({"after": ["A message id from next."]})
        messages = chat_selectors.replay_messages(
            session_id=session.pk, start=start, after=after, limit=REPLAY_PAGE + 1
        )
        next_url = None
        if len(messages) > REPLAY_PAGE:
            messages = messages[:REPLAY_PAGE]
            last = messages[-1]
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({'from': last.offset, 'after': last.pk})}"
            )
        return Response({"results": _messages(None, messages), "next": next_url})
