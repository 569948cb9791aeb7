"""The policy and the blocked terms in the admin.

Operators (superusers, or whoever they give the policy permissions) edit the rules: per label,
a threshold and an action. Blocked terms: site moderators keep the site-wide list and any
channel's; a streamer keeps their own channels' lists (the chat refuses those words there).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from moderation.backends.base import LABELS, OBJECT_PREFIX
from moderation.models import BlockedTerm, PolicyRule
from moderation.roles import is_site_moderator


class PolicyRuleForm(forms.ModelForm[PolicyRule]):
    class Meta:
        model = PolicyRule
        fields = ("label", "threshold", "action", "enabled")
        help_texts = {"label": "One of: " + ", ".join(LABELS) + f", or {OBJECT_PREFIX}<name>."}

    def clean_label(self) -> str:
        label = str(self.cleaned_data["label"]).strip().lower()
        if label not in LABELS and not (
            label.startswith(OBJECT_PREFIX) and len(label) > len(OBJECT_PREFIX)
        ):
            raise forms.ValidationError(
                f"Unknown label “{label}”. Use one of: {', '.join(LABELS)}."
            )
        return label

    def clean_threshold(self) -> float:
        threshold = float(self.cleaned_data["threshold"])
        if not 0 <= threshold <= 1:
            raise forms.ValidationError("A threshold is a confidence from 0 to 1, e.g. 0.8.")
        return threshold


@admin.register(PolicyRule)
class PolicyRuleAdmin(admin.ModelAdmin[PolicyRule]):
    form = PolicyRuleForm
    list_display = ("label", "threshold", "action", "enabled", "meaning")
    list_editable = ("threshold", "action", "enabled")
    list_filter = ("action", "enabled")

    @admin.display(description="what the label means")
    def meaning(self, rule: PolicyRule) -> str:
        return LABELS.get(rule.label, rule.label)


class BlockedTermForm(forms.ModelForm[BlockedTerm]):
    requester: Any  # set by BlockedTermAdmin.get_form

    class Meta:
        model = BlockedTerm
        fields = ("term", "channel")

    def clean_term(self) -> str:
        term = " ".join(str(self.cleaned_data["term"]).split())
        if len(term) < 2:
            raise forms.ValidationError("A blocked term has at least two characters.")
        return term.lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") is None and not is_site_moderator(self.requester):
            self.add_error(
                "channel", "Choose your channel: only site moderators keep the site-wide list."
            )
        return data


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin[BlockedTerm]):
    form = BlockedTermForm
    list_display = ("term", "channel", "created")
    list_filter = (("channel", admin.EmptyFieldListFilter),)
    search_fields = ("term", "channel__slug")
    list_select_related = ("channel",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[BlockedTerm]:
        rows = super().get_queryset(request)
        return (
            rows if is_site_moderator(request.user) else rows.filter(channel__owner=request.user.pk)
        )

    def _owns(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._owns(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.requester = request.user  # type: ignore[attr-defined]
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "channel" and not is_site_moderator(request.user):
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                owner=request.user.pk
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
