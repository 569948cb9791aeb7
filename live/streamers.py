"""Streamers in the Django admin: the ``streamers`` group and how a channel owner joins it.

Why making every channel owner ``is_staff`` is safe: staff status only lets an account sign
in to ``/admin/``; what it may see there is what its permissions allow, and the streamers
group holds permissions on live channels, sessions, moderators and videos only. Every admin
of those models (live/admin.py, catalog/admin.py, through accounts/admin_owned.py) shows a
non-superuser their own rows only and checks ownership per object, so a streamer can neither
list nor open another's, even by typing its URL. Nothing else in Onair treats ``is_staff`` as
a power: ending another channel's stream needs the ``live.end_any_session`` permission.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.models import User

GROUP_NAME = "streamers"
# What streamers may do in the admin, per model. Sessions are written by the ingest, so they
# are read-only there (ended ones may be deleted); moderators are appointed or removed, not
# edited; videos are uploaded on /upload/, so there is no "add" for them; chat messages are
# read, and deleted from the chat by an action (their rows stay).
PERMISSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("live", "channel"): ("add", "view", "change", "delete"),
    ("live", "livesession"): ("view", "delete"),
    ("live", "channelmoderator"): ("add", "view", "delete"),
    ("live", "chatmessage"): ("view",),
    ("catalog", "video"): ("view", "change", "delete"),
    # Flags on their channels (read-only) and their channels' blocked chat terms.
    ("moderation", "flag"): ("view",),
    ("moderation", "blockedterm"): ("add", "view", "change", "delete"),
}


def _permissions() -> list[Permission]:
    wanted = Q(pk__in=[])
    for (app, model), actions in PERMISSIONS.items():
        codenames = [f"{action}_{model}" for action in actions]
        wanted |= Q(content_type__app_label=app, content_type__model=model, codename__in=codenames)
    return list(Permission.objects.filter(wanted))


def streamers_group() -> Group:
    """Return the streamers group, making it with its permissions if it is missing.

    Migration live 0002 creates it; this covers a database flushed since (the tests do). An
    existing group is left as the operator set it.
    """
    group, created = Group.objects.get_or_create(name=GROUP_NAME)
    if created:
        group.permissions.set(_permissions())
    return group


def make_streamer(user: User) -> None:
    """Let ``user`` sign in to the admin and manage their own channels there."""
    if user.is_superuser:
        return  # a superuser can do all of it already
    user.groups.add(streamers_group())
    if not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
