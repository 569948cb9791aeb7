"""``POST /api/reports/``: a viewer reports a video, a live channel or a chat message.

One report per viewer and item counts: reporting again answers 200 with the same flag, the
first time 201. Reports go to the moderators' queue (/admin/moderation/); each distinct
reporter raises the item's priority there.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import ErrorSerializer
from config.api_schema import StrictInputSerializer
from config.ratelimit import Limit, Limited, describe_rate, reserve, try_again
from moderation import flags, targets
from moderation.models import Report

REPORTS = Limit("reports", "RATE_REPORTS")
NOTE_MAX_CHARS = Report._meta.get_field("note").max_length or 500
ITEM_ID_MAX_CHARS = Report._meta.get_field("item_id").max_length or 64


class ReportInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(
        choices=["video", "channel", "chat_message"],
        help_text="What is reported: a video (id), a live channel (slug) or a chat message (id).",
    )
    id = serializers.CharField(
        max_length=ITEM_ID_MAX_CHARS, help_text="The video's or message's id, the channel's slug."
    )
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_CHARS, required=False, allow_blank=True, help_text="Optional details."
    )


class ReportSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    id = serializers.CharField()
    reason = serializers.CharField()
    reports = serializers.IntegerField(help_text="How many viewers reported this item so far.")
    new = serializers.BooleanField(help_text="False when you had reported this item already.")


class ReportView(APIView):
    parser_classes = [JSONParser]
    rate_limited_actions = ("post",)

    @extend_schema(
        summary="Report a video, a live channel or a chat message",
        request=ReportInputSerializer,
        responses={
            200: OpenApiResponse(ReportSerializer, description="You had reported it already."),
            201: ReportSerializer,
            # 400 (invalid, or your own item), 401 and 429 are implied (config/api_schema.py).
            404: OpenApiResponse(ErrorSerializer, description="No such item."),
        },
    )
    def post(self, request: Request) -> Response:
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        reservation = reserve((REPORTS, (f"user:{request.user.pk}",)))
        if reservation.over:
            limit, wait = reservation.over[0]
            raise Limited(
                wait,
                f"Too many reports (the limit is {describe_rate(limit.rate)}). {try_again(wait)}",
            )
        try:
            flag, new = flags.report(
                reporter=request.user,
                kind=fields["kind"],
                item_id=fields["id"],
                reason=fields["reason"],
                note=fields.get("note", ""),
            )
        except targets.UnknownItem as exc:
            reservation.give_back()
            raise exceptions.NotFound(str(exc)) from None
        except flags.ModerationError:
            reservation.give_back()
            raise
        if not new:
            reservation.give_back()
        body = {
            "kind": flag.item_kind,
            "id": flag.item_id,
            "reason": fields["reason"],
            "reports": flag.reports,
            "new": new,
        }
        return Response(
            ReportSerializer(body).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )
