"""Site moderators: the ``moderators`` group, who may ban anyone anywhere, site-wide included.

Channel owners and the moderators they appoint (``live.ChannelModerator``) act on their own
channel only; their powers come from the chat (live/chat/roles.py), not from this group.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.models import User

GROUP_NAME = "moderators"
PERMISSIONS = (
    "add_ban",
    "change_ban",
    "view_ban",
    "ban_site_wide",
    # The review queue: decide flags, read reports and the audit log, see the policy, keep
    # the site-wide blocked terms.
    "view_flag",
    "change_flag",
    "view_report",
    "view_decision",
    "view_policyrule",
    "add_blockedterm",
    "change_blockedterm",
    "delete_blockedterm",
    "view_blockedterm",
)
SITE_BAN_PERMISSION = "moderation.ban_site_wide"


def moderators_group() -> Group:
    """Return the moderators group, making it with its permissions if it is missing.

    Migration moderation 0002 creates it; this covers a database flushed since (the tests do).
    """
    group, created = Group.objects.get_or_create(name=GROUP_NAME)
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="moderation", codename__in=PERMISSIONS
            )
        )
    return group


def make_site_moderator(user: User) -> None:
    """Give ``user`` the site moderators' powers (and the admin's moderation pages)."""
    user.groups.add(moderators_group())
    if not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True


def is_site_moderator(user: object) -> bool:
    """Tell whether ``user`` may ban anyone, anywhere (superusers and the moderators group)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(  # type: ignore[attr-defined]
        SITE_BAN_PERMISSION
    )


def site_moderator_ids(user_ids: set[int]) -> set[int]:
    """Return which of ``user_ids`` are site moderators, in one query (``is_site_moderator``
    for many users at once: active superusers, or holders of the permission directly or
    through a group)."""
    holds = Q(codename="ban_site_wide", content_type__app_label="moderation")
    permission = Permission.objects.filter(holds).first()
    has_it = Q(is_superuser=True)
    if permission is not None:
        has_it |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    return set(
        User.objects.filter(has_it, pk__in=user_ids, is_active=True).values_list("pk", flat=True)
    )
