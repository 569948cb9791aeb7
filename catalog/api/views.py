"""The video API: thin views that validate input, call services and shape the output."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.restrictions import NotRestricted
from catalog import selectors, services, subtitles
from catalog.api.permissions import IsOwnerOrReadOnly
from catalog.api.serializers import (
    SubtitleCreateSerializer,
    SubtitleSerializer,
    VideoCreateSerializer,
    VideoSerializer,
    VideoUpdateSerializer,
)
from catalog.api.uploads import counted_upload
from catalog.errors import InvalidSubtitle
from catalog.ids import looks_like_id
from catalog.models import Video
from config.api_errors import ErrorSerializer

# What these operations refuse beyond the refusals config.api_schema adds to every operation.
ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not the owner."),
    404: OpenApiResponse(ErrorSerializer, description="No such video (or not visible)."),
}
SEARCH = OpenApiParameter(
    "search", OpenApiTypes.STR, description="Words to find in the title or description."
)
LANGUAGE_PATH = rf"subtitles/(?P<language>[A-Za-z0-9_-]{{1,{subtitles.LANGUAGE_MAX_CHARS}}})"
LANGUAGE = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="BCP 47 tag, e.g. pt-BR.",
    pattern=subtitles.LANGUAGE_PATTERN.replace("\\A", "^").replace("\\Z", "$"),
    examples=[OpenApiExample("English", value="en")],
)


class VideoViewSet(viewsets.GenericViewSet[Video]):
    """Videos: list and upload; read, edit and delete one; retry; subtitles."""

    serializer_class = VideoSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, NotRestricted, IsOwnerOrReadOnly]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> QuerySet[Video]:
        return selectors.visible_videos(user=self.request.user)

    # Uploads are limited per user and address (catalog.limits): the schema documents 429.
    rate_limited_actions = ("create",)

    def get_object(self) -> Video:
        """Return the URL's video if visible (else 404); for writes, if owned (else 403)."""
        if not looks_like_id(self.kwargs.get("pk")):
            raise exceptions.NotFound("No such video.")  # never send odd bytes to the database
        try:
            return super().get_object()
        except Http404:
            raise exceptions.NotFound("No such video.") from None

    def _video_response(self, video: Video, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.visible_videos(user=self.request.user).get(pk=video.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(summary="List videos", parameters=[SEARCH])
    def list(self, request: Request) -> Response:
        """List public ready videos and the requester's own, newest first."""
        videos = selectors.video_list(
            user=request.user, search=request.query_params.get("search", "")
        )
        page = self.paginate_queryset(videos)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Upload a video",
        request={"multipart/form-data": VideoCreateSerializer},
        responses={
            201: VideoSerializer,
            413: OpenApiResponse(ErrorSerializer, description="The file is too large."),
        },
    )
    def create(self, request: Request) -> Response:
        """Store an upload and queue its processing."""
        owner = cast(User, request.user)
        video = counted_upload(
            request, lambda data: services.video_create(owner=owner, **data), VideoCreateSerializer
        )
        response = self._video_response(video, status.HTTP_201_CREATED)
        response["Location"] = f"/api/videos/{video.pk}/"
        return response

    @extend_schema(summary="Get a video", responses={200: VideoSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """Show one video (public, unlisted or the requester's own)."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Edit a video",
        request=VideoUpdateSerializer,
        responses={200: VideoSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the title, description or visibility (the owner only)."""
        video = self.get_object()
        form = VideoUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.video_update(video=video, data=form.validated_data)
        return self._video_response(video)

    @extend_schema(summary="Delete a video and its files", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete the video and every file it owns (the owner only)."""
        services.video_delete(video=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Retry a failed video",
        request=None,
        responses={
            202: VideoSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The video has not failed."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Queue a new processing attempt of a failed video (the owner only)."""
        video = self.get_object()
        services.video_retry(video=video)
        return self._video_response(video, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Add or replace a subtitle track",
        request={"multipart/form-data": SubtitleCreateSerializer},
        responses={201: SubtitleSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Portuguese (Brazil)",
                value={"file": "WEBVTT\n\n00:01.000 --> 00:02.500\nOlá!\n", "language": "pt-BR"},
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="subtitles",
        serializer_class=SubtitleSerializer,
    )
    def subtitles(self, request: Request, pk: str) -> Response:
        """Upload WebVTT or SRT for one language; a second upload replaces the first."""
        video = self.get_object()
        form = SubtitleCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            subtitle = services.subtitle_set(video=video, **form.validated_data)
        except InvalidSubtitle as exc:
            raise exceptions.ValidationError({"file": [str(exc)]}) from None
        return Response(SubtitleSerializer(subtitle).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Delete a subtitle track",
        parameters=[LANGUAGE],
        request=None,
        responses={204: None, **ERRORS},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=LANGUAGE_PATH,
        serializer_class=SubtitleSerializer,
    )
    def delete_subtitle(self, request: Request, pk: str, language: str) -> Response:
        """Delete the track of one language (the owner only)."""
        subtitle = selectors.subtitle_get(video=self.get_object(), language=language)
        if subtitle is None:
            raise exceptions.NotFound("This video has no subtitles in that language.")
        services.subtitle_delete(subtitle=subtitle)
        return Response(status=status.HTTP_204_NO_CONTENT)
