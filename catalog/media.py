"""Serve media files from storage with Range, HEAD, validators, cache headers and access.

Hand-written because neither Django's ``FileResponse`` nor ``django.views.static.serve``
answers Range requests, which players and browsers use for segments and seeking, and the
packages that add it are unmaintained. Under ASGI Django also reads a response's *sync*
iterator whole into memory, so the response below reads its chunks in a worker thread.

A private video's files go to its owner only (signed in by session, or by API token for an
app that sends one) and stay out of shared caches; players that send neither use a grant
URL (``serve_granted``, catalog.media_grants).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, cast

from asgiref.sync import sync_to_async
from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.http.response import StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import ApiTokenAuthentication
from catalog import access_rules, files, media_grants, media_playlists
from catalog.models import Video
from catalog.s3 import PRIVATE, zone_of

CHUNK_BYTES = 256 * 1024
# At most 18 digits a position (an exabyte): longer ones are no file of ours, and int()
# refuses strings over 4 300 digits with an error. Such a header is ignored, as any
# malformed one is.
_RANGE = re.compile(r"^bytes=\s*([0-9]{0,18})\s*-\s*([0-9]{0,18})\s*$", re.IGNORECASE)


class RangeNotSatisfiable(Exception):
    """The requested byte range starts beyond the end of the file."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte span of a single ``Range``, or ``None`` to send it all.

    Malformed headers and multiple ranges are ignored (the whole file is a valid answer);
    a range that starts past the end raises ``RangeNotSatisfiable``.
    """
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(last) if last else size - 1, size - 1)


def is_private_to_requester(request: HttpRequest, name: str) -> bool:
    """Tell whether ``name`` is the requester's own private file; 404 if they may not see it.

    Files under no registered prefix are not anyone's and stay public. Public and unlisted
    files cost one primary-key query; the session is read only for private ones.
    """
    rule = access_rules.rule_for(name)
    if rule is None:
        return False
    access = rule(name)
    if access is not None and access.visibility != Video.Visibility.PRIVATE:
        return False
    # Read the session for a missing owner too: both 404s then look alike (Vary: Cookie),
    # so a private file's existence does not show.
    if access is not None and _requester_id(request) == access.owner_id:
        return True
    raise Http404("No such file.")


def _requester_id(request: HttpRequest) -> int | None:
    """Return the signed-in user's id: by session, else by an ``Authorization: Token``."""
    if request.user.is_authenticated:
        return int(request.user.pk)
    if not request.headers.get("Authorization"):
        return None
    try:
        found = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None  # a bad token sees what an anonymous request sees
    return int(found[0].pk) if found is not None else None


class RangeFileResponse(StreamingHttpResponse):
    """Stream ``length`` bytes of an open file from ``start`` in chunks, sync or async."""

    def __init__(self, fh: IO[bytes], start: int, length: int, **kwargs: Any) -> None:
        self._fh, self._start, self._length = fh, start, length
        self._chunk_iter = self._chunks()
        super().__init__(self._chunk_iter, **kwargs)
        self["Content-Length"] = str(length)

    def close(self) -> None:
        self._fh.close()
        super().close()

    def _chunks(self) -> Iterator[bytes]:
        self._fh.seek(self._start)
        remaining = self._length
        while remaining > 0:
            chunk = self._fh.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    def _next_chunk(self) -> bytes | None:
        return next(self._chunk_iter, None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # One chunk at a time from a worker thread: memory stays flat, the loop stays free.
        read = sync_to_async(self._next_chunk, thread_sensitive=False)
        while (chunk := await read()) is not None:
            yield chunk


def _open(name: str) -> tuple[IO[bytes], int, float]:
    """Open a stored file and return it with its size and modification time."""
    try:
        fh = default_storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation):  # missing, a folder, or outside the root
        raise Http404("No such file.") from None
    try:
        modified = default_storage.get_modified_time(name).timestamp()
        return fh, fh.size, modified
    except (OSError, NotImplementedError):
        fh.close()
        raise Http404("No such file.") from None


@require_http_methods(["GET", "HEAD"])
def serve(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve one stored file; Range gives 206, HEAD gives the headers only."""
    clean = files.clean_name(name)
    if clean is None:
        raise Http404("No such file.")
    return _serve_file(request, clean, private=is_private_to_requester(request, clean))


@require_http_methods(["GET", "HEAD"])
def serve_granted(request: HttpRequest, grant: str, name: str) -> HttpResponseBase:
    """Serve a private video's file to the holder of its owner's grant (catalog.media_grants).

    Local storage serves the file itself; S3 answers a playlist rewritten with signed
    segment URLs and redirects anything else to a signed URL.
    """
    clean = files.clean_name(name)
    if clean is None:
        raise Http404("No such file.")
    try:
        user_id = media_grants.check(grant, clean)
    except media_grants.GrantRefused as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    rule = access_rules.rule_for(clean)
    access = rule(clean) if rule is not None else None
    private = access is not None and access.visibility == Video.Visibility.PRIVATE
    if access is None or (private and access.owner_id != user_id):
        raise Http404("No such file.")  # not the grant holder's (any more): as if missing
    if isinstance(default_storage, FileSystemStorage):
        return _serve_file(request, clean, private=True)
    headers = {"Cache-Control": "private, no-store"}  # the answer holds expiring signatures
    rewrite = {".m3u8": media_playlists.rewrite, ".vtt": media_playlists.rewrite_vtt}.get(
        posixpath.splitext(clean)[1]
    )
    if rewrite is None:  # signed for MEDIA_SIGNED_URL_SECONDS if still private
        return HttpResponseRedirect(default_storage.url(clean), headers=headers)
    try:
        with default_storage.open(clean, "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        raise Http404("No such file.") from None
    scope = _grant_scope(grant)
    body = rewrite(text, name=clean, scope=scope, sign=_signer(scope))
    headers["Content-Type"] = files.content_type(clean)
    return HttpResponse(b"" if request.method == "HEAD" else body.encode(), headers=headers)


def _grant_scope(grant: str) -> str:
    return str(signing.loads(grant, salt=media_grants.SALT)[0])  # checked by the caller


def _signer(scope: str) -> media_playlists.Signer:
    def sign(names: list[str], seconds: int) -> dict[str, str]:
        s3 = cast(Any, default_storage)  # MediaS3Storage (checked by the caller)
        if zone_of(scope, folder=True) == PRIVATE:
            return dict(s3.signed_urls(names, scope=scope.rstrip("/"), seconds=seconds))
        return {name: default_storage.url(name) for name in names}  # made public meanwhile

    return sign


def _serve_file(request: HttpRequest, clean: str, *, private: bool) -> HttpResponseBase:
    """Answer GET/HEAD of a stored file with Range, validators and its cache policy."""
    fh, size, modified = _open(clean)
    etag = f'"{size:x}-{int(modified * 1_000_000):x}"'
    headers = {
        "Content-Type": files.content_type(clean),
        "Cache-Control": files.cache_control(clean, private=private),
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": http_date(modified),
    }
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(modified), response=HttpResponse(headers=headers)
    )
    if conditional is not None and conditional.status_code in (304, 412):
        fh.close()
        return conditional

    status, start, length = 200, 0, size
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if header and if_range not in (None, etag, headers["Last-Modified"]):
        header = ""  # the client's copy is stale: send the whole current file
    try:
        span = parse_range(header, size) if header else None
    except RangeNotSatisfiable:
        fh.close()
        response = HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        response["Content-Length"] = "0"
        return response
    if span is not None:
        status, start, length = 206, span[0], span[1] - span[0] + 1
        headers["Content-Range"] = f"bytes {span[0]}-{span[1]}/{size}"

    if request.method == "HEAD":
        fh.close()
        head = HttpResponse(status=status, headers=headers)
        head["Content-Length"] = str(length)
        return head
    return RangeFileResponse(fh, start, length, status=status, headers=headers)
