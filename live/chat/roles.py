"""Who someone is in a channel's chat, and who may act on whom.

The owner and the moderators they appoint act on their channel; site moderators and
superusers (``moderation.roles``) act anywhere and may ban from the whole site. Nobody acts
on the owner, on themselves, or (unless owner or staff) on another moderator or on staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from live.models import Channel, ChannelModerator
from moderation.roles import is_site_moderator, site_moderator_ids

OWNER, MODERATOR, STAFF = "owner", "moderator", "staff"


@dataclass(frozen=True)
class Role:
    """A user's standing in one channel's chat."""

    user_id: int | None = None
    username: str = ""
    badges: tuple[str, ...] = ()

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def moderates(self) -> bool:
        """Delete messages, time out, ban from the channel, clear."""
        return bool(self.badges)

    @property
    def bans_site_wide(self) -> bool:
        return STAFF in self.badges

    @property
    def privileged(self) -> bool:
        """A larger burst and no slow mode (never an unlimited rate)."""
        return bool(self.badges)


ANONYMOUS = Role()


def role_of(user: object, channel: Channel) -> Role:
    """Return ``user``'s role in ``channel``'s chat (anonymous when not signed in)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    badges = []
    if user.pk == channel.owner_id:
        badges.append(OWNER)
    elif ChannelModerator.objects.filter(channel=channel, user=user).exists():
        badges.append(MODERATOR)
    if is_site_moderator(user):
        badges.append(STAFF)
    return Role(user_id=user.pk, username=user.get_username(), badges=tuple(badges))


def refusal_to_act(actor: Role, target: Role) -> str | None:
    """Return why ``actor`` may not moderate ``target`` in this channel, or None if they may."""
    if not actor.moderates:
        return "Only the channel's owner and moderators can do that."
    if target.user_id == actor.user_id:
        return "You cannot do that to yourself."
    if OWNER in target.badges:
        return "Nobody can do that to the channel's owner."
    if target.moderates and not (OWNER in actor.badges or actor.bans_site_wide):
        return "Only the owner or site staff can do that to a moderator."
    return None


def badges_by_author(channel: Channel, author_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Return the badges of many authors at once (for a page of history): three queries."""
    if not author_ids:
        return {}
    moderators = set(
        ChannelModerator.objects.filter(channel=channel, user_id__in=author_ids).values_list(
            "user_id", flat=True
        )
    )
    staff = site_moderator_ids(author_ids)
    result: dict[int, tuple[str, ...]] = {}
    for author_id in author_ids:
        badges = []
        if author_id == channel.owner_id:
            badges.append(OWNER)
        elif author_id in moderators:
            badges.append(MODERATOR)
        if author_id in staff:
            badges.append(STAFF)
        result[author_id] = tuple(badges)
    return result
