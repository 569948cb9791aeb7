"""The music track API: thin views over catalog.music's services and selectors."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.restrictions import NotRestricted
from catalog import services
from catalog.api.permissions import IsOwnerOrReadOnly
from catalog.api.track_serializers import (
    TrackCreateSerializer,
    TrackFilterSerializer,
    TrackNextSerializer,
    TrackSerializer,
    TrackUpdateSerializer,
)
from catalog.api.uploads import counted_upload
from catalog.ids import looks_like_id
from catalog.models import Video
from catalog.music import selectors
from catalog.music import services as music_services
from config.api_errors import ErrorSerializer

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not the owner."),
    404: OpenApiResponse(ErrorSerializer, description="No such track (or not visible)."),
}


class TrackViewSet(viewsets.GenericViewSet[Video]):
    """Music tracks: list (search, tempo) and upload; read, edit and delete one; the queue."""

    serializer_class = TrackSerializer
    permission_classes = [IsAuthenticatedOrReadOnly, NotRestricted, IsOwnerOrReadOnly]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    rate_limited_actions = ("create",)
    # Their query is validated (400 naming the field): config.api_schema documents it.
    query_validated_actions = ("list", "next")

    def get_queryset(self) -> QuerySet[Video]:
        return selectors.visible_tracks(user=self.request.user)

    def get_object(self) -> Video:
        """Return the URL's track if visible (else 404); for writes, if owned (else 403)."""
        if not looks_like_id(self.kwargs.get("pk")):
            raise exceptions.NotFound("No such track.")
        try:
            return super().get_object()
        except Http404:
            raise exceptions.NotFound("No such track.") from None

    def _track_response(self, video: Video, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.visible_tracks(user=self.request.user).get(pk=video.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(summary="List music tracks", parameters=[TrackFilterSerializer])
    def list(self, request: Request) -> Response:
        """List public ready tracks and the requester's own; with ``bpm``, closest first."""
        query = TrackFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tracks = selectors.track_list(user=request.user, **query.validated_data)
        page = self.paginate_queryset(tracks)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Upload a music track",
        request={"multipart/form-data": TrackCreateSerializer},
        responses={
            201: TrackSerializer,
            413: OpenApiResponse(ErrorSerializer, description="The file is too large."),
        },
    )
    def create(self, request: Request) -> Response:
        """Store an audio upload and queue its processing (type told by probing it)."""
        owner = cast(User, request.user)
        video = counted_upload(
            request,
            lambda data: music_services.track_create(owner=owner, **data),
            TrackCreateSerializer,
        )
        response = self._track_response(video, status.HTTP_201_CREATED)
        response["Location"] = f"/api/tracks/{video.pk}/"
        return response

    @extend_schema(summary="Get a music track", responses={200: TrackSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, pk: str) -> Response:
        """Show one track (public, unlisted or the requester's own)."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Edit a music track",
        request=TrackUpdateSerializer,
        responses={200: TrackSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the title, artist, album or visibility (the owner only)."""
        video = self.get_object()
        form = TrackUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        music_services.track_update(video=video, data=form.validated_data)
        return self._track_response(video)

    @extend_schema(summary="Delete a music track and its files", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete the track and every file it owns (the owner only)."""
        services.video_delete(video=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The next track of a tempo-matched queue",
        parameters=[TrackNextSerializer],
        responses={
            200: TrackSerializer,
            204: OpenApiResponse(description="The queue is exhausted."),
            404: OpenApiResponse(ErrorSerializer, description="No such track as `after`."),
        },
    )
    @action(detail=False, methods=["get"], url_path="next")
    def next(self, request: Request) -> Response:
        """Answer the track after ``after`` among ready tracks matching ``bpm``; 204 at the end."""
        query = TrackNextSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = query.validated_data["after"]
        if after and selectors.track_get_visible(user=request.user, track_id=after) is None:
            raise exceptions.NotFound("No such track as `after`.")
        track = selectors.track_next(user=request.user, **query.validated_data)
        if track is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(track).data)
