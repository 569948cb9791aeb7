"""Serve media files from storage with Range, HEAD, validators, cache headers and access.

Hand-written because neither Django's ``FileResponse`` nor ``django.views.static.serve``
answers Range requests, which players and browsers use for segments and seeking, and the
packages that add it are unmaintained. Under ASGI Django also reads a response's *sync*
iterator whole into memory, so the response below reads its chunks in a worker thread.

A private video's files go to its owner only (signed in by session: ``<video>`` and hls.js
requests carry the cookie, not an API token) and stay out of shared caches.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.http.response import StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from catalog import access_rules, files
from catalog.models import Video

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
    user = request.user
    if access is not None and user.is_authenticated and user.pk == access.owner_id:
        return True
    raise Http404("No such file.")


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
    private = is_private_to_requester(request, clean)
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
