"""Refusals of the chat, with a sentence for the person (sent as ``error`` frames or API 4xx)."""

from live.errors import LiveError


class ChatRefused(LiveError):
    """The action is not allowed (a ban, a limit, a hook, a missing right)."""

    status_code = 403


class ChatNotFound(LiveError):
    status_code = 404


class ChatInvalid(LiveError):
    status_code = 400
