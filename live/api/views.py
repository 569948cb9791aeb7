"""The channels API: thin views that validate input, call services and shape the output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from catalog.api.serializers import VideoSerializer
from config.api_errors import ErrorSerializer
from config.ratelimit import Limit, Limited
from live import limits, presence, selectors, services
from live.api.serializers import (
    ChannelCreateFormSerializer,
    ChannelCreateSerializer,
    ChannelSerializer,
    ChannelUpdateFormSerializer,
    ChannelUpdateSerializer,
    HealthSerializer,
    ModeratorCreateSerializer,
    ModeratorSerializer,
    StreamKeySerializer,
)
from live.backends import get_backend
from live.errors import InvalidChannel
from live.models import Channel, LiveSession

NO_CHANNEL = "No such channel."
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not the channel's owner."),
    404: OpenApiResponse(ErrorSerializer, description="No such channel."),
}
LIVE_CONFLICT = OpenApiResponse(ErrorSerializer, description="The channel is live.")
NOT_LIVE = OpenApiResponse(ErrorSerializer, description="The channel is not live.")
USERNAME = OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)


def _is_form(request: Request) -> bool:
    return request.content_type.split(";")[0].strip().lower() in FORMS


@contextmanager
def _field_errors() -> Iterator[None]:
    """Answer a service's refusal that names a field as that field's error."""
    try:
        yield
    except InvalidChannel as error:
        if error.field is None:
            raise
        raise exceptions.ValidationError({error.field: [str(error)]}) from None


@contextmanager
def _limited(limit: Limit, request: Request) -> Iterator[None]:
    """Count the action against ``limit`` before it runs; give it back if it is refused."""
    reservation = limits.attempt(limit, request.user.pk)
    refusal = limits.refusal(reservation)
    if refusal:
        raise Limited(*refusal)
    try:
        yield
    except BaseException:
        reservation.give_back()
        raise


class ChannelViewSet(viewsets.GenericViewSet[Channel]):
    """Channels: list and create; read, edit, delete one; its key, replays, moderators."""

    serializer_class = ChannelSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    lookup_field = "slug"
    # Creating channels, rotating keys and uploading images are limited per user.
    rate_limited_actions = ("create", "partial_update", "rotate_key")

    def get_queryset(self) -> Any:
        return selectors.channel_list()

    def get_object(self) -> Channel:
        channel = selectors.channel_get(slug=self.kwargs.get("slug", ""))
        if channel is None:
            raise exceptions.NotFound(NO_CHANNEL)
        return channel

    def _owned(self) -> Channel:
        """Return the URL's channel if the requester owns it; 404 for anyone else."""
        channel = selectors.channel_get_owned(user=self.request.user, slug=self.kwargs["slug"])
        if channel is None:  # the key's endpoints do not even confirm the channel to others
            raise exceptions.NotFound(NO_CHANNEL)
        return channel

    def _owner_only(self, message: str) -> Channel:
        """Return the URL's channel if the requester owns it; 401/403 for others."""
        channel = self.get_object()
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if channel.owner_id != self.request.user.pk:
            raise exceptions.PermissionDenied(message)
        return channel

    def _channel_response(self, channel: Channel, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.channel_list().get(pk=channel.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(summary="List channels, live ones first")
    def list(self, request: Request) -> Response:
        """List every channel: live ones first, then the newest."""
        page = self.paginate_queryset(selectors.channel_list())
        channels = list(page or [])
        counts = presence.viewer_counts([channel.pk for channel in channels])
        data = self.get_serializer(channels, many=True, context={"viewer_counts": counts}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Create a channel",
        request={
            "application/json": ChannelCreateSerializer,
            **dict.fromkeys(FORMS, ChannelCreateFormSerializer),
        },
        responses={
            201: ChannelSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Over the channels per account."),
        },
    )
    def create(self, request: Request) -> Response:
        """Create a channel of the signed-in user, with its first stream key."""
        with _limited(limits.CHANNEL_CREATES, request):
            shape = ChannelCreateFormSerializer if _is_form(request) else ChannelCreateSerializer
            form = shape(data=request.data)
            form.is_valid(raise_exception=True)
            with _field_errors():
                channel = services.channel_create(
                    owner=cast(User, request.user), **form.validated_data
                )
        response = self._channel_response(channel, status.HTTP_201_CREATED)
        response["Location"] = f"/api/channels/{channel.slug}/"
        return response

    @extend_schema(summary="Get a channel", responses={200: ChannelSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, slug: str) -> Response:
        """Show one channel."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Edit a channel",
        request={
            "application/json": ChannelUpdateSerializer,
            **dict.fromkeys(FORMS, ChannelUpdateFormSerializer),
        },
        responses={200: ChannelSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, slug: str) -> Response:
        """Change the details or images of a channel (the owner only)."""
        channel = self._owner_only("Only the channel's owner can change it.")
        shape = ChannelUpdateFormSerializer if _is_form(request) else ChannelUpdateSerializer
        form = shape(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        fields = form.validated_data
        if any(fields.get(name) is not None for name in services.IMAGE_FIELDS):
            with _limited(limits.CHANNEL_IMAGES, request), _field_errors():
                services.channel_update(channel=channel, **fields)
        else:
            with _field_errors():
                services.channel_update(channel=channel, **fields)
        return self._channel_response(channel)

    @extend_schema(
        summary="Delete a channel",
        responses={204: None, 409: LIVE_CONFLICT, **ERRORS},
    )
    def destroy(self, request: Request, slug: str) -> Response:
        """Delete a channel, its sessions and images; its replays stay as videos (owner only)."""
        channel = self._owner_only("Only the channel's owner can delete it.")
        services.channel_delete(channel=channel)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _key_response(self, channel: Channel, key: str) -> Response:
        ingest = get_backend(channel.backend).ingest_url(channel)
        response = Response(StreamKeySerializer({"stream_key": key, "ingest_url": ingest}).data)
        response["Cache-Control"] = "no-store"  # a secret: no cache on the way keeps a copy
        return response

    @extend_schema(
        summary="Read the stream key",
        responses={200: StreamKeySerializer, 404: ERRORS[404]},
    )
    @action(
        detail=True,
        url_path="stream-key",
        renderer_classes=[JSONRenderer],  # never the browsable API's HTML page
        serializer_class=StreamKeySerializer,
    )
    def stream_key(self, request: Request, slug: str) -> Response:
        """Return the channel's stream key and ingest URL (the owner only; 404 for others)."""
        channel = self._owned()
        return self._key_response(channel, services.stream_key(channel))

    @extend_schema(
        summary="Rotate the stream key",
        request=None,
        responses={200: StreamKeySerializer, 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stream-key/rotate",
        renderer_classes=[JSONRenderer],
        serializer_class=StreamKeySerializer,
    )
    def rotate_key(self, request: Request, slug: str) -> Response:
        """Give the channel a new key; the old one stops working and a live stream on it ends."""
        channel = self._owned()
        with _limited(limits.KEY_ROTATIONS, request):
            key = services.stream_key_rotate(channel=channel)
        return self._key_response(channel, key)

    @extend_schema(
        summary="End the live stream",
        request=None,
        responses={
            202: ChannelSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not the owner or an operator."),
            404: ERRORS[404],
            409: NOT_LIVE,
        },
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, slug: str) -> Response:
        """Stop the channel's live stream (its owner, or an operator with the permission)."""
        channel = self.get_object()
        if not selectors.may_end_session(user=request.user, channel=channel):
            raise exceptions.PermissionDenied(
                "Only the channel's owner or an operator can end its stream."
            )
        owner = channel.owner_id == request.user.pk
        reason = (
            LiveSession.EndReason.ENDED_BY_OWNER if owner else LiveSession.EndReason.ENDED_BY_STAFF
        )
        services.session_request_end(channel=channel, reason=reason)
        return self._channel_response(channel, status.HTTP_202_ACCEPTED)

    @extend_schema(summary="List a channel's replays", responses={200: VideoSerializer(many=True)})
    @action(detail=True, serializer_class=VideoSerializer)
    def replays(self, request: Request, slug: str) -> Response:
        """List the channel's replays as /api/videos/ items (its owner also sees private ones)."""
        videos = selectors.channel_replays(user=request.user, channel=self.get_object())
        page = self.paginate_queryset(videos)  # type: ignore[arg-type]  # videos, not channels
        return self.get_paginated_response(VideoSerializer(page, many=True).data)

    @extend_schema(
        summary="List a channel's moderators",
        responses={
            200: ModeratorSerializer(many=True),
            403: OpenApiResponse(ErrorSerializer, description="Not the owner or a moderator."),
            404: ERRORS[404],
        },
        methods=["GET"],
    )
    @extend_schema(
        summary="Appoint a moderator",
        request=ModeratorCreateSerializer,
        responses={200: ModeratorSerializer, 201: ModeratorSerializer, **ERRORS},
        methods=["POST"],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=ModeratorSerializer,
        pagination_class=None,
    )
    def moderators(self, request: Request, slug: str) -> Response:
        """List the channel's moderators (owner and moderators), or appoint one (owner)."""
        if request.method == "POST":
            return self._moderator_add(request)
        channel = self.get_object()
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not selectors.may_read_moderators(user=request.user, channel=channel):
            raise exceptions.PermissionDenied("Only the channel's owner and moderators see them.")
        return Response(ModeratorSerializer(selectors.moderators(channel=channel), many=True).data)

    def _moderator_add(self, request: Request) -> Response:
        channel = self._owner_only("Only the channel's owner appoints moderators.")
        form = ModeratorCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = selectors.user_by_username(form.validated_data["username"])
        if user is None:
            raise exceptions.ValidationError({"username": ["No account has this username."]})
        existed = selectors.moderators(channel=channel).filter(user=user).exists()
        with _field_errors():
            moderator = services.moderator_add(channel=channel, user=user)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(ModeratorSerializer(moderator).data, status=code)

    @extend_schema(
        summary="Remove a moderator",
        parameters=[USERNAME],
        responses={204: None, **ERRORS},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"moderators/(?P<username>[^/]+)",
        serializer_class=ModeratorSerializer,
    )
    def remove_moderator(self, request: Request, slug: str, username: str) -> Response:
        """Take a user's moderator role on the channel away (the owner only)."""
        channel = self._owner_only("Only the channel's owner removes moderators.")
        user = selectors.user_by_username(username)
        if user is None or not selectors.moderators(channel=channel).filter(user=user).exists():
            raise exceptions.NotFound("This user is not a moderator of the channel.")
        services.moderator_remove(channel=channel, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Read the stream's health",
        responses={
            200: HealthSerializer,
            403: OpenApiResponse(ErrorSerializer, description="Not the channel's owner."),
            404: ERRORS[404],
        },
    )
    @action(detail=True, serializer_class=HealthSerializer)
    def health(self, request: Request, slug: str) -> Response:
        """Return the live stream's bitrate, frame rate, keyframes and drops (the owner only)."""
        channel = self._owner_only("Only the channel's owner sees its stream health.")
        response = Response(HealthSerializer(selectors.stream_health(channel)).data)
        response["Cache-Control"] = "no-store"
        return response
