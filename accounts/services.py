"""Writes of accounts."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from catalog.services import video_delete


def user_delete(*, user: User) -> None:
    """Delete an account with its videos, and (after commit) every file they own."""
    with transaction.atomic():
        for video in user.videos.all():
            video_delete(video=video)
        user.delete()
