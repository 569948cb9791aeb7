"""``{% report_menu "video" video.pk %}``: the viewer's report form for an item."""

from __future__ import annotations

from typing import Any

from django import template

from moderation.models import Report

register = template.Library()


@register.inclusion_tag("moderation/_report.html", takes_context=True)
def report_menu(context: dict[str, Any], kind: str, item_id: object) -> dict[str, Any]:
    return {
        "kind": kind,
        "item_id": item_id,
        "report_reasons": Report.Reason.choices,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
