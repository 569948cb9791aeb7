"""Chat frames: what a client may send, checked; what the server sends, encoded once.

Every frame is a JSON object with a ``type`` (docs/chat.md lists them). ``parse`` turns a
client's frame into a command or raises ``BadFrame`` with a sentence for the person; the
``*_frame`` builders return the server's frames as dicts and ``encode`` makes the text that
is sent to every socket as it is (one ``json.dumps`` per event, not per socket).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.ids import looks_like_id
from live.models import CHAT_MAX_CHARS

MAX_FRAME_BYTES = 8192  # 500 characters, each escaped as a \\uXXXX pair in JSON, fit
TIMEOUT_MINUTES = (1, 10, 60)
USERNAME_MAX_CHARS = 150  # Django's


class BadFrame(ValueError):
    """A frame the server cannot act on; ``str()`` is the ``detail`` of the error sent back."""


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Delete:
    id: str


@dataclass(frozen=True)
class Timeout:
    user: str
    minutes: int


@dataclass(frozen=True)
class Ban:
    user: str
    site: bool  # the whole site (site moderators only), not just this channel


@dataclass(frozen=True)
class Clear:
    pass


Command = Say | Delete | Timeout | Ban | Clear


def _username(frame: dict[str, Any]) -> str:
    user = frame.get("user")
    if not isinstance(user, str) or not 0 < len(user) <= USERNAME_MAX_CHARS or "\x00" in user:
        raise BadFrame('Name the user as "user": their username.')
    return user


def parse(text: str | None, data: bytes | None) -> Command:
    """Return the command a client frame asks for; raise ``BadFrame`` if it is not one."""
    if text is None:
        raise BadFrame("Send text frames holding JSON, not binary ones.")
    if len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise BadFrame(f"That frame is too large: at most {MAX_FRAME_BYTES} bytes.")
    try:
        frame = json.loads(text)
    except ValueError:
        raise BadFrame(
            'A frame is a JSON object such as {"type": "message", "text": "hi"}.'
        ) from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame('A frame is a JSON object with a "type".')
    kind = frame["type"]
    if kind == "message":
        return Say(_text(frame.get("text")))
    if kind == "delete":
        message_id = frame.get("id")
        if not looks_like_id(message_id):
            raise BadFrame('Name the message to delete as "id".')
        return Delete(str(message_id))
    if kind == "timeout":
        minutes = frame.get("minutes")
        if isinstance(minutes, bool) or minutes not in TIMEOUT_MINUTES:
            raise BadFrame("A timeout lasts 1, 10 or 60 minutes.")
        return Timeout(_username(frame), int(minutes))
    if kind == "ban":
        scope = frame.get("scope", "channel")
        if scope not in ("channel", "site"):
            raise BadFrame('A ban\'s "scope" is "channel" or "site".')
        return Ban(_username(frame), scope == "site")
    if kind == "clear":
        return Clear()
    raise BadFrame(f"Unknown frame type {kind[:40]!r}.")


def _text(text: object) -> str:
    """Check a message's text; it is kept exactly as typed (pages show it as text)."""
    if not isinstance(text, str):
        raise BadFrame('A message needs its "text".')
    if not visible(text):
        raise BadFrame("Type something before sending.")
    if len(text) > CHAT_MAX_CHARS:
        raise BadFrame(
            f"Messages are at most {CHAT_MAX_CHARS} characters (this one has {len(text)})."
        )
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise BadFrame("That message holds broken characters (lone surrogates).")
    if "\x00" in text:
        raise BadFrame("That message holds a NUL character.")
    return text


# Characters that show nothing on their own: a message of only these is empty.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2028\u2029")


def visible(text: str) -> bool:
    """Tell whether ``text`` shows anything (not only spaces or zero-width characters)."""
    return any(not char.isspace() and char not in INVISIBLE for char in text)


def encode(frame: dict[str, Any]) -> str:
    """Return the frame's text, as every socket receives it."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def message_frame(
    *,
    id: str,
    text: str,
    username: str,
    badges: tuple[str, ...],
    created: datetime,
    offset: float | None,
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": id,
        "text": text,
        "author": {"username": username, "badges": list(badges)},
        "created": _when(created),
        "offset": round(offset, 3) if offset is not None else None,
    }


def delete_frame(message_id: str) -> dict[str, Any]:
    return {"type": "delete", "id": message_id}


def clear_frame() -> dict[str, Any]:
    return {"type": "clear"}


def ban_frame(*, username: str, until: datetime | None) -> dict[str, Any]:
    """A ``timeout`` (a ban with an end) or a ``ban`` (for good)."""
    return {"type": "timeout" if until else "ban", "user": username, "until": _when(until)}


def error_frame(detail: str) -> dict[str, Any]:
    return {"type": "error", "detail": detail}


def history_frame(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "history", "messages": messages}


def viewer_count_frame(count: int) -> dict[str, Any]:
    return {"type": "viewer_count", "count": count}


_STATUS_TEXT = {
    "status": "",
    "started": "The stream has started.",
    "ended": "The stream has ended.",
}


def status_frame(event: str, status: Any) -> dict[str, Any]:
    """The ``system`` frame saying whether the channel is live (``status`` on joining, then
    ``started`` or ``ended``), with what the page needs to switch its player."""
    return {
        "type": "system",
        "event": event,
        "text": _STATUS_TEXT.get(event, ""),
        "is_live": status.is_live,
        "hls_url": status.hls_url,
    }


def moderation_frame(text: str) -> dict[str, Any]:
    """The ``system`` frame telling viewers what moderation did (e.g. ended the stream)."""
    return {"type": "system", "event": "moderation", "text": text}


def slow_mode_frame(seconds: int) -> dict[str, Any]:
    text = (
        f"Slow mode is on: one message every {seconds} seconds." if seconds else "Slow mode is off."
    )
    return {"type": "system", "event": "slow_mode", "seconds": seconds, "text": text}


def chat_state_frame(
    *,
    username: str | None,
    badges: tuple[str, ...],
    can_write: bool,
    slow_mode_seconds: int,
    notice: str,
) -> dict[str, Any]:
    """The ``system`` frame (event ``chat``) telling a socket what it may do in this chat."""
    return {
        "type": "system",
        "event": "chat",
        "text": notice,
        "username": username,
        "badges": list(badges),
        "can_write": can_write,
        "can_moderate": bool(badges),
        "slow_mode_seconds": slow_mode_seconds,
        "max_chars": CHAT_MAX_CHARS,
    }
