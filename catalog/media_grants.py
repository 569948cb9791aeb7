"""Links to a private video's files that carry their own permission.

Players send no API token with the requests they make (hls.js, AVPlayer, ffmpeg) and an app
has no session cookie, so the owner's private media needs URLs that are enough on their
own. The grant is signed (Django's signing, the ``SECRET_KEY``), names the owner and a
folder, and expires; it sits in the URL's *path* (``/media/grant/<grant>/<name>``), so the
relative URIs of an HLS playlist resolve to URLs that carry it too, on local storage without
rewriting anything. On S3 the same route rewrites playlists so that every segment is a
presigned S3 (or signed CloudFront) URL, and redirects other files to one.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.urls import reverse

from catalog.files import storage_url
from catalog.models import Video

SALT = "catalog.media-grant"
_now = time.time  # tests move the clock here


class GrantRefused(Exception):
    """A grant that is forged, expired, or not for the file asked for."""


def scope_of(video: Video, name: str) -> str:
    """Return the folder a grant for ``name`` covers: the video's, or its output's."""
    own = f"videos/{video.pk}/"
    if name.startswith(own) or not video.output_prefix:
        return own
    return f"{video.output_prefix.rstrip('/')}/"  # a replay's files stay where live wrote them


def lifetime(video: Video) -> int:
    """Seconds a grant lives: enough to start playing, plus the video's length to finish it."""
    return settings.MEDIA_SIGNED_URL_SECONDS + int(video.duration or 0)


def issue(*, scope: str, user_id: int, seconds: int) -> str:
    """Return a grant for ``user_id`` to the files under ``scope`` for ``seconds``."""
    return signing.dumps([scope, user_id, int(_now()) + seconds], salt=SALT, compress=True)


def check(grant: str, name: str) -> int:
    """Return the user a grant was issued to; ``GrantRefused`` unless it covers ``name``."""
    try:
        scope, user_id, until = signing.loads(grant, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise GrantRefused("This link to a private video is not valid.") from None
    if not isinstance(scope, str) or not isinstance(user_id, int) or not isinstance(until, int):
        raise GrantRefused("This link to a private video is not valid.")
    if _now() > until:
        raise GrantRefused(
            "This link to a private video has expired; reload the page (or fetch the video "
            "again from the API) for a new one."
        )
    if not name.startswith(scope):
        raise GrantRefused("This link does not cover that file.")
    return user_id


def url_for(name: str, *, video: Video, user_id: int) -> str:
    """Return the root-relative URL of a private video's file for its owner."""
    grant = issue(scope=scope_of(video, name), user_id=user_id, seconds=lifetime(video))
    return reverse("media-grant", kwargs={"grant": grant, "name": name})


def video_file_url(video: Video, name: str | None, user_id: int | None) -> str | None:
    """Return the URL a viewer uses for one of ``video``'s files (None while there is none).

    The owner of a private video gets a grant; everyone else the storage's own URL (a
    private video's files are refused to them there, by the media view or the bucket).
    """
    if not name:
        return None
    if video.visibility == Video.Visibility.PRIVATE and user_id == video.owner_id:
        return url_for(name, video=video, user_id=user_id)
    return storage_url(name)
